"""TerminateDialog asks for a reason; show_terminate_outcome reports what the records verify."""

from __future__ import annotations

import time

from PySide6.QtWidgets import QMessageBox

from desktop_app.dialogs.terminate_dialog import (
    DEFAULT_REASON,
    TerminateDialog,
    show_terminate_outcome,
    terminate_outcome,
)
from engine.api import Flowdeck, NodeExecution, WorkflowExecution
from tests.desktop_app.conftest import SAMPLE, SAMPLE_MOCKS


def _run(status: str = "running") -> WorkflowExecution:
    return WorkflowExecution(
        id="run-1",
        workflow_id="wf",
        version="v",
        graph={},
        graph_hash="h",
        inputs={},
        started_at=time.time() - 75,
        workflow_name="nightly-report",
        status=status,
    )


def _node(node_id: str, status: str) -> NodeExecution:
    return NodeExecution(
        id=f"x-{node_id}",
        run_id="run-1",
        index=0,
        node_id=node_id,
        node_type="code",
        created_at=time.time(),
        title=node_id.title(),
        status=status,
    )


def test_reason_defaults_and_is_editable(qtbot) -> None:
    dialog = TerminateDialog(_run(), ["Load orders", "Fetch FX rates"])
    qtbot.addWidget(dialog)
    assert dialog.reason() == DEFAULT_REASON
    assert dialog._running.count() == 2 and "Load orders" in dialog._running.item(0).text()
    dialog.reason_edit().setText("  wrong region  ")
    assert dialog.reason() == "wrong region"
    dialog.reason_edit().clear()
    assert dialog.reason() == DEFAULT_REASON


def test_outcome_counts_from_the_records() -> None:
    records = [
        _node("a", "succeeded"),
        _node("b", "terminated"),
        _node("c", "terminated"),
        _node("d", "skipped"),
    ]
    outcome = terminate_outcome(_run("terminated"), records)
    assert outcome.cancelled == ["B", "C"] and outcome.still_running == [] and outcome.verified
    assert "2 nodes were cancelled" in outcome.summary() and "None is left running" in outcome.summary()

    left = terminate_outcome(_run("running"), [*records, _node("e", "running")])
    assert not left.verified and left.still_running == ["E"]
    assert "not terminated" in left.summary() and "Still recorded as running: E" in left.summary()


def test_outcome_of_a_real_terminated_run(qtbot, flowdeck: Flowdeck) -> None:
    handle = flowdeck.start(SAMPLE, {"region": "us", "days": 7}, mocks=SAMPLE_MOCKS)
    qtbot.waitUntil(
        lambda: any(r.status == "running" for r in flowdeck.node_executions(handle.run_id)), timeout=10_000
    )
    flowdeck.terminate(handle.run_id, "wrong region")
    handle.wait(30)
    run = flowdeck.get_run(handle.run_id)
    records = flowdeck.node_executions(handle.run_id)
    box = show_terminate_outcome(None, run, records)
    qtbot.addWidget(box)
    cancelled = [r for r in records if r.status == "terminated"]
    assert run.status == "terminated" and cancelled
    assert box.icon() == QMessageBox.Icon.Information
    n = len(cancelled)
    assert f"{n} node{'s were' if n != 1 else ' was'} cancelled" in box.text()
    assert "None is left running" in box.text()
    assert "wrong region" in box.informativeText()


def test_show_error_names_the_place(qtbot, tmp_path) -> None:
    from desktop_app.dialogs.errors import describe_error, show_error
    from engine.api import DslError, load_workflow

    broken = tmp_path / "bad.yml"
    broken.write_text("kind: app\n", encoding="utf-8")
    try:
        load_workflow(broken)
    except DslError as exc:
        message = describe_error(exc)
    assert message.startswith(str(broken))
    box = show_error(None, "Cannot load workflow", message, details="trace")
    qtbot.addWidget(box)
    assert box.isVisible() and box.text() == message and box.detailedText() == "trace"
    assert describe_error(FileNotFoundError(2, "No such file", "x.yml")) == "x.yml: file not found"


def test_keyboard_enter_confirms_and_escape_cancels(qtbot) -> None:
    from PySide6.QtCore import Qt

    dialog = TerminateDialog(_run(), [])
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    with qtbot.waitSignal(dialog.rejected, timeout=2000):
        qtbot.keyClick(dialog.reason_edit(), Qt.Key.Key_Escape)
    again = TerminateDialog(_run(), ["Load orders"])
    qtbot.addWidget(again)
    again.show()
    qtbot.waitExposed(again)
    qtbot.keyClicks(again.reason_edit(), "x")
    with qtbot.waitSignal(again.accepted, timeout=2000):
        qtbot.keyClick(again.reason_edit(), Qt.Key.Key_Return)
    assert again.reason() == "x"  # the selected default was replaced by what was typed


def test_errors_mask_passwords_in_urls() -> None:
    from desktop_app.dialogs.errors import describe_error

    text = describe_error(ConnectionError("cannot reach postgresql+psycopg://ops:hunter2@db:5432/x"))
    assert "hunter2" not in text and "ops:***@db:5432/x" in text
