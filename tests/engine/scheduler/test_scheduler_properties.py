"""Property: on any DAG of branches and joins, the dispatcher runs exactly the nodes
Dify's readiness rule says (all in-edges resolved, at least one taken), each once,
inline or on workers, with strictly increasing event seq."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import run_workflow, start_workflow
from tests.engine.scheduler import graphs as g


@st.composite
def dags(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, bool]]:
    """A random DAG: node i may be an if-else on ``start.x`` (contains "a"); edges go forward only."""
    size = draw(st.integers(min_value=1, max_value=12))
    nodes: list[dict[str, Any]] = [g.start()]
    edges: list[tuple[str, ...]] = []
    branch: dict[str, bool] = {}
    names = ["start"]
    for i in range(size):
        name = f"n{i}"
        parents = draw(st.lists(st.sampled_from(names), min_size=1, max_size=3, unique=True))
        if draw(st.booleans()) and i < size - 1:
            nodes.append(g.if_else(name, ("start", "x"), "contains", "a"))
            branch[name] = True
        else:
            nodes.append(g.copy(name, ("start", "x")))
            branch[name] = False
        for parent in parents:
            handle = draw(st.sampled_from(["true", "false"])) if branch.get(parent) else "source"
            edges.append((parent, name, handle))
        names.append(name)
    nodes.append(g.end(out=("start", "x")))
    edges.append(("start", "end"))
    return g.graph(nodes, edges), branch


def expected_statuses(wf: dict[str, Any], branch: dict[str, bool], x: str) -> dict[str, str]:
    """Dify's readiness rule, evaluated directly in topological (creation) order."""
    status: dict[str, str] = {}
    taken_edges: set[str] = set()
    order = [n["id"] for n in wf["nodes"]]
    incoming: dict[str, list[dict[str, Any]]] = {n: [] for n in order}
    for edge in wf["edges"]:
        incoming[edge["target"]].append(edge)
    for node_id in order:
        ins = incoming[node_id]
        runs = not ins or any(e["id"] in taken_edges for e in ins)
        status[node_id] = "succeeded" if runs else "skipped"
        if runs:
            handle = ("true" if "a" in x else "false") if branch.get(node_id) else "source"
            for edge in wf["edges"]:
                if edge["source"] == node_id and edge["sourceHandle"] == handle:
                    taken_edges.add(edge["id"])
    return status


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=dags(), x=st.sampled_from(["abc", "xyz"]), inline=st.booleans())
def test_runs_exactly_the_nodes_the_readiness_rule_allows(
    case: tuple[dict[str, Any], dict[str, bool]], x: str, inline: bool
) -> None:
    wf, branch = case
    result = run_workflow(wf, {"x": x}, inline_pure_nodes=inline, timeout=30)
    assert result.status == "succeeded", result.error
    want = expected_statuses(wf, branch, x)
    got = result.node_status()
    assert {n: got.get(n, "skipped") for n in want} == want
    ran = [n.node_id for n in result.node_executions]
    assert len(ran) == len(set(ran)) == result.total_steps


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=dags())
def test_event_seq_is_strictly_increasing_with_one_terminal_event(
    case: tuple[dict[str, Any], dict[str, bool]],
) -> None:
    wf, _ = case
    handle = start_workflow(wf, {"x": "abc"}, inline_pure_nodes=False)
    events = list(handle.events(timeout=30))
    seqs = [e.seq for e in events]
    assert seqs == list(range(1, len(events) + 1))
    assert events[-1].name == "run_succeeded"
    assert sum(1 for e in events if e.name.startswith("run_") and e.name != "run_started") == 1
