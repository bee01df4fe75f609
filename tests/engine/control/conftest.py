"""Flowdecks on a real SQLite file, and owner processes started on the same file."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from engine.persistence.sql import create_engine_for, upgrade_database
from engine.service import Flowdeck
from engine.settings import Settings
from tests.conftest import ROOT
from tests.engine.persistence.conftest import temporary_postgres_database
from tests.support.waiting import wait_until

WORKFLOWS = Path(__file__).with_name("workflows")


def workflow(name: str) -> str:
    return str(WORKFLOWS / f"{name}.yml")


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'data' / 'flowdeck.db'}"


@pytest.fixture
def make_flowdeck(db_url: str) -> Iterator[Callable[..., Flowdeck]]:
    made: list[Flowdeck] = []

    def make(url: str | None = None) -> Flowdeck:
        flowdeck = Flowdeck(Settings(database_url=url or db_url, persistence="sync"))
        made.append(flowdeck)
        return flowdeck

    yield make
    for flowdeck in made:
        flowdeck.close(timeout=10)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def any_db_url(request: pytest.FixtureRequest, db_url: str) -> Iterator[str]:
    if request.param == "sqlite":
        yield db_url
        return
    with temporary_postgres_database() as url:
        yield url


@pytest.fixture
def engine(any_db_url: str) -> Iterator[Engine]:
    upgrade_database(any_db_url)
    engine = create_engine_for(any_db_url)
    yield engine
    engine.dispose()


class OwnerProcess:
    """``owner_process`` running one workflow on the test's database."""

    def __init__(self, db_url: str, name: str, inputs: dict[str, Any], *extra: str) -> None:
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.engine.control.owner_process",
                db_url,
                workflow(name),
                json.dumps(inputs),
                *extra,
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=dict(os.environ),
        )
        line = self._line(timeout=30)
        assert line.startswith("run_id "), line
        self.run_id = line.split()[1]

    def _line(self, timeout: float) -> str:
        assert self.proc.stdout is not None
        import selectors

        with selectors.DefaultSelector() as sel:
            sel.register(self.proc.stdout, selectors.EVENT_READ)
            if not sel.select(timeout):
                raise AssertionError(f"owner process printed nothing within {timeout} s")
        line = self.proc.stdout.readline().strip()
        if not line:
            _, err = self.proc.communicate(timeout=10)
            raise AssertionError(f"owner process ended early (rc {self.proc.returncode}): {err[-2000:]}")
        return line

    def next_line(self, timeout: float = 60) -> str:
        return self._line(timeout)

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def finish(self, timeout: float = 30) -> tuple[int, str, str]:
        out, err = self.proc.communicate(timeout=timeout)
        return self.proc.returncode, out, err

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.kill()
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()


@pytest.fixture
def owner_process(db_url: str) -> Iterator[Callable[..., OwnerProcess]]:
    started: list[OwnerProcess] = []

    def start(name: str, inputs: dict[str, Any], *extra: str) -> OwnerProcess:
        owner = OwnerProcess(db_url, name, inputs, *extra)
        started.append(owner)
        return owner

    yield start
    for owner in started:
        owner.stop()


def wait_for_status(flowdeck: Flowdeck, run_id: str, status: str, timeout: float = 20) -> None:
    def has() -> bool:
        run = flowdeck.repositories.executions.get_run(run_id)
        return run is not None and run.status == status

    wait_until(has, timeout, f"run {run_id} to be {status}")


def db_of(flowdeck: Flowdeck) -> Engine:
    """The database a Flowdeck owns its runs in."""
    assert flowdeck.local_control is not None
    return flowdeck.local_control.db


def node_record(flowdeck: Flowdeck, run_id: str, node_id: str) -> Any:
    return next((n for n in flowdeck.node_executions(run_id) if n.node_id == node_id), None)
