"""Celery persistence against a real Redis and real ``celery worker`` subprocesses."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from engine.persistence.celery.app import (
    SAVE_EXECUTION_TASK,
    SAVE_NODE_EXECUTION_TASK,
    STORAGE_QUEUE,
    create_celery_app,
)
from engine.persistence.celery.breaker import CircuitBreaker
from engine.persistence.celery.flusher import RecordFlusher
from engine.persistence.celery.outbox import SqliteOutbox
from tests.engine.persistence.celery.celery_support import (
    RecordingRepository,
    all_stored,
    assert_stored_like,
    celery_repositories,
    drive_run,
    new_manager,
    run_events,
    stored_state,
)
from tests.support.waiting import wait_until

pytestmark = [pytest.mark.redis, pytest.mark.slow]


class Pipeline:
    def __init__(self, broker_url: str, database_url: str, outbox_path: Path) -> None:
        self.app = create_celery_app(broker_url, database_url, socket_timeout_s=0.5)
        self.outbox = SqliteOutbox(outbox_path)
        self.flusher = RecordFlusher(
            self.app,
            self.outbox,
            flush_interval_s=0.005,
            flush_max_records=200,
            breaker=CircuitBreaker(cooldown_s=0.1, max_cooldown_s=0.5),
        )
        self.runs, self.nodes = celery_repositories(self.flusher)

    def close(self) -> None:
        self.flusher.close(2.0)
        self.outbox.close()


@pytest.fixture
def pipeline(redis_server: Any, database_url: str, tmp_path: Path) -> Iterator[Pipeline]:
    p = Pipeline(redis_server.url, database_url, tmp_path / "outbox.sqlite")
    try:
        yield p
    finally:
        p.close()


@pytest.mark.parametrize("cli", [False, True], ids=["celery-worker", "flowdeck-worker"])
def test_records_arrive_batched_with_final_status(
    cli: bool, celery_workers: Any, pipeline: Pipeline, db_engine: Any
) -> None:
    celery_workers(cli=cli)
    managers = [
        drive_run(f"run-{i}", pipeline.runs, pipeline.nodes, nodes=20, retries_on=frozenset({3}))
        for i in range(3)
    ]
    saves = pipeline.flusher.stats.records_submitted
    assert pipeline.flusher.flush(5.0)

    wait_until(lambda: all_stored(db_engine, managers), 20, "every record in the database")
    for manager in managers:
        assert_stored_like(db_engine, manager)
    run, _ = stored_state(db_engine, "run-0")
    assert run is not None and (run.tenant_id, run.app_id) == ("t1", "a1")
    # one task per batch, not one per save
    assert pipeline.flusher.stats.tasks_published < saves / 5
    assert len(pipeline.outbox) == 0
    # a finished run is read back from memory or the database alike
    assert pipeline.runs.get_run("run-0") is not None


def test_sigkilled_worker_holding_unacked_batches_loses_nothing(
    celery_workers: Any, pipeline: Pipeline, redis_server: Any, database_url: str, db_engine: Any
) -> None:
    # prefork: the pool child acknowledges early tasks as it starts them, so only
    # acks_late + reject-on-worker-lost keep the batch it runs when it is killed
    first = celery_workers(pool="prefork")
    # hold the database's write lock: the worker takes a batch and blocks inside the task, unacknowledged
    lock = sqlite3.connect(database_url.removeprefix("sqlite:///"), timeout=5, isolation_level=None)
    lock.execute("BEGIN EXCLUSIVE")
    try:
        managers = [drive_run(f"killed-{i}", pipeline.runs, pipeline.nodes, nodes=10) for i in range(2)]
        assert pipeline.flusher.flush(5.0)
        with redis_server.client() as client:
            wait_until(lambda: client.hlen("unacked") >= 1, 10, "the worker to hold an unacked batch")
        time.sleep(1.0)  # let the pool child start it (an early ack would be sent by now)
        with redis_server.client() as client:
            assert client.hlen("unacked") >= 1
        first.kill()
    finally:
        lock.execute("ROLLBACK")
        lock.close()

    celery_workers()
    # Redis hands the killed worker's batch out again after the (test) visibility timeout
    wait_until(lambda: all_stored(db_engine, managers), 40, "redelivery of the killed worker's batches")
    for manager in managers:
        assert_stored_like(db_engine, manager)


def test_redis_stopped_during_a_run_records_go_to_outbox_and_arrive(
    celery_workers: Any, pipeline: Pipeline, redis_server: Any, db_engine: Any
) -> None:
    celery_workers()
    events = run_events("outage", nodes=12)
    manager = new_manager(pipeline.runs, pipeline.nodes)
    for event in events[:10]:
        manager.handle(event)
    assert pipeline.flusher.flush(5.0)
    wait_until(lambda: stored_state(db_engine, "outage")[0] is not None, 20, "the first records")

    redis_server.stop()
    started = time.perf_counter()
    for event in events[10:]:
        manager.handle(event)
    other = drive_run("during-outage", pipeline.runs, pipeline.nodes, nodes=5)
    caller_time = time.perf_counter() - started
    assert pipeline.flusher.flush(10.0), "records neither published nor kept in the outbox"
    assert len(pipeline.outbox) > 0
    assert stored_state(db_engine, "outage")[0].status == "running"  # type: ignore[union-attr]
    assert caller_time < 0.25, f"saving blocked the caller for {caller_time:.3f} s while Redis was down"

    redis_server.start()
    wait_until(
        lambda: all_stored(db_engine, [manager, other]), 60, "the outbox to be re-sent after Redis is back"
    )
    assert_stored_like(db_engine, manager)
    assert_stored_like(db_engine, other)
    wait_until(lambda: len(pipeline.outbox) == 0, 5, "the outbox to empty")


def test_same_batch_twice_and_out_of_order_converges(
    celery_workers: Any, redis_server: Any, database_url: str, db_engine: Any
) -> None:
    recorder = RecordingRepository()
    manager = drive_run("reordered", recorder, recorder, nodes=6, retries_on=frozenset({1, 4}))
    runs = [r for r in recorder.saved if "workflow_id" in r]
    nodes = [r for r in recorder.saved if "node_id" in r]
    assert len(runs) >= 2 and len(nodes) >= 12

    app = create_celery_app(redis_server.url, database_url, socket_timeout_s=1.0)
    context = ["t1", "a1", "app-run", "user-1", "account"]
    newest_first_nodes = list(reversed(nodes))
    batches = [
        (SAVE_EXECUTION_TASK, [runs[-1]]),  # the final run record first
        (SAVE_NODE_EXECUTION_TASK, newest_first_nodes),  # every node record, newest first
        (SAVE_EXECUTION_TASK, runs),  # stale run records after the final one
        (SAVE_NODE_EXECUTION_TASK, nodes[: len(nodes) // 2]),  # the older half again
        (SAVE_NODE_EXECUTION_TASK, newest_first_nodes),  # the same batch delivered twice
        (SAVE_EXECUTION_TASK, [runs[0]]),
    ]
    for name, records in batches:
        app.send_task(name, args=[records, *context], queue=STORAGE_QUEUE)
    celery_workers()  # one solo worker, prefetch 1: tasks run in order
    sentinel = drive_run("sentinel", RecordingRepository(), RecordingRepository(), nodes=0)
    assert sentinel.execution is not None
    app.send_task(SAVE_EXECUTION_TASK, args=[[sentinel.execution.to_dict()], *context], queue=STORAGE_QUEUE)
    wait_until(lambda: stored_state(db_engine, "sentinel")[0] is not None, 20, "all batches to be processed")

    assert_stored_like(db_engine, manager)
    run, _ = stored_state(db_engine, "reordered")
    assert run is not None and run.created_by == "user-1"
