"""upsert_runs / upsert_node_executions on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sample_records import GRAPH, node, run
from sqlalchemy import Engine, Text, func, select
from sqlalchemy.orm import Session

from engine.persistence.sql import graph_content_hash, reads, upsert_node_executions, upsert_runs
from engine.persistence.sql.models import NodeExecutionRow, WorkflowRow


def test_round_trip_of_a_run_with_its_graph(engine: Engine) -> None:
    record = run(
        status="succeeded", seq=5, outputs={"answer": "café ☕"}, finished_at=1_002.5, total_tokens=12
    )
    assert upsert_runs(engine, [record.to_dict()]) == 1
    assert reads.get_run(engine, "run-1") == record


def test_round_trip_of_a_node_with_attempts(engine: Engine) -> None:
    record = node(status="succeeded", attempts=2, outputs={"n": [1, 2]}, metadata={"total_tokens": 3})
    assert upsert_node_executions(engine, [record.to_dict()]) == 1
    assert reads.get_node_executions(engine, "run-1") == [record]


def test_stale_and_repeated_writes_do_not_move_a_record_backwards(engine: Engine) -> None:
    final = run(status="succeeded", seq=9, finished_at=1_003.0)
    assert upsert_runs(engine, [final.to_dict()]) == 1
    assert upsert_runs(engine, [run(status="running", seq=3).to_dict()]) == 0
    assert upsert_runs(engine, [final.to_dict()]) == 0  # same seq: nothing new
    assert reads.get_run(engine, "run-1") == final

    done = node(status="succeeded", seq=7, attempts=2)
    upsert_node_executions(engine, [done.to_dict()])
    assert upsert_node_executions(engine, [node(status="running", seq=4, attempts=1).to_dict()]) == 0
    stored = reads.get_node_executions(engine, "run-1")
    assert stored == [done]


def test_a_batch_may_hold_the_same_record_several_times(engine: Engine) -> None:
    batch = [run(seq=s, status=st_).to_dict() for s, st_ in [(4, "succeeded"), (1, "running"), (3, "paused")]]
    assert upsert_runs(engine, batch) == 1
    assert reads.get_run(engine, "run-1").status == "succeeded"  # type: ignore[union-attr]
    nodes = [node(seq=s, attempts=a).to_dict() for s, a in [(2, 0), (5, 2), (3, 1)]]
    upsert_node_executions(engine, nodes)
    assert len(reads.get_node_executions(engine, "run-1")[0].attempts) == 2


def test_graph_snapshot_is_stored_once_per_content_hash(engine: Engine) -> None:
    upsert_runs(engine, [run("a").to_dict(), run("b").to_dict()])
    upsert_runs(engine, [run("c", graph_hash="").to_dict()])
    with engine.connect() as conn:
        hashes = set(conn.scalars(select(WorkflowRow.graph_hash)))
    assert hashes == {"hash-1", graph_content_hash(GRAPH)}
    assert reads.get_run(engine, "c").graph == GRAPH  # type: ignore[union-attr]
    assert reads.get_run(engine, "c").graph_hash == graph_content_hash(GRAPH)  # type: ignore[union-attr]


def test_malformed_record_raises_naming_the_field(engine: Engine) -> None:
    bad = {**run().to_dict(), "total_steps": "many"}
    with pytest.raises(ValueError, match="field 'total_steps' must be int"):
        upsert_runs(engine, [bad])


def test_in_a_caller_owned_session_nothing_is_written_until_commit(engine: Engine) -> None:
    with Session(engine) as session:
        upsert_runs(session, [run().to_dict()])
        upsert_node_executions(session, [node(attempts=1).to_dict()])
        session.rollback()
    assert reads.get_run(engine, "run-1") is None
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(NodeExecutionRow)) == 0
    with Session(engine) as session, session.begin():
        upsert_node_executions(session, [node(attempts=1).to_dict()])
    assert [len(n.attempts) for n in reads.get_node_executions(engine, "run-1")] == [1]


def _final_writes() -> tuple[list[dict], list[dict]]:
    runs = [
        run(seq=1).to_dict(),
        run(seq=4, status="paused").to_dict(),
        run(seq=8, status="failed", error="boom", finished_at=1_004.0).to_dict(),
    ]
    nodes = [
        node("n1", seq=2).to_dict(),
        node("n1", seq=3, attempts=1).to_dict(),
        node("n1", seq=5, attempts=2).to_dict(),
        node("n1", seq=6, attempts=2, status="failed", error="boom").to_dict(),
        node("n2", seq=7, index=2).to_dict(),
        node("n2", seq=8, index=2, status="terminated").to_dict(),
    ]
    return runs, nodes


RUNS, NODES = _final_writes()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    order=st.permutations(range(len(RUNS) + len(NODES))),
    batch_size=st.integers(1, 4),
    repeat=st.booleans(),
)
def test_any_delivery_order_converges_to_the_final_records(engine: Engine, order, batch_size, repeat) -> None:
    run_id = f"run-{uuid.uuid4().hex[:8]}"
    writes = [
        ("run", {**RUNS[i], "id": run_id})
        if i < len(RUNS)
        else (
            "node",
            {**NODES[i - len(RUNS)], "run_id": run_id, "id": f"{run_id}-{NODES[i - len(RUNS)]['id']}"},
        )
        for i in order
    ]
    if repeat:
        writes += writes[: len(writes) // 2]
    for start in range(0, len(writes), batch_size):
        batch = writes[start : start + batch_size]
        with engine.begin() as conn:
            upsert_runs(conn, [d for kind, d in batch if kind == "run"])
            upsert_node_executions(conn, [d for kind, d in batch if kind == "node"])
    stored = reads.get_run(engine, run_id)
    assert stored is not None and (stored.status, stored.error, stored.seq) == ("failed", "boom", 8)
    nodes = reads.get_node_executions(engine, run_id)
    assert [(n.status, n.seq, len(n.attempts)) for n in nodes] == [("failed", 6, 2), ("terminated", 8, 0)]
    assert [a.error for a in nodes[0].attempts] == ["error 0", "error 1"]


def test_every_pairwise_swap_of_two_writes_keeps_the_newest(engine: Engine) -> None:
    for i, (a, b) in enumerate(itertools.permutations([run(seq=2), run(seq=6, status="succeeded")])):
        a.id = b.id = f"swap-{i}"
        upsert_runs(engine, [a.to_dict()])
        upsert_runs(engine, [b.to_dict()])
        assert reads.get_run(engine, f"swap-{i}").status == "succeeded"  # type: ignore[union-attr]


def test_large_batches_count_exactly_the_rows_they_changed(engine: Engine) -> None:
    # 300 rows cross every statement size (256, 32, 4, 1)
    batch = [node(f"n-{i:03d}", index=i, seq=10, attempts=1).to_dict() for i in range(300)]
    assert upsert_node_executions(engine, batch) == 300
    assert upsert_node_executions(engine, batch) == 0
    newer = [{**d, "seq": 11, "status": "succeeded"} for d in batch[::2]]
    assert upsert_node_executions(engine, newer + batch[1::2]) == 150
    stored = reads.get_node_executions(engine, "run-1")
    assert [n.status for n in stored[:4]] == ["succeeded", "running", "succeeded", "running"]
    assert len(stored) == 300 and all(len(n.attempts) == 1 for n in stored)


def test_json_columns_hold_readable_text_and_odd_values_as_strings(engine: Engine) -> None:
    class Odd:
        def __str__(self) -> str:
            return "odd value"

    record = node(outputs={"city": "Zürich", "odd": Odd()}, status="succeeded")
    upsert_node_executions(engine, [record.to_dict()])
    with engine.connect() as conn:
        raw = conn.scalar(select(func.cast(NodeExecutionRow.outputs, Text)))
    assert "Zürich" in raw and "odd value" in raw
    assert reads.get_node_executions(engine, "run-1")[0].outputs == {"city": "Zürich", "odd": "odd value"}
