"""Batching policy of the record flusher, measured on a stub app (no broker needed).

- while saves keep coming faster than the flush window, nothing is published; once
  they pause, the whole burst goes out as one message per task, one record per id;
- a steady trickle is still published within ``max_delay_s``;
- live records are snapshotted off the caller's thread, labelled with the ``seq`` they
  were saved with, so a snapshot taken during a later mutation never outranks the save
  that follows it;
- the repositories are asynchronous (a run does not wait for them) and Celery gets a
  short ``argsrepr`` instead of formatting the batch.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest

from engine.lifecycle.records import NodeExecution
from engine.persistence.celery.app import SAVE_EXECUTION_TASK, SAVE_NODE_EXECUTION_TASK
from engine.persistence.celery.flusher import CallerContext, RecordFlusher, add_latest, materialise
from engine.persistence.celery.outbox import SqliteOutbox
from engine.persistence.celery.repositories import (
    CeleryWorkflowExecutionRepository,
    CeleryWorkflowNodeExecutionRepository,
)
from tests.engine.persistence.celery.celery_support import celery_repositories, drive_run
from tests.support.waiting import wait_until


class StubApp:
    """Records every ``send_task`` call with the time it happened."""

    def __init__(self) -> None:
        self.calls: list[tuple[float, str, dict[str, Any]]] = []
        self._lock = threading.Lock()

    def send_task(self, name: str, **options: Any) -> None:
        with self._lock:
            self.calls.append((time.monotonic(), name, options))

    def records(self, name: str) -> list[dict[str, Any]]:
        return [r for _, n, o in self.calls if n == name for r in o["args"][0]]


@pytest.fixture
def stub(tmp_path: Path) -> tuple[StubApp, SqliteOutbox]:
    return StubApp(), SqliteOutbox(tmp_path / "outbox.sqlite")


def _flusher(stub: tuple[StubApp, SqliteOutbox], **options: Any) -> RecordFlusher:
    app, outbox = stub
    return RecordFlusher(app, outbox, **options)  # type: ignore[arg-type]


def test_a_burst_is_held_while_saves_keep_coming_then_sent_as_one_message(
    stub: tuple[StubApp, SqliteOutbox],
) -> None:
    app, outbox = stub
    flusher = _flusher(stub, flush_interval_s=0.02, max_delay_s=5.0, flush_max_records=10_000)
    runs, nodes = celery_repositories(flusher)
    try:
        burst_started = time.monotonic()
        managers = []
        for i in range(30):  # saves every few ms, for longer than several windows
            managers.append(drive_run(f"burst-{i}", runs, nodes, nodes=5))
            time.sleep(0.005)
        burst_ended = time.monotonic()
        assert burst_ended - burst_started > 0.1  # the burst outlasted five windows
        wait_until(lambda: len(app.calls) >= 2, 5, "the burst published")
        time.sleep(0.1)
        assert all(at >= burst_ended for at, _, _ in app.calls), "published while saves kept coming"
        assert sorted(name for _, name, _ in app.calls) == [SAVE_EXECUTION_TASK, SAVE_NODE_EXECUTION_TASK]
        # one record per id, each the latest save (the final status)
        node_records = app.records(SAVE_NODE_EXECUTION_TASK)
        expected = {n.id: n.seq for m in managers for n in m.node_executions}
        assert {r["id"]: r["seq"] for r in node_records} == expected
        assert len(node_records) == len(expected)
        assert {r["status"] for r in node_records} == {"succeeded"}
        run_records = app.records(SAVE_EXECUTION_TASK)
        assert sorted(r["id"] for r in run_records) == sorted(f"burst-{i}" for i in range(30))
        # Celery gets a summary, not a repr of the whole batch
        for _, _, options in app.calls:
            assert options["argsrepr"] == f"<{len(options['args'][0])} records>"
    finally:
        flusher.close(1.0)
        outbox.close()


def test_a_steady_trickle_is_still_published_within_max_delay(stub: tuple[StubApp, SqliteOutbox]) -> None:
    app, outbox = stub
    flusher = _flusher(stub, flush_interval_s=0.02, max_delay_s=0.15, flush_max_records=10_000)
    nodes = CeleryWorkflowNodeExecutionRepository(flusher)
    try:
        started = time.monotonic()
        i = 0
        while not app.calls and time.monotonic() - started < 2.0:
            drive_run(f"trickle-{i}", CeleryWorkflowExecutionRepository(flusher), nodes, nodes=1)
            i += 1
            time.sleep(0.005)  # never quiet for a whole window
        assert app.calls, "nothing published during a continuous stream"
        assert app.calls[0][0] - started < 0.15 + 0.25  # max delay + one publish + slack
    finally:
        flusher.close(1.0)
        outbox.close()


def test_flush_max_records_ends_a_batch_early(stub: tuple[StubApp, SqliteOutbox]) -> None:
    app, outbox = stub
    flusher = _flusher(stub, flush_interval_s=0.05, max_delay_s=10.0, flush_max_records=20)
    try:
        for i in range(200):
            flusher.submit(SAVE_NODE_EXECUTION_TASK, CallerContext(), {"id": f"n{i}", "seq": i})
        assert flusher.flush(5.0)
        sizes = [len(options["args"][0]) for _, _, options in app.calls]
        assert sum(sizes) == 200 and max(sizes) <= 20
    finally:
        flusher.close(1.0)
        outbox.close()


def _node(seq: int, status: str = "running") -> NodeExecution:
    return NodeExecution.from_dict(
        {
            "id": "n1",
            "run_id": "r1",
            "index": 1,
            "node_id": "a",
            "node_type": "code",
            "created_at": 1.0,
            "title": "A",
            "predecessor_node_id": None,
            "inputs": {},
            "process_data": {},
            "outputs": {},
            "status": status,
            "error": "",
            "retry_count": 0,
            "finished_at": None,
            "elapsed_time": 0.0,
            "queue_wait": 0.0,
            "metadata": {},
            "attempts": [],
            "seq": seq,
        }
    )


def test_a_live_record_is_snapshotted_with_the_seq_it_was_saved_with() -> None:
    node = _node(seq=3)
    batch: dict[Any, Any] = {}
    ctx = CallerContext()
    add_latest(batch, SAVE_NODE_EXECUTION_TASK, ctx, node, node.seq)  # the "started" save
    # the manager mutates the same object for the next event (a snapshot may see part of it)
    node.status, node.outputs = "succeeded", {"x": 1}
    saved = next(iter(batch.values()))
    early = materialise(saved)
    assert early["seq"] == 3, "a snapshot of a save must not claim a later save's seq"
    node.seq = 7
    add_latest(batch, SAVE_NODE_EXECUTION_TASK, ctx, node, node.seq)  # the "ended" save
    assert len(batch) == 1
    final = materialise(next(iter(batch.values())))
    assert (final["seq"], final["status"], final["outputs"]) == (7, "succeeded", {"x": 1})
    # an older save drained after a newer one never replaces it
    add_latest(batch, SAVE_NODE_EXECUTION_TASK, ctx, node, 3)
    assert next(iter(batch.values()))[1] == 7


def test_repositories_are_asynchronous_and_read_runs_in_progress_from_memory(
    stub: tuple[StubApp, SqliteOutbox],
) -> None:
    assert CeleryWorkflowExecutionRepository.synchronous is False
    assert CeleryWorkflowNodeExecutionRepository.synchronous is False
    flusher = _flusher(stub, flush_interval_s=10.0, max_delay_s=10.0)
    runs, nodes = celery_repositories(flusher)
    try:
        manager = drive_run("mem-1", runs, nodes, nodes=3)
        run = runs.get_run("mem-1")
        assert run is not None and (run.status, run.seq) == ("succeeded", manager.execution.seq)  # type: ignore[union-attr]
        read = nodes.get_node_executions("mem-1")
        assert [(n.id, n.seq) for n in read] == [(n.id, n.seq) for n in manager.node_executions]
        # reads are snapshots: changing one does not change the cache
        read[0].outputs["changed"] = True
        assert "changed" not in nodes.get_node_executions("mem-1")[0].outputs
    finally:
        flusher.close(1.0)
        stub[1].close()
