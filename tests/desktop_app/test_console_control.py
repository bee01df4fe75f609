"""Control from the console answers by futures: no console thread waits while a command is verified."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop_app.main_window import MainWindow
from desktop_app.states import run_final
from engine.api import Flowdeck, NodeStatus, RunStatus

SLOW = Path(__file__).parent / "workflows" / "slow_code.yml"
TWO_STEPS = Path(__file__).parent / "workflows" / "two_steps.yml"


@pytest.fixture
def window(qtbot, flowdeck: Flowdeck) -> MainWindow:
    win = MainWindow(flowdeck)
    qtbot.addWidget(win)
    win.resize(1500, 900)
    win.show()
    return win


def _final(window: MainWindow) -> bool:
    state = window.follower.state
    return state is not None and run_final(state.run)


def test_three_terminates_hold_no_console_thread_and_each_is_verified(qtbot, window: MainWindow) -> None:
    runs = window.flowdeck.runs
    run_ids = [runs.start(SLOW, {}, listeners=[window.bridge.listener]).run_id for _ in range(3)]
    window.select_run(run_ids[0])
    qtbot.waitUntil(lambda: window.canvas.node_state("slow") == NodeStatus.RUNNING, timeout=10_000)
    terminated: list[str] = []
    window.ops.terminated.connect(lambda run, _nodes: terminated.append(run.id))
    before = window.tasks.pending
    for run_id in run_ids:
        window.terminate_run(run_id, "three at once")
    assert window.tasks.pending == before  # the console's read pool stays free for the list and records
    qtbot.waitUntil(lambda: sorted(terminated) == sorted(run_ids), timeout=20_000)
    for run_id in run_ids:
        assert window.flowdeck.queries.get_run(run_id).status == RunStatus.TERMINATED
    qtbot.waitUntil(lambda: "Verified" in window.header.banner_message(), timeout=5000)


def test_pause_and_resume_hold_no_console_thread_and_say_what_the_records_verify(
    qtbot, window: MainWindow
) -> None:
    window.start_run(TWO_STEPS, {})
    qtbot.waitUntil(lambda: window.canvas.node_state("first") == NodeStatus.RUNNING, timeout=10_000)
    run_id = window.follower.run_id
    before = window.tasks.pending
    window.toggle_pause()
    assert window.tasks.pending == before  # nothing submitted to the console's read pool
    qtbot.waitUntil(lambda: f"Run {run_id[:8]} paused." in window.header.banner_message(), timeout=10_000)
    assert window.flowdeck.queries.get_run(run_id).status == RunStatus.PAUSED
    before = window.tasks.pending
    window.toggle_pause()
    assert window.tasks.pending == before
    qtbot.waitUntil(lambda: f"Run {run_id[:8]} resumed." in window.header.banner_message(), timeout=10_000)
    qtbot.waitUntil(
        lambda: window.flowdeck.queries.get_run(run_id).status == RunStatus.SUCCEEDED, timeout=10_000
    )


def test_pause_and_resume_from_the_console(qtbot, window):
    window.start_run(TWO_STEPS, {})
    qtbot.waitUntil(lambda: window.canvas.node_state("first") == "running", timeout=10_000)
    run_id = window.follower.run_id
    window.toggle_pause()  # Ctrl+P
    qtbot.waitUntil(lambda: window.follower.state.status == "paused", timeout=10_000)
    qtbot.waitUntil(lambda: window.flowdeck.get_run(run_id).status == "paused", timeout=5000)  # write-behind
    assert window.canvas.node_state("first") == "succeeded"  # the running node finished first
    assert window.canvas.node_state("second") == "pending"  # and nothing new started
    assert window.actions_.pause.text() == "Resume"
    assert "paused" in window.header.pill.text()
    window.toggle_pause()
    qtbot.waitUntil(lambda: _final(window), timeout=10_000)
    qtbot.waitUntil(lambda: window.flowdeck.get_run(run_id).is_final, timeout=5000)
    run = window.flowdeck.get_run(run_id)
    assert run.status == "succeeded" and run.outputs == {"answer": "42"}
    assert window.canvas.node_state("second") == "succeeded"
