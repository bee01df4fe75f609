"""``interrupted`` (its owner stopped reporting and was stopped) is a state of its own in the console."""

from __future__ import annotations

import time

import pytest
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QWidget

from desktop_app import theme
from desktop_app.actions import build_actions
from desktop_app.run_header import RunHeader
from desktop_app.runs.cells import STATUS, RunCells
from desktop_app.runs.filters import FilterBar
from engine.api import RUN_TERMINAL, RunStatus, WorkflowExecution


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
