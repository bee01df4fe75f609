"""Skipped nodes get a ``skipped`` record, so runs read back from the database show them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from engine import load_workflow, run_workflow, start_workflow
from engine.events import NodeSkippedEvent, NodeStartedEvent
from engine.lifecycle import WorkflowCycleManager
from engine.lifecycle.node_records import skipped_execution_id
from engine.persistence.memory import InMemoryRunStore
from engine.persistence.sql.store import SqlRunStore, open_run_store
from engine.replay import plan_replay
from tests.engine.persistence.conftest import temporary_postgres_database
from tests.engine.scheduler import graphs as g


def branch_and_join() -> dict[str, Any]:
    """gate picks a or b; join takes either; last reads join."""
    return g.graph(
        [
            g.start(),
            g.if_else("gate", ("start", "x"), "contains", "yes"),
            g.template("a", "A"),
            g.template("a2", "A2 {{ v }}", v=("a", "output")),
            g.template("b", "B"),
            g.copy("join", ("a2", "output"), variables=[["a2", "output"], ["b", "output"]]),
            g.template("last", "{{ v }}", v=("join", "output")),
            g.end(out=("last", "output")),
        ],
        [
            ("start", "gate"),
            ("gate", "a", "true"),
            ("a", "a2"),
            ("gate", "b", "false"),
            ("a2", "join"),
            ("b", "join"),
            ("join", "last"),
            ("last", "end"),
        ],
    )


PICK = [["yes", "output"], ["no", "output"]]


def branching_iteration() -> dict[str, Any]:
    """Each item goes through an if-else inside the iteration: one arm is skipped per round."""
    body = [
        {"id": "it_start", "parentId": "it", "data": {"type": "iteration-start", "title": ""}},
        {**g.if_else("check", ("it", "item"), "contains", "y"), "parentId": "it"},
        {**g.template("yes", "yes {{ v }}", v=("it", "item")), "parentId": "it"},
        {**g.template("no", "no {{ v }}", v=("it", "item")), "parentId": "it"},
        {
            **g.copy("pick", ("yes", "output"), variables=[["yes", "output"], ["no", "output"]]),
            "parentId": "it",
        },
    ]
    iteration = {
        "id": "it",
        "data": {
            "type": "iteration",
            "title": "Each",
            "iterator_selector": ["make", "items"],
            "output_selector": ["pick", "output"],
            "start_node_id": "it_start",
        },
    }
    make = {
        "id": "make",
        "data": {
            "type": "code",
            "title": "make",
            "code_language": "python3",
            "variables": [],
            "code": "def main():\n    return {'items': ['y1', 'n2', 'y3']}\n",
            "outputs": {"items": {"type": "array[string]"}},
        },
    }
    return g.graph(
        [g.start(), make, iteration, *body, g.end(out=("it", "output"))],
        [
            ("start", "make"),
            ("make", "it"),
            ("it_start", "check"),
            ("check", "yes", "true"),
            ("check", "no", "false"),
            ("yes", "pick"),
            ("no", "pick"),
            ("it", "end"),
        ],
    )


@pytest.fixture(params=["sqlite", "postgresql"])
def sql_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqlRunStore]:
    if request.param == "sqlite":
        store = open_run_store(f"sqlite:///{tmp_path / 'runs.db'}")
        yield store
        store.close()
        return
    with temporary_postgres_database() as url:
        store = open_run_store(url)
        yield store
        store.close()


def _run_into(store: Any, workflow: Any, inputs: dict[str, Any], **kwargs: Any) -> Any:
    return run_workflow(
        workflow, inputs, execution_repository=store, node_execution_repository=store, timeout=30, **kwargs
    )


def test_skipped_nodes_read_back_from_the_database(sql_store: SqlRunStore) -> None:
    result = _run_into(sql_store, branch_and_join(), {"x": "no"})
    assert result.status == "succeeded"
    records = sql_store.get_node_executions(result.run_id)
    skipped = [r for r in records if r.status == "skipped"]
    assert [r.node_id for r in skipped] == ["a", "a2"]
    for record in skipped:
        assert record.id == skipped_execution_id(result.run_id, record.node_id, None)
        assert (record.elapsed_time, record.attempts, record.retry_count) == (0.0, [], 0)
        assert record.created_at == record.finished_at and record.created_at > 0
        assert record.node_type == "template-transform" and record.title == record.node_id
        assert "container_id" not in record.metadata
    # read back in event order: each skip right after the branch that caused it
    assert [r.node_id for r in records] == ["start", "gate", "a", "a2", "b", "join", "last", "end"]
    assert result.skipped_node_ids == ("a", "a2")
    assert result.node_status()["a"] == "skipped"


def test_skipped_nodes_inside_an_iteration_carry_their_round(sql_store: SqlRunStore) -> None:
    result = _run_into(sql_store, branching_iteration(), {"x": ""})
    assert result.status == "succeeded", result.error
    assert result.outputs == {"out": ["yes y1", "no n2", "yes y3"]}
    skipped = [r for r in sql_store.get_node_executions(result.run_id) if r.status == "skipped"]
    where = sorted((r.metadata["container_index"], r.node_id) for r in skipped)
    assert where == [(0, "no"), (1, "yes"), (2, "no")]
    assert all(r.metadata["container_id"] == "it" for r in skipped)
    assert len({r.id for r in skipped}) == 3
    no_in_round_2 = next(r for r in skipped if r.metadata["container_index"] == 2)
    assert no_in_round_2.id == skipped_execution_id(result.run_id, "no", 2)


def test_the_same_events_give_the_same_skipped_records() -> None:
    workflow = load_workflow(branch_and_join())
    handle = start_workflow(workflow, {"x": "yes"})
    events = list(handle.events(timeout=30))
    assert handle.wait(30).status == "succeeded"
    stores = [InMemoryRunStore(), InMemoryRunStore()]
    for store in stores:
        manager = WorkflowCycleManager(workflow, store, store)
        for event in events + events:  # the second pass is a redelivery: nothing new
            manager.handle(event)
    first, second = (
        [r.to_dict() for r in s.get_node_executions(events[0].run_id) if r.status == "skipped"]
        for s in stores
    )
    assert [r["node_id"] for r in first] == ["b"]
    assert first == second


def test_skipped_record_index_follows_event_order() -> None:
    workflow = load_workflow(branch_and_join())
    handle = start_workflow(workflow, {"x": "no"})
    events = list(handle.events(timeout=30))
    handle.wait(30)
    manager = WorkflowCycleManager(workflow, InMemoryRunStore(), InMemoryRunStore())
    for event in events:
        manager.handle(event)
    records = manager.node_executions + manager.skipped_executions
    in_event_order = [
        e.node_id for e in events if isinstance(e, NodeStartedEvent | NodeSkippedEvent) and e.node_id != "end"
    ]
    by_index = [
        r.node_id for r in sorted(records, key=lambda r: (r.index, r.created_at)) if r.node_id != "end"
    ]
    assert by_index == in_event_order
    assert [r.node_id for r in manager.node_executions if r.status == "skipped"] == []


def test_replay_plan_ignores_skipped_records_read_from_the_database(sql_store: SqlRunStore) -> None:
    workflow = load_workflow(branch_and_join())
    failed = _run_into(sql_store, workflow, {"x": "no"}, mocks={"last": {"error": "boom"}})
    assert failed.status == "failed"
    records = sql_store.get_node_executions(failed.run_id)
    assert {r.node_id for r in records if r.status == "skipped"} == {"a", "a2"}
    plan = plan_replay(workflow, records)
    assert set(plan.reused) == {"start", "gate", "b", "join"}  # join is reused although a2 was skipped
    assert plan.reused == plan_replay(workflow, [r for r in records if r.status != "skipped"]).reused
