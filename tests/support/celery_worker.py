"""A real ``celery worker`` subprocess for tests (its own process group, bounded start/stop)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


class CeleryWorkerProcess:
    """``python -m celery -A <app> worker -Q <queues> -P solo`` with ``env`` added to os.environ."""

    def __init__(self, app: str, queues: str, env: dict[str, str], log_path: Path, name: str) -> None:
        self.app = app
        self.queues = queues
        self.env = env
        self.log_path = log_path
        self.name = name
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def start(self, timeout: float = 30.0) -> CeleryWorkerProcess:
        env = {**os.environ, "PYTHONPATH": str(ROOT), **self.env}
        command = [sys.executable, "-m", "celery", "-A", self.app, "worker", "-Q", self.queues]
        command += ["-c", "1", "-P", "solo", "-l", "INFO", "-n", f"{self.name}@%h"]
        command += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
        offset = len(self.log_text())
        log = open(self.log_path, "ab")  # noqa: SIM115 - owned by the process
        self.proc = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
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
        """SIGKILL the worker's whole process group."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)
        self.proc = None
