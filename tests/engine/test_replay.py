"""Replay: rerun a recorded run whole, or from its failure reusing what succeeded."""

from __future__ import annotations

import pytest

from engine import load_workflow, run_workflow
from engine.events import NodeReusedEvent
from engine.replay import plan_replay, replay_workflow
from tests.engine.scheduler import graphs as g


def pipeline() -> dict:
    return g.graph(
        [
            g.start(),
            g.template("fetch", "fetched {{ x }}", x=("start", "x")),
            g.if_else("gate", ("fetch", "output"), "contains", "fetched"),
            g.template("parse", "parsed {{ v }}", v=("fetch", "output")),
            g.template("other", "other"),
            g.end(out=("parse", "output"), other=("other", "output")),
        ],
        [
            ("start", "fetch"),
            ("fetch", "gate"),
            ("gate", "parse", "true"),
            ("gate", "other", "false"),
            ("parse", "end"),
            ("other", "end"),
        ],
    )


def test_plan_says_which_nodes_are_reused_and_which_run() -> None:
    wf = load_workflow(pipeline())
    failed = run_workflow(wf, {"x": "data"}, mocks={"parse": {"error": "parser crashed"}})
    assert failed.status == "failed"
    plan = plan_replay(wf, failed.node_executions)
    assert set(plan.reused) == {"start", "fetch", "gate"}
    assert {"parse", "end"} <= set(plan.rerun)


def test_replay_from_failure_reuses_outputs_and_runs_the_rest() -> None:
    wf = load_workflow(pipeline())
    failed = run_workflow(wf, {"x": "data"}, mocks={"parse": {"error": "parser crashed"}})
    assert failed.execution is not None
    # the replay would fail if "fetch" ran again: its mock now errors
    handle = replay_workflow(
        wf, failed.execution, failed.node_executions, mocks={"fetch": {"error": "must not run again"}}
    )
    result = handle.wait(10)
    assert result.status == "succeeded", result.error
    assert result.outputs == {"out": "parsed fetched data", "other": None}
    reused = {e.node_id for e in handle.events() if isinstance(e, NodeReusedEvent)}
    assert reused == {"start", "fetch", "gate"}
    assert result.execution is not None and result.execution.replay_of == failed.run_id
    fetch = next(n for n in result.node_executions if n.node_id == "fetch")
    assert fetch.metadata["reused_from"] == next(n.id for n in failed.node_executions if n.node_id == "fetch")
    assert result.node_status()["other"] == "skipped"  # the branch taken originally is kept


def test_whole_rerun_runs_everything_with_edited_inputs() -> None:
    wf = load_workflow(pipeline())
    first = run_workflow(wf, {"x": "one"})
    assert first.execution is not None
    result = replay_workflow(
        wf, first.execution, first.node_executions, from_failure=False, inputs={"x": "two"}
    )
    done = result.wait(10)
    assert done.outputs["out"] == "parsed fetched two"
    assert not any(isinstance(e, NodeReusedEvent) for e in result.events())


def test_replay_from_failure_refuses_edited_inputs() -> None:
    wf = load_workflow(pipeline())
    first = run_workflow(wf, {"x": "one"})
    assert first.execution is not None
    with pytest.raises(ValueError, match="rerun"):
        replay_workflow(wf, first.execution, first.node_executions, inputs={"x": "two"})
