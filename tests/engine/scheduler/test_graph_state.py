"""Node states in the dispatcher are NodeStatus members and change only along the one transition table."""

from __future__ import annotations

import pytest

from engine import load_workflow
from engine.scheduler.graph_state import GraphState
from engine.status import IllegalTransition, NodeStatus
from tests.engine.scheduler import graphs as g


def _state() -> GraphState:
    return GraphState(load_workflow(g.chain(2)).graph)


def test_a_node_walks_pending_ready_running_succeeded() -> None:
    state = _state()
    assert state.node["n0"] is NodeStatus.PENDING
    for status in (NodeStatus.READY, NodeStatus.RUNNING, NodeStatus.RETRYING, NodeStatus.RUNNING):
        state.set("n0", status)
        assert state.node["n0"] is status
    state.set("n0", NodeStatus.SUCCEEDED)
    assert state.node["n0"] is NodeStatus.SUCCEEDED


@pytest.mark.parametrize("target", [NodeStatus.RUNNING, NodeStatus.FAILED, NodeStatus.PENDING])
def test_a_final_node_state_refuses_any_change(target: NodeStatus) -> None:
    state = _state()
    for status in (NodeStatus.READY, NodeStatus.RUNNING, NodeStatus.SUCCEEDED):
        state.set("n0", status)
    with pytest.raises(IllegalTransition, match="node n0"):
        state.set("n0", target)
    assert state.node["n0"] is NodeStatus.SUCCEEDED


def test_routing_makes_the_next_node_ready_and_a_saved_state_reads_back_as_members() -> None:
    state = _state()
    state.set("start", NodeStatus.READY)
    state.set("start", NodeStatus.RUNNING)
    state.set("start", NodeStatus.SUCCEEDED)
    ready: list[str] = []
    state.resolve_out("start", "source", ready, [])
    assert ready == ["n0"] and state.node["n0"] is NodeStatus.READY
    again = _state()
    again.load(state.to_dict())
    assert again.node == state.node and all(isinstance(s, NodeStatus) for s in again.node.values())
