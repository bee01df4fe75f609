"""A private ``redis-server`` on a free 127.0.0.1 port, for tests that need a real Redis.

``persistent=True`` turns on the append-only file (fsync always) so data survives
:meth:`RedisServer.restart` on the same port, as a production Redis with AOF would.
Never touches the system Redis on 6379.  Every wait is bounded.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis

from engine.remote.keys import redis_client
from tests.support.waiting import wait_until


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def redis_binary() -> str:
    """The redis-server path; skips the test when missing (fails under CI=true)."""
    binary = shutil.which("redis-server")
    if binary is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("redis-server is not on PATH (required when CI=true)")
        pytest.skip("redis-server is not on PATH: these tests need a real Redis")
    return binary


class RedisServer:
    def __init__(self, binary: str, workdir: Path, *, persistent: bool = False) -> None:
        self.binary = binary
        self.workdir = workdir
        self.persistent = persistent
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self, socket_timeout: float = 1.0) -> redis.Redis:
        """A client with bounded sockets and one quick retry (redis-py's default waits seconds)."""
        return redis_client(self.url, socket_timeout_s=socket_timeout)

    def ping(self) -> bool:
        try:
            with self.client() as client:
                return bool(client.ping())
        except redis.RedisError:
            return False

    def start(self, timeout: float = 10.0) -> None:
        durability = (
            ["--appendonly", "yes", "--appendfsync", "always"] if self.persistent else ["--appendonly", "no"]
        )
        args = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        args += [*durability, "--dir", str(self.workdir)]
        log = open(self.workdir / "redis.log", "ab")  # noqa: SIM115 - owned by the process
        self.proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        wait_until(self.ping, timeout, f"redis-server on port {self.port}")

    def stop(self, timeout: float = 5.0) -> None:
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout)
        self.proc = None

    def restart(self, down_for: float = 0.0) -> None:
        """Stop, stay down ``down_for`` seconds, start again on the same port."""
        self.stop()
        time.sleep(down_for)
        self.start()


@contextmanager
def running_redis(workdir: Path, *, persistent: bool = False) -> Iterator[RedisServer]:
    """A started :class:`RedisServer` in ``workdir`` (created if missing), stopped on exit.

    Skips the test when redis-server is missing (fails under ``CI=true``).
    """
    binary = redis_binary()
    workdir.mkdir(parents=True, exist_ok=True)
    server = RedisServer(binary, workdir, persistent=persistent)
    server.start()
    try:
        yield server
    finally:
        server.stop()
