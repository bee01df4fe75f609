"""A real ``celery worker`` subprocess for tests (its own process group, bounded start/stop).

``worker_env`` builds the ``FLOWDECK_*`` settings a worker needs to reach a test
Redis and database; :class:`CeleryWorkerProcess` starts the worker with them.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import KW_ONLY, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def worker_env(
    broker_url: str,
    database_url: str,
    *,
    visibility_timeout_s: float | None = None,
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Settings for a worker on ``broker_url`` storing into ``database_url`` (1 s broker sockets).

    ``visibility_timeout_s``: how soon a killed worker's unacknowledged messages come
    back (None: the production default).  ``extra`` is added last.
    """
    env = {
        "FLOWDECK_CELERY__BROKER_URL": broker_url,
        "FLOWDECK_CELERY__BACKEND": "remote",
        "FLOWDECK_CELERY__SOCKET_TIMEOUT_S": "1.0",
        "FLOWDECK_DATABASE_URL": database_url,
    }
    if visibility_timeout_s is not None:
        env["FLOWDECK_CELERY__VISIBILITY_TIMEOUT_S"] = str(visibility_timeout_s)
    env.update(extra or {})
    return env


@dataclass(eq=False)
class CeleryWorkerProcess:
    """``python -m celery -A <app> worker -Q <queues> -P <pool>`` with ``env`` added to os.environ.

    ``pool``: ``solo`` (tasks run in the worker process) or ``prefork`` (one pool child).
    ``cli=True`` starts it as ``flowdeck worker`` instead, which builds its own app from
    the ``FLOWDECK_*`` settings (``app`` is then not used).
    """

    app: str
    queues: str
    env: Mapping[str, str]
    log_path: Path
    name: str
    _: KW_ONLY
    pool: str = "solo"
    cli: bool = False
    proc: subprocess.Popen[bytes] | None = field(default=None, init=False)

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def command(self) -> list[str]:
        if self.cli:  # ``flowdeck worker``
            program = [sys.executable, "-m", "engine.cli", "worker"]
        else:
            program = [sys.executable, "-m", "celery", "-A", self.app, "worker", "-n", f"{self.name}@%h"]
            program += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
        return [*program, "-Q", self.queues, "-c", "1", "-P", self.pool, "-l", "INFO"]

    def start(self, timeout: float = 30.0) -> CeleryWorkerProcess:
        env = {**os.environ, "PYTHONPATH": str(ROOT), **self.env}
        offset = len(self.log_text())
        log = open(self.log_path, "ab")  # noqa: SIM115 - owned by the process
        self.proc = subprocess.Popen(
            self.command(), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()
        deadline = time.monotonic() + timeout
        while " ready." not in self.log_text()[offset:]:
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
        """Warm shutdown (SIGTERM to the process group), SIGKILL if it does not exit in time."""
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
