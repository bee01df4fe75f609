"""The caller never waits on a broker; the local backend needs no server at all."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from engine.persistence.celery.app import SAVE_EXECUTION_TASK, SAVE_NODE_EXECUTION_TASK, create_celery_app
from engine.persistence.celery.breaker import CircuitBreaker
from engine.persistence.celery.flusher import RecordFlusher
from engine.persistence.celery.local import LocalCeleryBackend
from engine.persistence.celery.outbox import SqliteOutbox
from engine.persistence.factory import build_repositories
from engine.settings import CelerySettings, Settings
from tests.engine.persistence.celery.celery_support import (
    RecordingRepository,
    all_stored,
    assert_stored_like,
    celery_repositories,
    drive_run,
)
from tests.support.waiting import wait_until


@pytest.fixture
def hung_broker() -> Iterator[str]:
    """A TCP server that accepts connections and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    server.settimeout(0.2)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"redis://127.0.0.1:{server.getsockname()[1]}/0"
    finally:
        stop.set()
        thread.join(2)
        for conn in held:
            conn.close()
        server.close()


@pytest.fixture
def dead_broker() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"


@pytest.mark.parametrize("broker", ["dead_broker", "hung_broker"])
def test_save_never_blocks_the_caller_when_the_broker_is_dead_or_hung(
    broker: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    url = request.getfixturevalue(broker)
    outbox = SqliteOutbox(tmp_path / "outbox.sqlite")
    flusher = RecordFlusher(
        create_celery_app(url, "sqlite://", socket_timeout_s=0.5),
        outbox,
        breaker=CircuitBreaker(cooldown_s=5.0, max_cooldown_s=5.0),
    )
    runs, nodes = celery_repositories(flusher)
    try:
        saves = 0
        started = time.perf_counter()
        managers = []
        while saves < 100:  # one run = 2 run saves + 2 saves per node
            managers.append(drive_run(f"blocked-{len(managers)}", runs, nodes, nodes=4))
            saves = flusher.stats.records_submitted
        caller_time = time.perf_counter() - started
        assert caller_time < 0.05, f"{saves} saves took {caller_time * 1000:.1f} ms with a {broker}"

        # the flusher gives up on the broker within its socket timeout and keeps everything
        assert flusher.flush(5.0)
        assert flusher.stats.publish_failures >= 1
        assert len(outbox) >= 2
        # a run in progress (or not yet stored anywhere) is answered from memory
        last = managers[-1].execution
        assert last is not None
        found = runs.get_run(last.id)
        assert found is not None and found.status == "succeeded"
        assert len(nodes.get_node_executions(last.id)) == 4
    finally:
        flusher.close(1.0)
        outbox.close()


def test_local_backend_stores_records_without_any_server(
    database_url: str, db_engine: Any, tmp_path: Path
) -> None:
    backend = LocalCeleryBackend(database_url, tmp_path / "outbox.sqlite")
    try:
        runs, nodes = celery_repositories(backend.flusher)
        managers = [
            drive_run(f"local-{i}", runs, nodes, nodes=15, retries_on=frozenset({2})) for i in range(3)
        ]
        assert backend.wait_stored(20.0)
        for manager in managers:
            assert_stored_like(db_engine, manager)
        assert backend.pending() == 0
    finally:
        backend.close(5.0)


def test_local_backend_resends_what_a_crashed_process_left_in_the_outbox(
    database_url: str, db_engine: Any, tmp_path: Path
) -> None:
    # a process that died after writing its batches to the outbox, before the worker stored them
    recorder = RecordingRepository()
    manager = drive_run("crashed", recorder, recorder, nodes=5)
    outbox = SqliteOutbox(tmp_path / "outbox.sqlite")
    runs = [r for r in recorder.saved if "workflow_id" in r]
    nodes = [r for r in recorder.saved if "node_id" in r]
    outbox.add("t-runs", SAVE_EXECUTION_TASK, [runs, "t1", "a1", "app-run", None, None])
    outbox.add("t-nodes", SAVE_NODE_EXECUTION_TASK, [nodes, "t1", "a1", "app-run", None, None])
    outbox.close()

    backend = LocalCeleryBackend(database_url, tmp_path / "outbox.sqlite")
    try:
        wait_until(lambda: all_stored(db_engine, [manager]), 20, "the outbox to be re-sent on start")
        assert_stored_like(db_engine, manager)
        wait_until(lambda: backend.pending() == 0, 5, "the outbox rows to be dropped once stored")
    finally:
        backend.close(5.0)


@pytest.mark.parametrize("persistence", ["sync", "celery"])
def test_build_repositories_from_settings(
    persistence: str, database_url: str, db_engine: Any, tmp_path: Path
) -> None:
    settings = Settings(
        database_url=database_url, persistence=persistence, celery=CelerySettings(backend="local")
    )
    repos = build_repositories(settings, outbox=tmp_path / "outbox.sqlite")
    try:
        manager = drive_run(f"factory-{persistence}", repos.executions, repos.node_executions, nodes=3)
        assert repos.flush(5.0)
        wait_until(lambda: all_stored(db_engine, [manager]), 20, "records from the built repositories")
        assert_stored_like(db_engine, manager)
        assert manager.execution is not None
        stored = repos.executions.get_run(manager.execution.id)
        assert stored is not None and stored.status == "succeeded"
    finally:
        repos.close(5.0)
