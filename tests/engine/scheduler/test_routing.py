"""Readiness, branch handles and skip propagation, as the operator sees them in a run."""

from __future__ import annotations

from engine import load_workflow, run_workflow
from engine.events import NodeStartedEvent, NodeSucceededEvent
from engine.run import start_workflow
from tests.engine.scheduler import graphs as g


def branching() -> dict:
    return g.graph(
        [
            g.start(),
            g.if_else("check", ("start", "x"), "contains", "yes"),
            g.template("a", "A:{{ v }}", v=("start", "x")),
            g.template("a2", "A2:{{ v }}", v=("a", "output")),
            g.template("b", "B:{{ v }}", v=("start", "x")),
            g.copy("join", ("a2", "output"), variables=[["a2", "output"], ["b", "output"]]),
            g.end(out=("join", "output"), a=("a2", "output")),
        ],
        [
            ("start", "check"),
            ("check", "a", "true"),
            ("a", "a2"),
            ("check", "b", "false"),
            ("a2", "join"),
            ("b", "join"),
            ("join", "end"),
        ],
    )


def test_untaken_branch_is_skipped_downstream_and_join_runs_once() -> None:
    result = run_workflow(branching(), {"x": "no"})
    assert result.status == "succeeded"
    assert result.outputs == {"out": "B:no", "a": None}  # a skipped node reads as null
    status = result.node_status()
    assert status["a"] == "skipped" and status["a2"] == "skipped"
    assert status["b"] == "succeeded" and status["join"] == "succeeded"
    assert [n.node_id for n in result.node_executions].count("join") == 1


def test_taken_branch_runs_and_other_arm_is_skipped() -> None:
    result = run_workflow(branching(), {"x": "yes please"})
    assert result.outputs == {"out": "A2:A:yes please", "a": "A2:A:yes please"}
    assert result.node_status()["b"] == "skipped"


def test_parallel_branches_overlap_in_time() -> None:
    wf = g.fan(3)
    mocks = {f"p{i}": {"outputs": {"output": f"v{i}"}, "delay_ms": 300} for i in range(3)}
    handle = start_workflow(wf, {"x": "v"}, mocks=mocks, worker_threads=4)
    events = list(handle.events(timeout=10))
    result = handle.wait(10)
    assert result.status == "succeeded"
    assert result.outputs == {"o0": "v0", "o1": "v1", "o2": "v2"}
    started = [e for e in events if isinstance(e, NodeStartedEvent) and e.node_id.startswith("p")]
    first_done = min(e.seq for e in events if isinstance(e, NodeSucceededEvent) and e.node_id.startswith("p"))
    assert len(started) == 3 and all(e.seq < first_done for e in started)


def test_loaded_workflow_runs_concurrently_many_times() -> None:
    wf = load_workflow(g.chain(20))
    handles = [start_workflow(wf, {"x": f"in{i}"}) for i in range(8)]
    results = [h.wait(20) for h in handles]
    assert [r.outputs["out"] for r in results] == [f"in{i}" for i in range(8)]
    assert len({r.run_id for r in results}) == 8


def test_inline_and_worker_execution_give_the_same_result() -> None:
    wf = load_workflow(branching())
    inline = run_workflow(wf, {"x": "yes"})
    pooled = run_workflow(wf, {"x": "yes"}, inline_pure_nodes=False)
    assert inline.outputs == pooled.outputs
    assert inline.node_status() == pooled.node_status()
