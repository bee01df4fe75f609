"""The console as an operator uses it: real widgets, a real engine, a SQLite file of the test's own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from desktop_app.main_window import MainWindow
from desktop_app.run_state import display_state
from engine.api import Flowdeck, Settings
from tests.desktop_app.conftest import ROOT, SAMPLE, SAMPLE_MOCKS

SLOW = Path(__file__).parent / "workflows" / "slow_code.yml"
INPUTS = {"region": "us", "days": 7}
TIMES = "\u00d7"  # the badge's multiplication sign


@pytest.fixture
def window(qtbot, flowdeck: Flowdeck) -> MainWindow:
    win = MainWindow(flowdeck)
    qtbot.addWidget(win)
    win.resize(1500, 900)
    win.show()
    return win


def _final(window: MainWindow) -> bool:
    state = window.follower.state
    return state is not None and state.run is not None and state.run.is_final


def _start_and_wait_final(qtbot, window: MainWindow, workflow: Path, inputs: dict, **kw) -> str:
    window.start_run(workflow, inputs, **kw)
    qtbot.waitUntil(lambda: window.follower.run_id != "", timeout=10_000)
    qtbot.waitUntil(lambda: _final(window), timeout=30_000)
    return window.follower.run_id


def test_a_sample_run_started_from_the_console_colours_its_nodes_through_to_the_records(qtbot, window):
    seen: dict[str, set[str]] = {}
    real_apply = window.canvas.apply

    def spy(views, run_status):
        real_apply(views, run_status)
        for node_id in views:
            seen.setdefault(node_id, set()).add(window.canvas.node_state(node_id))

    window.canvas.apply = spy
    run_id = _start_and_wait_final(qtbot, window, SAMPLE, INPUTS, mocks=SAMPLE_MOCKS)
    qtbot.waitUntil(lambda: window.canvas.node_state("publish") == "failed", timeout=5000)

    records = {r.node_id: r for r in window.flowdeck.node_executions(run_id)}
    assert window.flowdeck.get_run(run_id).status == "failed"
    for node_id, record in records.items():
        assert window.canvas.node_state(node_id) == display_state(record, run_status="failed"), node_id
    assert window.canvas.node_state("fx_rates") == "exception"
    assert window.canvas.node_state("flag_large") == "skipped"
    assert window.canvas.node_badge("summarise") == f"{TIMES}2"  # one retry: two attempts
    assert window.canvas.node_badge("fx_rates") == f"{TIMES}3"
    # the slow nodes were seen running before they ended
    assert "running" in seen["load_orders"] and "succeeded" in seen["load_orders"]
    assert "retrying" in seen["summarise"] or "running" in seen["summarise"]
    # the header says what the record says
    assert "failed" in window.header.pill.text()


def test_charts_show_the_records_timings_and_retries(qtbot, window):
    run_id = _start_and_wait_final(qtbot, window, SAMPLE, INPUTS, mocks=SAMPLE_MOCKS)
    qtbot.waitUntil(lambda: window.flowdeck.get_run(run_id).is_final, timeout=5000)  # write-behind
    records = window.flowdeck.node_executions(run_id)
    run = window.flowdeck.get_run(run_id)
    attempts = next(r for r in records if r.node_id == "summarise").attempts
    t0 = run.started_at
    expected = [("summarise", a.index, a.started_at - t0, a.finished_at - t0) for a in attempts]

    def llm_bars() -> list[tuple[str, int, float, float]]:
        segments = window.charts.timeline_segments()
        return sorted((s[0], s[1], s[2], s[3]) for s in segments if s[0] == "summarise")

    def settled() -> None:  # the charts follow the run live: wait for its last redraw
        assert [(n, i) for n, i, _, _ in llm_bars()] == [(n, i) for n, i, _, _ in expected]
        for (_, _, start, end), (_, _, want_start, want_end) in zip(llm_bars(), expected, strict=True):
            assert start == pytest.approx(want_start, abs=1e-3)
            assert end == pytest.approx(want_end, abs=1e-3)

    qtbot.waitUntil(settled, timeout=5000)
    assert len(attempts) == 2
    assert dict(window.charts.retry_bars()) == {r.node_id: r.retry_count for r in records if r.retry_count}
    assert dict(window.charts.retry_bars()) == {"fx_rates": 2, "summarise": 1}


def test_terminate_from_the_console_ends_the_run_and_its_running_nodes_terminated(qtbot, window):
    window.start_run(SLOW, {})
    qtbot.waitUntil(lambda: window.follower.run_id != "", timeout=10_000)
    qtbot.waitUntil(lambda: window.canvas.node_state("slow") == "running", timeout=10_000)
    run_id = window.follower.run_id
    assert window.actions_.terminate.isEnabled()
    window.terminate_run(run_id, "operator: stuck upstream")
    qtbot.waitUntil(lambda: "Verified" in window.header.banner_message(), timeout=10_000)

    run = window.flowdeck.get_run(run_id)
    assert run.status == "terminated" and run.finished_at is not None
    assert "stuck upstream" in run.error
    statuses = {r.node_id: r.status for r in window.flowdeck.node_executions(run_id)}
    assert statuses["slow"] == "terminated"
    assert "running" not in statuses.values()
    assert "1 node cancelled" in window.header.banner_message()
    qtbot.waitUntil(lambda: window.canvas.node_state("slow") == "terminated", timeout=5000)
    assert not window.actions_.terminate.isEnabled()


def test_replay_from_failure_from_the_console_marks_reused_nodes(qtbot, window):
    original = _start_and_wait_final(qtbot, window, SAMPLE, INPUTS, mocks=SAMPLE_MOCKS)
    plan = window.ops.plan(original, "from-failure")
    assert "publish" in plan.rerun and "load_orders" in plan.reused
    window.replay_run(original, "from-failure")
    qtbot.waitUntil(lambda: window.follower.run_id not in ("", original), timeout=10_000)
    qtbot.waitUntil(lambda: _final(window), timeout=30_000)
    replay = window.follower.run_id
    assert window.flowdeck.get_run(replay).replay_of == original
    qtbot.waitUntil(lambda: window.canvas.node_state("load_orders") == "reused", timeout=5000)
    for node_id in plan.reused:
        assert window.canvas.node_state(node_id) == "reused", node_id
    assert window.canvas.node_state("publish") == "failed"  # it ran again (and failed again)


def test_a_run_of_another_process_is_followed_from_its_records(qtbot, window, settings: Settings):
    env = {"FLOWDECK_DATABASE_URL": settings.database_url, "PATH": "/usr/bin:/bin"}
    proc = subprocess.run(
        [sys.executable, "-m", "engine.cli", "run", str(SAMPLE), "--inputs", '{"region": "eu", "days": 3}',
         "--mock", str(SAMPLE_MOCKS), "--json"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=90,
    )
    assert proc.returncode == 1, proc.stderr
    page = window.flowdeck.list_runs()
    assert page.total == 1
    run_id = page.items[0].id
    window.select_run(run_id)
    qtbot.waitUntil(lambda: window.canvas.node_state("publish") == "failed", timeout=10_000)
    assert window.canvas.node_state("fx_rates") == "exception"
    assert window.canvas.node_state("all_clear") == "succeeded"


def test_a_broken_workflow_file_shows_a_message_naming_the_problem(qtbot, window, tmp_path: Path):
    broken = tmp_path / "broken.yml"
    broken.write_text("workflow:\n  graph:\n    nodes: [ {id: a, data: {type: start}\n", encoding="utf-8")
    window.open_workflow_file(broken)
    qtbot.waitUntil(lambda: window.last_message is not None and window.last_message.isVisible(), timeout=5000)
    assert "broken.yml" in window.last_message.text()
    window.last_message.close()
    cyclic = tmp_path / "cycle.yml"
    cyclic.write_text(
        "workflow:\n  graph:\n    nodes:\n"
        "      - {id: s, data: {type: start, title: S, variables: []}}\n"
        "      - {id: a, data: {type: template-transform, title: A, variables: [], template: x}}\n"
        "      - {id: b, data: {type: template-transform, title: B, variables: [], template: y}}\n"
        "    edges:\n      - {source: s, target: a}\n"
        "      - {source: a, target: b}\n      - {source: b, target: a}\n",
        encoding="utf-8",
    )
    window.open_workflow_file(cyclic)
    qtbot.waitUntil(lambda: window.last_message is not None and "cycle" in window.last_message.text().lower(),
                    timeout=5000)
    assert window.isVisible()


def test_run_and_terminate_through_the_toolbar_and_its_dialogs(qtbot, window):
    from desktop_app.dialogs.run_dialog import RunDialog
    from desktop_app.dialogs.terminate_dialog import TerminateDialog

    window.actions_.run.trigger()  # Ctrl+R
    dialog = window.findChild(RunDialog)
    assert dialog is not None and dialog.isVisible()
    dialog.load(str(SAMPLE))
    qtbot.waitUntil(lambda: dialog.workflow() is not None, timeout=10_000)
    assert dialog.mocks_path() == str(SAMPLE_MOCKS)  # the bundled workflow's own mocks
    qtbot.waitUntil(lambda: dialog.run_button().isEnabled(), timeout=10_000)
    dialog.run_button().click()
    qtbot.waitUntil(lambda: window.follower.run_id != "", timeout=10_000)
    run_id = window.follower.run_id
    qtbot.waitUntil(lambda: window.canvas.node_state("load_orders") == "running", timeout=10_000)

    window.actions_.terminate.trigger()  # Ctrl+T
    confirm = window.findChild(TerminateDialog)
    assert confirm is not None and confirm.isVisible()
    confirm.reason_edit().setText("wrong region")
    confirm.accept()
    qtbot.waitUntil(lambda: "Verified" in window.header.banner_message(), timeout=10_000)
    run = window.flowdeck.get_run(run_id)
    assert (run.status, run.error) == ("terminated", "wrong region")
    qtbot.waitUntil(lambda: window.canvas.node_state("load_orders") == "terminated", timeout=5000)
    assert window.canvas.node_state("publish") == "pending"  # never reached


def test_a_running_node_card_shows_how_long_it_has_been_running(qtbot, window):
    window.start_run(SLOW, {})
    qtbot.waitUntil(lambda: window.canvas.node_state("slow") == "running", timeout=10_000)
    card = window.canvas.graph_scene.nodes["slow"]
    qtbot.waitUntil(lambda: card.elapsed != "", timeout=3000)
    first = card.elapsed
    qtbot.waitUntil(lambda: card.elapsed != first, timeout=3000)  # the 1 s tick moved it
    window.terminate_run(window.follower.run_id, "done looking")
    qtbot.waitUntil(lambda: window.canvas.node_state("slow") == "terminated", timeout=10_000)


def test_hovering_a_node_card_tells_its_state_attempts_and_error(qtbot, window):
    _start_and_wait_final(qtbot, window, SAMPLE, INPUTS, mocks=SAMPLE_MOCKS)
    qtbot.waitUntil(lambda: window.canvas.node_state("publish") == "failed", timeout=5000)
    nodes = window.canvas.graph_scene.nodes
    assert "quota exceeded" in nodes["publish"].toolTip()
    assert nodes["publish"].toolTip().startswith("Publish report: failed")
    assert "3 attempts (2 retried)" in nodes["fx_rates"].toolTip()
    assert nodes["flag_large"].toolTip() == "Flag large orders: skipped"


def test_the_window_comes_back_as_the_operator_left_it(qtbot, flowdeck: Flowdeck):
    first = MainWindow(flowdeck)
    qtbot.addWidget(first)
    assert not first.restore_layout()  # nothing saved yet: the app opens maximized
    first.resize(1100, 650)  # above its minimum width, within the offscreen screen
    first.show()
    first._main_splitter.setSizes([250, 450, 200])
    wanted = first._main_splitter.sizes()
    first.close()
    again = MainWindow(flowdeck)
    qtbot.addWidget(again)
    assert again.restore_layout()
    again.show()
    assert again.height() == 650  # (offscreen, the width is clamped to the window's minimum)
    restored = again._main_splitter.sizes()
    assert (restored[0], restored[2]) == (wanted[0], wanted[2])  # runs, inspector; the graph takes the rest


def test_the_console_terminates_a_run_that_a_terminal_owns(qtbot, window, settings: Settings):
    env = {**os.environ, "FLOWDECK_DATABASE_URL": settings.database_url}
    proc = subprocess.Popen(
        [sys.executable, "-m", "engine.cli", "run", str(SLOW)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        qtbot.waitUntil(lambda: window.flowdeck.list_runs().total == 1, timeout=30_000)
        run_id = window.flowdeck.list_runs().items[0].id
        window.select_run(run_id)
        qtbot.waitUntil(lambda: window.canvas.node_state("slow") == "running", timeout=30_000)
        assert not window.follower.live  # another process's run: followed through its records
        window.terminate_run(run_id, "stopped from the console")
        qtbot.waitUntil(lambda: "Verified" in window.header.banner_message(), timeout=15_000)
        assert proc.wait(15) == 3  # `flowdeck run` exits "terminated"
        run = window.flowdeck.get_run(run_id)
        assert (run.status, run.error) == ("terminated", "stopped from the console")
        qtbot.waitUntil(lambda: window.canvas.node_state("slow") == "terminated", timeout=5000)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


def test_replay_from_failure_through_its_dialog_shows_the_plan_before_it_runs(qtbot, window):
    from desktop_app.dialogs.replay_dialog import ReplayDialog

    original = _start_and_wait_final(qtbot, window, SAMPLE, INPUTS, mocks=SAMPLE_MOCKS)
    qtbot.waitUntil(lambda: window.actions_.from_failure.isEnabled(), timeout=5000)
    window.actions_.from_failure.trigger()  # Ctrl+Shift+R
    dialog = window.findChild(ReplayDialog)
    assert dialog is not None and dialog.isVisible()
    qtbot.waitUntil(lambda: dialog.plan() is not None, timeout=10_000)
    plan = dict(dialog.rows())
    assert plan["load_orders"] == "reused" and plan["publish"] == "runs"
    assert "353 tokens" in dialog.savings_text()  # the LLM's tokens are not spent again
    runs_before = window.flowdeck.list_runs().total
    dialog.accept()
    qtbot.waitUntil(lambda: window.follower.run_id not in ("", original), timeout=10_000)
    qtbot.waitUntil(lambda: _final(window), timeout=30_000)
    assert window.flowdeck.list_runs().total == runs_before + 1
    replay = window.flowdeck.get_run(window.follower.run_id)
    assert replay.replay_of == original
    assert window.canvas.node_state("summarise") == "reused"
