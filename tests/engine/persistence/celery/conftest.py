"""Real components for the Celery persistence tests.

- ``redis_server``: a private ``redis-server`` on a free 127.0.0.1 port (no
  persistence), with ``stop()``/``start()`` for fault injection.  Skipped when the
  binary is missing, except under ``CI=true`` where that is a failure.
- ``celery_workers``: starts real ``python -m celery ... worker`` subprocesses
  against that Redis, writing to ``database_url`` (a temp SQLite database upgraded
  with the SQL package's migrations).  The test config uses a 3 s
  ``visibility_timeout`` so a killed worker's messages come back within the test
  (production: 900 s, see ``engine/persistence/celery/app.py``).
- ``celery_support.py`` (plain helpers): ``drive_run`` feeds a synthetic run through
  the real ``WorkflowCycleManager``; ``assert_stored_like`` compares the database with it.

Every wait is bounded.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from engine.persistence.sql.database import create_engine_for, upgrade_database
from tests.engine.persistence.celery.celery_support import wait_until

ROOT = Path(__file__).resolve().parents[4]
TEST_VISIBILITY_TIMEOUT_S = 3.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# ------------------------------------------------------------------- redis
class RedisServer:
    def __init__(self, binary: str, workdir: Path) -> None:
        self.binary = binary
        self.workdir = workdir
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=1, socket_connect_timeout=1)

    def ping(self) -> bool:
        try:
            with self.client() as client:
                return bool(client.ping())
        except redis.RedisError:
            return False

    def start(self, timeout: float = 10.0) -> None:
        log = open(self.workdir / "redis.log", "ab")  # noqa: SIM115 - owned by the process
        self.proc = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
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


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    binary = shutil.which("redis-server")
    if binary is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("redis-server is not on PATH (required when CI=true)")
        pytest.skip("redis-server is not on PATH: the Celery persistence tests need a real Redis")
    workdir = tmp_path / "redis"
    workdir.mkdir()
    server = RedisServer(binary, workdir)
    server.start()
    try:
        yield server
    finally:
        server.stop()


# ---------------------------------------------------------------- database
@pytest.fixture
def database_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'runs.sqlite'}"
    upgrade_database(url)
    return url


@pytest.fixture
def db_engine(database_url: str) -> Iterator[Any]:
    engine = create_engine_for(database_url)
    try:
        yield engine
    finally:
        engine.dispose()


# ----------------------------------------------------------- celery worker
class CeleryWorkerProcess:
    def __init__(
        self,
        broker_url: str,
        database_url: str,
        log_path: Path,
        name: str,
        pool: str = "solo",
        cli: bool = False,
    ) -> None:
        self.cli = cli
        self.pool = pool
        self.broker_url = broker_url
        self.database_url = database_url
        self.log_path = log_path
        self.name = name
        self.proc: subprocess.Popen[bytes] | None = None

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def start(self, timeout: float = 30.0) -> CeleryWorkerProcess:
        env = dict(os.environ)
        env.update(
            PYTHONPATH=str(ROOT),
            FLOWDECK_DATABASE_URL=self.database_url,
            FLOWDECK_CELERY__BROKER_URL=self.broker_url,
            FLOWDECK_CELERY__BACKEND="remote",
            FLOWDECK_CELERY__SOCKET_TIMEOUT_S="1.0",
            FLOWDECK_CELERY__VISIBILITY_TIMEOUT_S=str(TEST_VISIBILITY_TIMEOUT_S),
        )
        log = open(self.log_path, "ab")  # noqa: SIM115 - owned by the process
        if self.cli:  # ``flowdeck worker``
            command = [sys.executable, "-m", "engine.cli", "worker", "-c", "1", "-P", self.pool, "-l", "INFO"]
        else:
            command = [sys.executable, "-m", "celery", "-A", "engine.persistence.celery.worker_app", "worker"]
            command += ["-Q", "workflow_storage", "-c", "1", "-P", self.pool, "-l", "INFO"]
            command += [
                "-n",
                f"{self.name}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ]
        self.proc = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while " ready." not in self.log_text():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.kill()
                raise AssertionError(f"celery worker {self.name} did not start:\n{self.log_text()[-3000:]}")
            time.sleep(0.05)
        return self

    def kill(self) -> None:
        """SIGKILL the worker's whole process group (the worker and any pool child)."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)
        self.proc = None

    def stop(self, timeout: float = 10.0) -> None:
        """Warm shutdown (SIGTERM), SIGKILL if it does not exit in time."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
                return
        self.proc = None


@pytest.fixture
def celery_workers(
    redis_server: RedisServer, database_url: str, tmp_path: Path
) -> Iterator[Callable[..., CeleryWorkerProcess]]:
    """``start(pool="solo", cli=False)`` starts one more worker (``cli``: via ``flowdeck worker``)."""
    started: list[CeleryWorkerProcess] = []

    def start_worker(pool: str = "solo", cli: bool = False) -> CeleryWorkerProcess:
        name = f"w{len(started) + 1}"
        worker = CeleryWorkerProcess(
            redis_server.url, database_url, tmp_path / f"{name}.log", name, pool, cli
        )
        started.append(worker)
        return worker.start()

    try:
        yield start_worker
    finally:
        for worker in started:
            worker.kill()  # the test has checked what it needed; a warm shutdown costs ~2 s
