"""The repository contract on memory, SQLite and PostgreSQL stores, and the write-behind thread."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sample_records import GRAPH, node, run

from engine import events as ev
from engine.lifecycle import NodeAttempt, WorkflowCycleManager
from engine.persistence.protocols import (
    RunQuery,
    RunSummaries,
    WorkflowExecutionRepository,
    WorkflowNodeExecutionRepository,
)
from engine.persistence.sql import SqlRunStore, create_engine_for, upgrade_database
from engine.persistence.sql.writer import RUN, WriteBehindWriter


def _fill(store) -> None:
    rows = [
        run(
            "r-1",
            workflow_id="wf-a",
            workflow_name="Alpha",
            started_at=100.0,
            status="succeeded",
            seq=3,
            elapsed_time=1.0,
        ),
        run(
            "r-2",
            workflow_id="wf-a",
            workflow_name="Alpha",
            started_at=200.0,
            status="failed",
            seq=3,
            elapsed_time=2.0,
            error="Timeout talking to 100%_model",
        ),
        run(
            "r-3",
            workflow_id="wf-b",
            workflow_name="Beta",
            started_at=300.0,
            status="succeeded",
            seq=3,
            inputs={"city": "Zürich"},
            elapsed_time=3.0,
        ),
        run("r-4", workflow_id="wf-a", workflow_name="Alpha", started_at=400.0, status="running", seq=1),
    ]
    for r in rows:
        store.save(r)
    assert store.flush(10)


def test_stores_implement_both_protocols(store) -> None:
    assert isinstance(store, WorkflowExecutionRepository)
    assert isinstance(store, WorkflowNodeExecutionRepository)


def test_runs_page_by_page_newest_first(store) -> None:
    _fill(store)
    first = store.list_runs(RunQuery(limit=3))
    assert [r.id for r in first.items] == ["r-4", "r-3", "r-2"] and first.total == 4 and first.pages == 2
    second = store.list_runs(RunQuery(limit=3, page=2))
    assert [r.id for r in second.items] == ["r-1"]
    assert all(r.graph == {} for r in first.items)  # lists do not carry graphs


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (RunQuery(status="succeeded"), ["r-3", "r-1"]),
        (RunQuery(status=["failed", "running"]), ["r-4", "r-2"]),
        (RunQuery(workflow_id="wf-a"), ["r-4", "r-2", "r-1"]),
        (RunQuery(workflow_name="Beta"), ["r-3"]),
        (RunQuery(started_from=200.0, started_to=400.0), ["r-3", "r-2"]),
        (RunQuery(text="timeout"), ["r-2"]),
        (RunQuery(text="100%_"), ["r-2"]),  # LIKE wildcards are literal
        (RunQuery(text="zürich"), ["r-3"]),  # inputs are searched, case-insensitively
        (RunQuery(text="BETA"), ["r-3"]),
        (RunQuery(text="r-4"), ["r-4"]),
        (RunQuery(workflow_id="wf-a", status="succeeded", text="alpha"), ["r-1"]),
    ],
)
def test_run_filters(store, query: RunQuery, expected: list[str]) -> None:
    _fill(store)
    page = store.list_runs(query)
    assert [r.id for r in page.items] == expected and page.total == len(expected)


def test_duration_history_is_oldest_first_and_limited(store) -> None:
    _fill(store)
    history = store.duration_history("wf-a")
    assert [(p.started_at, p.elapsed_time, p.status) for p in history] == [
        (100.0, 1.0, "succeeded"),
        (200.0, 2.0, "failed"),
        (400.0, 0.0, "running"),
    ]
    assert [p.started_at for p in store.duration_history("wf-a", limit=2)] == [200.0, 400.0]


def test_one_run_with_graph_nodes_and_attempts(store) -> None:
    store.save(run(status="failed", seq=9))
    store.save(node("n-2", index=2, node_id="b", seq=8, status="failed", attempts=3))
    store.save(node("n-1", index=1, node_id="a", seq=4, status="succeeded"))
    store.save(node("other", run_id="run-2", seq=5))
    assert store.flush(10)
    got = store.get_run("run-1")
    assert got is not None and got.graph == GRAPH and got.status == "failed"
    nodes = store.get_node_executions("run-1")
    assert [(n.id, n.status, len(n.attempts)) for n in nodes] == [
        ("n-1", "succeeded", 0),
        ("n-2", "failed", 3),
    ]
    assert [a.index for a in nodes[1].attempts] == [0, 1, 2]
    assert store.get_run("missing") is None and store.get_node_executions("missing") == []


def test_manager_with_store_end_to_end(store) -> None:
    class Info:
        id, name, version, graph_dict, graph_hash = "wf-1", "Summarise", "1", GRAPH, "h-e2e"

    manager = WorkflowCycleManager(Info(), store, store)
    base = {"run_id": "run-e2e"}
    manager.handle(
        ev.RunStartedEvent(
            **base, seq=1, at=10.0, workflow_id="wf-1", workflow_name="S", graph_hash="h-e2e", inputs={"q": 1}
        )
    )
    manager.handle(
        ev.NodeStartedEvent(
            **base, seq=2, at=10.1, node_execution_id="x", node_id="llm", node_type="llm", index=1
        )
    )
    manager.handle(
        ev.NodeRetryEvent(
            **base,
            seq=3,
            at=10.3,
            node_execution_id="x",
            node_id="llm",
            node_type="llm",
            retry_index=1,
            error="429",
            start_at=10.1,
        )
    )
    manager.handle(
        ev.NodeSucceededEvent(
            **base,
            seq=4,
            at=10.9,
            node_execution_id="x",
            node_id="llm",
            node_type="llm",
            started_at=10.5,
            retry_count=1,
            metadata={"total_tokens": 5},
        )
    )
    manager.handle(ev.RunSucceededEvent(**base, seq=5, at=11.0, outputs={"a": 1}))
    assert manager.flush(10)
    stored = store.get_run("run-e2e")
    assert stored == manager.execution
    assert stored is not None and stored.total_tokens == 5 and stored.elapsed_time == pytest.approx(1.0)
    assert store.get_node_executions("run-e2e") == manager.node_executions
    assert [a.status for a in manager.node_executions[0].attempts] == ["failed", "succeeded"]


# ------------------------------------------------------- write-behind thread
def _sqlite_store(tmp_path: Path) -> SqlRunStore:
    url = f"sqlite:///{tmp_path / 'wb.db'}"
    upgrade_database(url)
    return SqlRunStore(create_engine_for(url), owns_engine=True)


def test_many_saves_are_batched_into_few_transactions(tmp_path: Path) -> None:
    store = _sqlite_store(tmp_path)
    try:
        for i in range(300):
            store.save(run(f"r{i}", seq=1))
            store.save(node(f"n{i}", run_id=f"r{i}", seq=2, attempts=1))
        assert store.flush(10)
        assert store.list_runs(RunQuery(limit=1)).total == 300
        assert store._writer.batches < 100
    finally:
        store.close()


def test_save_never_waits_for_a_locked_database(tmp_path: Path) -> None:
    store = _sqlite_store(tmp_path)
    blocker = store.engine.raw_connection()
    try:
        blocker.execute("BEGIN EXCLUSIVE")  # another process holds the write lock
        started = time.perf_counter()
        for i in range(200):
            store.save(run(f"r{i}", seq=i + 1))
        assert time.perf_counter() - started < 0.5
        assert store.flush(timeout=0.3) is False  # still queued behind the lock
        blocker.execute("ROLLBACK")
        assert store.flush(timeout=10) is True
        assert store.list_runs(RunQuery()).total == 200
    finally:
        blocker.close()
        store.close()


def test_saves_from_several_threads_all_arrive(tmp_path: Path) -> None:
    store = _sqlite_store(tmp_path)

    def produce(t: int) -> None:
        for i in range(50):
            store.save(run(f"t{t}-{i}", seq=1))
            store.save(run(f"t{t}-{i}", seq=2, status="succeeded"))

    threads = [threading.Thread(target=produce, args=(t,)) for t in range(4)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert store.flush(10)
        assert store.list_runs(RunQuery(status="succeeded")).total == 200
    finally:
        store.close()


def test_a_batch_the_database_refuses_is_reported_not_hidden(tmp_path: Path) -> None:
    engine = create_engine_for(f"sqlite:///{tmp_path / 'no-schema.db'}")  # never upgraded
    writer = WriteBehindWriter(engine, retry_delays=(0.01,))
    try:
        writer.submit(RUN, "run-1", 1, run().to_dict())
        assert writer.flush(timeout=10) is False
        assert writer.dropped == 1 and "no such table" in (writer.last_error or "")
    finally:
        writer.close()
        engine.dispose()


def test_closed_store_refuses_saves(tmp_path: Path) -> None:
    store = _sqlite_store(tmp_path)
    store.save(run())
    assert store.close()
    with pytest.raises(RuntimeError, match="closed"):
        store.save(run(seq=2))


def test_a_node_is_written_with_the_seq_of_its_save_and_converges_to_the_last_save(tmp_path: Path) -> None:
    """Nodes are queued by reference and snapshotted when written (see LiveNode).

    A snapshot may show edits made after the save, but it carries the save's seq,
    so the save that follows those edits always replaces it.
    """
    store = _sqlite_store(tmp_path)
    try:
        record = node(seq=2, attempts=1, metadata={"a": 1})
        store.save(record)
        record.status = "succeeded"  # the manager's next event, not saved yet
        record.metadata["b"] = 2
        assert store.flush(10)
        [stored] = store.get_node_executions("run-1")
        assert stored.seq == 2  # the save's seq, whatever the snapshot caught

        record.attempts.append(NodeAttempt(1, 1_002.0, 1_003.0, "", "succeeded"))
        record.seq = 3
        store.save(record)
        assert store.flush(10)
        [stored] = store.get_node_executions("run-1")
        assert (stored.status, stored.seq, stored.metadata, len(stored.attempts)) == (
            "succeeded",
            3,
            {"a": 1, "b": 2},
            2,
        )
    finally:
        store.close()


def test_records_of_a_run_in_progress_are_written_without_a_flush(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'progress.db'}"
    upgrade_database(url)
    store = SqlRunStore(create_engine_for(url), owns_engine=True, max_delay_s=0.05)
    try:
        store.save(run(seq=1))
        store.save(node(seq=2))
        deadline = time.monotonic() + 5
        while not store.get_node_executions("run-1") and time.monotonic() < deadline:
            time.sleep(0.01)
        assert [n.id for n in store.get_node_executions("run-1")] == ["n-1"]
        assert store.get_run("run-1") is not None
    finally:
        store.close()


def test_summaries_for_the_console_filters(store) -> None:
    _fill(store)
    assert isinstance(store, RunSummaries)
    assert store.workflow_names() == ["Alpha", "Beta"]
    assert store.status_counts(RunQuery()) == {"succeeded": 2, "failed": 1, "running": 1}
    # the status filter is ignored (the chips count every status), the others apply
    assert store.status_counts(RunQuery(status="failed", workflow_name="Alpha")) == {
        "succeeded": 1,
        "failed": 1,
        "running": 1,
    }
    assert store.status_counts(RunQuery(text="zürich")) == {"succeeded": 1}


def test_a_page_of_runs_carries_the_retries_of_each_run(store) -> None:
    _fill(store)
    store.save(
        node("n-1", run_id="r-2", index=1, node_id="a", seq=4, status="failed", attempts=3, retry_count=2)
    )
    store.save(node("n-2", run_id="r-2", index=2, node_id="b", seq=5, status="succeeded", retry_count=1))
    store.save(node("n-3", run_id="r-3", index=1, node_id="a", seq=6, status="succeeded"))
    assert store.flush(10)
    page = store.list_runs(RunQuery())
    assert page.retries == {"r-2": 3}
    assert store.list_runs(RunQuery(workflow_name="Beta")).retries == {}
