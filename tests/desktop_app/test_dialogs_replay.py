"""ReplayDialog on a real failed run of the sample: the plan is shown before confirming."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from desktop_app.dialogs.replay_dialog import ReplayDialog
from desktop_app.tasks import TaskRunner
from engine.api import Flowdeck, WorkflowExecution, load_workflow
from tests.desktop_app.conftest import SAMPLE, SAMPLE_MOCKS

REUSED = {"start", "load_orders", "summarise", "large_orders", "all_clear", "approval_note"}


@pytest.fixture
def tasks(qtbot) -> Iterator[TaskRunner]:
    runner = TaskRunner()
    yield runner
    runner.close()


@pytest.fixture
def failed_run(flowdeck: Flowdeck) -> str:
    result = flowdeck.start(SAMPLE, {"region": "us", "days": 7}, mocks=SAMPLE_MOCKS).wait(30)
    assert result.status == "failed"
    return result.run_id


def _plan_for(flowdeck: Flowdeck, run_id: str):
    def plan_for(mode: str):
        if hasattr(flowdeck, "replay_plan"):
            return flowdeck.replay_plan(run_id, mode)
        plan = flowdeck.replay_plan(run_id)
        if mode == "rerun":
            plan.rerun, plan.reused = [*plan.reused, *plan.rerun], {}
        return plan

    return plan_for


def _dialog(qtbot, flowdeck: Flowdeck, run_id: str, tasks: TaskRunner, **kw) -> ReplayDialog:
    run = flowdeck.get_run(run_id)
    records = flowdeck.node_executions(run_id)
    dialog = ReplayDialog(
        run, load_workflow(SAMPLE), _plan_for(flowdeck, run_id), tasks, records=records, **kw
    )
    qtbot.addWidget(dialog)
    return dialog


def test_from_failure_lists_reused_and_running_nodes(qtbot, flowdeck, failed_run, tasks) -> None:
    dialog = _dialog(qtbot, flowdeck, failed_run, tasks)
    assert not dialog._ok.isEnabled()  # nothing to confirm before the plan is on screen
    qtbot.waitUntil(lambda: dialog.plan() is not None, timeout=10_000)
    rows = dict(dialog.rows())
    assert {n for n, kind in rows.items() if kind == "reused"} == REUSED
    assert {"fx_rates", "publish", "build_report"} <= {n for n, kind in rows.items() if kind == "runs"}
    text = dialog.savings_text()
    assert "6 nodes reused" in text and "353 tokens" in text  # the retried LLM's tokens are not spent again
    records = {r.node_id: r for r in flowdeck.node_executions(failed_run)}
    saved = sum(records[n].elapsed_time for n in REUSED)
    assert f"saves {saved:.1f} s" in text
    assert dialog._ok.isEnabled()
    dialog.accept()
    assert dialog.mode() == "from-failure" and dialog.inputs() is None


def test_rerun_with_edited_inputs(qtbot, flowdeck, failed_run, tasks) -> None:
    dialog = _dialog(qtbot, flowdeck, failed_run, tasks, mode="rerun-inputs")
    qtbot.waitUntil(lambda: dialog.plan() is not None, timeout=10_000)
    assert all(kind == "runs" for _, kind in dialog.rows()) and len(dialog.rows()) >= 9
    assert dialog.form().values() == {"region": "us", "days": 7}
    dialog.form().editor("days").setText("not a number")
    assert not dialog._ok.isEnabled()
    dialog.form().editor("days").setText("3")
    assert dialog._ok.isEnabled()
    assert dialog.mode() == "rerun" and dialog.inputs() == {"region": "us", "days": 3}
    dialog.set_choice("rerun")
    assert dialog.inputs() is None and dialog.mode() == "rerun"


def _recorded_run() -> WorkflowExecution:
    return WorkflowExecution(
        id="gone-1",
        workflow_id="wf",
        version="v",
        graph={},
        graph_hash="h",
        inputs={"region": "eu"},
        started_at=time.time() - 5,
        workflow_name="nightly-report",
        status="failed",
    )


def test_a_plan_that_cannot_be_made_is_shown_inline(qtbot, tasks) -> None:
    def broken(mode: str):
        raise LookupError("run gone-1 is not recorded")

    dialog = ReplayDialog(_recorded_run(), load_workflow(SAMPLE), broken, tasks)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.plan_shown, timeout=5000) as blocker:
        pass
    assert blocker.args == [False]
    assert "gone-1" in dialog._error.text() and not dialog._ok.isEnabled()


def test_unknown_mode_is_refused(qtbot, tasks) -> None:
    with pytest.raises(ValueError, match="mode must be one of"):
        ReplayDialog(_recorded_run(), load_workflow(SAMPLE), lambda m: None, tasks, mode="bogus")
