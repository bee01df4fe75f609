"""Run record dataclasses: JSON round trips and clear errors for bad input."""

from __future__ import annotations

import dataclasses
import json

import pytest

from engine.lifecycle import NodeAttempt, NodeExecution, WorkflowExecution
from engine.status import NODE_TERMINAL, RUN_TERMINAL, NodeStatus, RunStatus


def _run() -> WorkflowExecution:
    run = WorkflowExecution.new(
        id="r1",
        workflow_id="w1",
        version="2",
        graph={"nodes": [{"id": "a"}], "edges": []},
        graph_hash="h",
        inputs={"city": "Zürich"},
        started_at=10.5,
        seq=1,
        workflow_name="Weather",
        replay_of="r0",
        created_by="ana",
        created_by_role="account",
    )
    run.status, run.outputs, run.finished_at, run.total_tokens, run.seq = "succeeded", {"t": 21}, 12.0, 7, 9
    return run


def _node() -> NodeExecution:
    return NodeExecution(
        id="n1",
        run_id="r1",
        index=2,
        node_id="a",
        node_type="llm",
        created_at=11.0,
        title="Ask",
        inputs={"p": 1},
        outputs={"text": "x"},
        status="succeeded",
        retry_count=1,
        finished_at=11.9,
        elapsed_time=0.9,
        queue_wait=0.01,
        metadata={"total_tokens": 7},
        attempts=[NodeAttempt(0, 11.0, 11.4, "boom", "failed"), NodeAttempt(1, 11.5, 11.9, "", "succeeded")],
        seq=8,
    )


def test_new_run_is_running() -> None:
    run = WorkflowExecution.new(
        id="r", workflow_id="w", version="1", graph={}, graph_hash="", inputs={}, started_at=1.0, seq=1
    )
    assert run.status == RunStatus.RUNNING and not run.is_final and run.finished_at is None


@pytest.mark.parametrize("record", [_run(), _node()], ids=["run", "node"])
def test_round_trip_through_json(record: WorkflowExecution | NodeExecution) -> None:
    text = json.dumps(record.to_dict())
    again = type(record).from_dict(json.loads(text))
    assert again == record


def test_attempt_elapsed_time() -> None:
    assert _node().attempts[0].elapsed_time == pytest.approx(0.4)
    assert NodeAttempt(0, 1.0).elapsed_time is None


def test_final_records() -> None:
    run = _run()
    for status in RunStatus:
        run.status = status
        assert run.is_final == (status in RUN_TERMINAL)
    node = NodeExecution(id="n", run_id="r1", index=1, node_id="a", node_type="code", created_at=1.0)
    for node_state in NodeStatus:
        node.status = node_state
        assert node.is_final == (node_state in NODE_TERMINAL)


def test_every_run_status_survives_a_round_trip_interrupted_and_queued_included() -> None:
    for status in RunStatus:
        run = _run()
        run.status = status
        back = WorkflowExecution.from_dict(json.loads(json.dumps(run.to_dict())))
        assert back.status is status


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"status": 3}, "field 'status' must be str"),
        ({"status": "done"}, "field 'status' has unknown run status 'done'"),
        ({"seq": None}, "field 'seq' must not be null"),
        ({"seq": True}, "field 'seq' must be int"),
        ({"started_at": "yesterday"}, "field 'started_at' must be int or float"),
        ({"inputs": []}, "field 'inputs' must be dict"),
    ],
)
def test_malformed_run_names_the_field(change: dict, message: str) -> None:
    with pytest.raises(ValueError, match=f"WorkflowExecution: {message}"):
        WorkflowExecution.from_dict({**_run().to_dict(), **change})


def test_missing_required_field_is_named() -> None:
    data = _run().to_dict()
    del data["id"]
    with pytest.raises(ValueError, match="WorkflowExecution: field 'id' is missing"):
        WorkflowExecution.from_dict(data)


def test_malformed_attempt_is_named_with_its_position() -> None:
    data = _node().to_dict()
    data["attempts"][1]["started_at"] = None
    with pytest.raises(ValueError, match=r"field 'attempts\[1\]'.*'started_at' must not be null"):
        NodeExecution.from_dict(data)


def test_not_a_mapping() -> None:
    with pytest.raises(ValueError, match="NodeExecution: expected a mapping, got list"):
        NodeExecution.from_dict([])


def test_unknown_keys_from_newer_producers_are_ignored() -> None:
    assert WorkflowExecution.from_dict({**_run().to_dict(), "future_field": 1}) == _run()


def test_to_dict_is_a_snapshot() -> None:
    node = _node()
    data = node.to_dict()
    node.metadata["later"] = True
    node.attempts.append(NodeAttempt(2, 12.0))
    assert "later" not in data["metadata"] and len(data["attempts"]) == 2


@pytest.mark.parametrize("record", [_run(), _node()], ids=["run", "node"])
def test_to_dict_has_every_field(record: WorkflowExecution | NodeExecution) -> None:
    assert list(record.to_dict()) == [f.name for f in dataclasses.fields(record)]
