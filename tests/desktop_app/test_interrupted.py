"""``interrupted`` (its owner stopped reporting and was stopped) is a state of its own in the console."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QWidget

from desktop_app import theme
from desktop_app.actions import build_actions
from desktop_app.main_window import MainWindow
from desktop_app.run_header import RunHeader
from desktop_app.runs.cells import STATUS, RunCells
from desktop_app.runs.filters import FilterBar
from engine.api import RUN_TERMINAL, Flowdeck, NodeStatus, RunStatus, Settings, WorkflowExecution
from tests.desktop_app.conftest import ROOT


def _run(status: RunStatus, error: str | None = None) -> WorkflowExecution:
    started = time.time() - 30
    return WorkflowExecution(
        id=f"run-{status}",
        workflow_id="wf",
        version="1",
        graph={},
        graph_hash="",
        inputs={},
        started_at=started,
        workflow_name="billing-sync",
        status=status,
        finished_at=started + 20,
        elapsed_time=20.0,
        error=error,
    )


def _luminance(colour: str) -> float:
    c = QColor(colour)
    channels = []
    for v in (c.redF(), c.greenF(), c.blueF()):
        channels.append(v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4)
    r, g, b = channels
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(a: str, b: str) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pytest.mark.parametrize("dark", [False, True])
def test_an_interrupted_run_reads_as_its_own_state_in_both_themes(qtbot, dark: bool) -> None:
    cells = RunCells(dark)
    shown = cells.display(_run(RunStatus.INTERRUPTED), STATUS)
    assert shown.endswith("interrupted")
    colours = {s: cells.status_color(s).name() for s in RUN_TERMINAL}
    assert len(set(colours.values())) == len(colours)  # every final status its own colour
    assert colours[RunStatus.INTERRUPTED] not in {colours[RunStatus.FAILED], colours[RunStatus.TERMINATED]}
    pal = theme.palette(dark)
    style = pal.state(RunStatus.INTERRUPTED)
    assert _contrast(style.border, pal.panel) >= 3.0  # the list's status text on the list
    assert _contrast(style.text, style.fill) >= 4.5  # a checked chip's and the header pill's text


def test_the_runs_list_has_an_interrupted_chip_that_filters_by_it(qtbot) -> None:
    bar = FilterBar()
    qtbot.addWidget(bar)
    chip = bar.chips[RunStatus.INTERRUPTED]
    assert "interrupted" in chip.text()
    with qtbot.waitSignal(bar.changed, timeout=1000):
        chip.click()
    assert bar.selection().statuses == (RunStatus.INTERRUPTED,)
    bar.set_counts({RunStatus.INTERRUPTED: 3, RunStatus.FAILED: 1})
    assert chip.text().endswith(" 3") and bar.chips[RunStatus.FAILED].text().endswith(" 1")


def test_an_interrupted_run_can_be_replayed_not_controlled(qtbot) -> None:
    window = QWidget()
    qtbot.addWidget(window)
    actions, _bar = build_actions(window)
    actions.update_for(RunStatus.INTERRUPTED)
    assert actions.rerun.isEnabled() and actions.rerun_inputs.isEnabled() and actions.from_failure.isEnabled()
    assert actions.replay_menu.menuAction().isEnabled()
    assert not actions.terminate.isEnabled() and not actions.pause.isEnabled()
    actions.update_for(RunStatus.SUCCEEDED)  # nothing failed: rerun only
    assert actions.rerun.isEnabled() and not actions.from_failure.isEnabled()
    actions.update_for(RunStatus.RUNNING)
    assert actions.terminate.isEnabled() and not actions.rerun.isEnabled()


def test_the_header_shows_an_interrupted_run_and_why(qtbot) -> None:
    header = RunHeader()
    qtbot.addWidget(header)
    header.show()
    header.show_run(_run(RunStatus.INTERRUPTED, "interrupted: its owner stopped reporting"))
    assert "interrupted" in header.pill.text()
    assert not header.error.isHidden() and "owner stopped reporting" in header.error.text()


SLOW = Path(__file__).parent / "workflows" / "slow_code.yml"


def test_a_run_whose_terminal_died_shows_interrupted_and_is_replayed_from_the_console(
    qtbot, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'runs.db'}"
    owners = {"heartbeat_interval_s": 0.3, "heartbeat_ttl_s": 1.5, "sweep_interval_s": 0.5}
    deck = Flowdeck(Settings(database_url=url, owners=owners))
    window = MainWindow(deck)
    qtbot.addWidget(window)
    window.show()
    env = {**os.environ, "FLOWDECK_DATABASE_URL": url, "FLOWDECK_OWNERS__HEARTBEAT_INTERVAL_S": "0.3"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "engine.cli", "run", str(SLOW)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        qtbot.waitUntil(lambda: deck.queries.list_runs().total == 1, timeout=30_000)
        run_id = deck.queries.list_runs().items[0].id
        window.select_run(run_id)
        qtbot.waitUntil(lambda: window.canvas.node_state("slow") == NodeStatus.RUNNING, timeout=30_000)
        os.killpg(proc.pid, signal.SIGKILL)  # the terminal and whatever it started: the owner is gone
        proc.wait(10)
        swept = lambda: deck.queries.get_run(run_id).status == RunStatus.INTERRUPTED  # noqa: E731
        qtbot.waitUntil(swept, timeout=20_000)  # the console's own sweeper, after the TTL
        shown = lambda: window.header.run is not None and window.header.run.status == RunStatus.INTERRUPTED  # noqa: E731
        qtbot.waitUntil(shown, timeout=10_000)  # the follower re-reads the records of another process's run
        assert "interrupted" in window.header.pill.text()
        qtbot.waitUntil(lambda: window.canvas.node_state("slow") == NodeStatus.TERMINATED, timeout=5000)

        def slow_bar() -> None:  # no try was recorded: the timeline shows the span it ran, terminated
            bars = [b for b in window.charts.timeline_segments() if b[0] == "slow"]
            assert len(bars) == 1 and bars[0][4] == NodeStatus.TERMINATED and bars[0][3] - bars[0][2] > 0.5

        qtbot.waitUntil(slow_bar, timeout=5000)
        chip = window.runs.filters.chips[RunStatus.INTERRUPTED]
        qtbot.waitUntil(lambda: chip.text().endswith(" 1"), timeout=10_000)
        assert window.runs.model.index(0, STATUS).data().endswith("interrupted")
        assert window.actions_.rerun.isEnabled() and window.actions_.from_failure.isEnabled()
        assert not window.actions_.terminate.isEnabled()
        window.replay_run(run_id, "rerun")
        qtbot.waitUntil(lambda: window.follower.run_id not in ("", run_id), timeout=10_000)
        replay = window.follower.run_id
        linked = lambda: (r := deck.queries.find_run(replay)) is not None and r.replay_of == run_id  # noqa: E731
        qtbot.waitUntil(linked, timeout=10_000)
        window.terminate_run(replay, "enough")
        qtbot.waitUntil(lambda: "Verified" in window.header.banner_message(), timeout=15_000)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
        window.close()
        deck.close(5)
