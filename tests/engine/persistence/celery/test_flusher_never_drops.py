"""The flusher never drops: a record that cannot be serialised is kept in the outbox with its
error, and the rest of its batch is sent (issue 13).  ``outbox_status`` reads the counts."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from engine.lifecycle.records import NodeExecution
from engine.persistence.celery.app import create_celery_app
from engine.persistence.celery.breaker import CircuitBreaker
from engine.persistence.celery.flusher import RecordFlusher
from engine.persistence.celery.local import LocalCeleryBackend
from engine.persistence.celery.names import SAVE_NODE_EXECUTION_TASK
from engine.persistence.celery.outbox import SqliteOutbox
from engine.persistence.celery.repositories import CeleryWorkflowNodeExecutionRepository
from engine.persistence.outbox_status import OutboxStatus, outbox_status
from engine.persistence.sql.models import NodeExecutionRow
from engine.settings import CelerySettings, Settings
from engine.status import NodeStatus
from tests.support.waiting import wait_until

BATCH = 50
BAD = 17  # the record whose outputs hold a set (JSON has none)


def _save_batch(repo: CeleryWorkflowNodeExecutionRepository) -> list[str]:
    ids = []
    for i in range(BATCH):
        outputs: dict[str, Any] = {"tags": {"a", "b"}} if i == BAD else {"i": i}
        record = NodeExecution(
            id=f"n{i:02d}",
            run_id="run-batch",
            index=i + 1,
            node_id=f"node{i}",
            node_type="code",
            created_at=1_000.0 + i,
            outputs=outputs,
            status=NodeStatus.SUCCEEDED,
            seq=i + 1,
        )
        repo.save(record)
        ids.append(record.id)
    return ids


def _stored_ids(db_engine: Any) -> set[str]:
    with db_engine.connect() as conn:
        return set(conn.scalars(select(NodeExecutionRow.id)))


def _assert_kept_with_its_error(outbox: SqliteOutbox, path: Path) -> None:
    status = outbox.status()
    assert (status.pending, status.failed) == (0, 1)
    assert status.last_error is not None and "set" in status.last_error
    [(task_name, error, args)] = outbox.failed()
    assert (task_name, error) == (SAVE_NODE_EXECUTION_TASK, status.last_error)
    assert (
        f'"n{BAD}"' in args and "'a'" in args and "'b'" in args
    )  # the record, readable (the set as its repr)
    settings = Settings(persistence="celery", celery=CelerySettings(backend="local"))
    assert outbox_status(settings, path=path) == status


def test_local_backend_sends_the_49_good_records_and_keeps_the_bad_one(
    database_url: str, db_engine: Any, tmp_path: Path
) -> None:
    path = tmp_path / "outbox.sqlite"
    backend = LocalCeleryBackend(database_url, path)
    try:
        ids = _save_batch(CeleryWorkflowNodeExecutionRepository(backend.flusher))
        assert backend.wait_stored(20.0)
        assert _stored_ids(db_engine) == set(ids) - {f"n{BAD}"}
        assert backend.flusher.stats.records_failed == 1
        _assert_kept_with_its_error(backend.outbox, path)
    finally:
        backend.close(5.0)


@pytest.fixture
def remote_flusher(redis_server: Any, database_url: str, tmp_path: Path) -> Iterator[RecordFlusher]:
    outbox = SqliteOutbox(tmp_path / "outbox.sqlite")
    flusher = RecordFlusher(
        create_celery_app(redis_server.url, database_url, socket_timeout_s=0.5),
        outbox,
        breaker=CircuitBreaker(cooldown_s=0.1, max_cooldown_s=0.5),
    )
    try:
        yield flusher
    finally:
        flusher.close(2.0)
        outbox.close()


@pytest.mark.redis
@pytest.mark.slow
def test_a_real_worker_gets_the_49_good_records_and_the_bad_one_stays_in_the_outbox(
    celery_workers: Any, remote_flusher: RecordFlusher, db_engine: Any, tmp_path: Path
) -> None:
    celery_workers()
    ids = _save_batch(CeleryWorkflowNodeExecutionRepository(remote_flusher))
    assert remote_flusher.flush(10.0)
    wait_until(lambda: _stored_ids(db_engine) == set(ids) - {f"n{BAD}"}, 20, "the 49 good records")
    assert remote_flusher.stats.publish_failures == 0  # not the broker's fault: the breaker stays closed
    _assert_kept_with_its_error(remote_flusher.outbox, tmp_path / "outbox.sqlite")


def test_an_outbox_written_before_the_error_column_is_migrated_and_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "old-outbox.sqlite"
    conn = sqlite3.connect(path)
    conn.execute(
        "CREATE TABLE outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, task_id TEXT NOT NULL UNIQUE, "
        "task_name TEXT NOT NULL, args TEXT NOT NULL, created_at REAL NOT NULL, "
        "attempts INTEGER NOT NULL DEFAULT 0)"
    )
    conn.execute(
        "INSERT INTO outbox (task_id, task_name, args, created_at) VALUES ('t1', 'save', '[[]]', 1.0)"
    )
    conn.commit()
    conn.close()
    settings = Settings(persistence="celery")
    assert outbox_status(settings, path=path) == OutboxStatus(
        pending=1, path=str(path)
    )  # read before migrating

    outbox = SqliteOutbox(path)
    try:
        assert [m.task_id for m in outbox.oldest()] == ["t1"]
        assert outbox.status() == OutboxStatus(pending=1, failed=0, last_error=None, path=str(path))
    finally:
        outbox.close()


def test_outbox_status_without_an_outbox(tmp_path: Path) -> None:
    assert outbox_status(Settings(persistence="sync")) == OutboxStatus()
    missing = tmp_path / "none.sqlite"
    assert outbox_status(Settings(persistence="celery"), path=missing) == OutboxStatus(path=str(missing))
    assert not missing.exists()  # reading never creates it
