"""The runs panel with real widgets on a temp SQLite: order, filters, live updates, time."""

from __future__ import annotations

import time

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop_app import theme
from desktop_app.runs.cells import ELAPSED, RETRIES, STATUS, WORKFLOW
from engine.api import Flowdeck
from tests.desktop_app.conftest import SAMPLE, SAMPLE_MOCKS
from tests.desktop_app.runs_panel_support import WAIT_MS, cell, open_panel, shown_ids, tasks, wait_rows
from tests.desktop_app.runs_support import make_run, mixed_runs, write_runs

FIXTURES = (tasks,)


def test_every_run_is_listed_newest_first_with_its_status(qtbot: QtBot, flowdeck: Flowdeck, tasks) -> None:
    runs = mixed_runs(30)
    write_runs(flowdeck, runs)
    panel = open_panel(qtbot, flowdeck, tasks)
    wait_rows(qtbot, panel, 30)
    assert shown_ids(panel) == [r.id for r in sorted(runs, key=lambda r: -r.started_at)]
    assert cell(panel, 0, STATUS).endswith("succeeded")
    assert cell(panel, 1, STATUS).endswith("failed")
    assert cell(panel, 2, STATUS).endswith("partial")
    assert cell(panel, 1, WORKFLOW) == "nightly-etl"


def test_each_filter_narrows_the_rows_as_the_database_says(qtbot: QtBot, flowdeck: Flowdeck, tasks) -> None:
    runs = mixed_runs(36)
    runs[7].started_at = time.time() - 3 * 86400  # an old one, outside the last 24 h
    write_runs(flowdeck, runs)
    panel = open_panel(qtbot, flowdeck, tasks)
    wait_rows(qtbot, panel, 36)

    panel.filters.chips["failed"].click()
    failed = [r.id for r in runs if r.status == "failed"]
    wait_rows(qtbot, panel, len(failed))
    assert set(shown_ids(panel)) == set(failed)
    panel.filters.chips["running"].click()  # two chips: either status
    wait_rows(qtbot, panel, len(failed) + sum(r.status == "running" for r in runs))
    panel.filters.chips["failed"].click()
    panel.filters.chips["running"].click()
    wait_rows(qtbot, panel, 36)

    combo = panel.filters.workflow
    qtbot.waitUntil(lambda: combo.findData("report-llm") > 0, timeout=WAIT_MS)
    combo.setCurrentIndex(combo.findData("report-llm"))
    wait_rows(qtbot, panel, sum(r.workflow_name == "report-llm" for r in runs))
    assert {cell(panel, i, WORKFLOW) for i in range(panel.model.rowCount())} == {"report-llm"}
    combo.setCurrentIndex(0)
    wait_rows(qtbot, panel, 36)

    panel.filters.since.setCurrentIndex(panel.filters.since.findText("Last 24 h"))
    wait_rows(qtbot, panel, 35)
    assert runs[7].id not in shown_ids(panel)
    panel.filters.since.setCurrentIndex(panel.filters.since.findText("All time"))
    wait_rows(qtbot, panel, 36)

    qtbot.keyClicks(panel.filters.search, "run-00001")  # debounced: one query for the whole word
    wait_rows(qtbot, panel, 10)
    assert panel.current_query().text == "run-00001"
    assert flowdeck.list_runs(panel.current_query()).total == 10
    qtbot.keyClick(panel.filters.search, Qt.Key.Key_Escape)
    assert panel.filters.search.text() == ""
    wait_rows(qtbot, panel, 36)


def test_the_chips_count_runs_per_status(qtbot: QtBot, flowdeck: Flowdeck, tasks) -> None:
    write_runs(flowdeck, mixed_runs(24))  # four of each status
    panel = open_panel(qtbot, flowdeck, tasks)
    qtbot.waitUntil(lambda: panel.filters.chips["failed"].text().endswith(" 4"), timeout=WAIT_MS)
    assert panel.filters.chips["partial-succeeded"].text().endswith(" 4")


def test_a_run_started_after_the_panel_opened_appears_without_a_refresh(
    qtbot: QtBot, flowdeck: Flowdeck, tasks
) -> None:
    write_runs(flowdeck, mixed_runs(5))
    panel = open_panel(qtbot, flowdeck, tasks)
    wait_rows(qtbot, panel, 5)
    handle = flowdeck.start(SAMPLE, {"region": "us", "days": 7}, mocks=SAMPLE_MOCKS)
    qtbot.waitUntil(
        lambda: panel.model.rowCount() == 6 and shown_ids(panel)[0] == handle.run_id, timeout=WAIT_MS
    )
    handle.wait(30)
    # and its final status shows in place, again without anyone calling refresh()
    qtbot.waitUntil(lambda: cell(panel, 0, STATUS).endswith("failed"), timeout=WAIT_MS)
    assert panel.model.run_at(0).total_steps > 0  # type: ignore[union-attr]
    # its retries (the HTTP node twice, the LLM once) as its node records say
    recorded = sum(n.retry_count for n in flowdeck.node_executions(handle.run_id))
    assert recorded == 3
    qtbot.waitUntil(lambda: cell(panel, 0, RETRIES) == "3", timeout=WAIT_MS)
    assert cell(panel, 1, RETRIES) == "0"
    # the workflow filter offers every recorded workflow, loaded rows or not
    qtbot.waitUntil(lambda: "nightly-report" in panel.filters.workflow_names(), timeout=WAIT_MS)
    assert set(panel.filters.workflow_names()) == set(flowdeck.workflow_names())


def test_a_running_row_turns_final_in_place_keeping_the_selection(
    qtbot: QtBot, flowdeck: Flowdeck, tasks
) -> None:
    now = time.time()
    runs = [make_run(n, started_at=now - 100 - n) for n in range(10)]
    runs[3] = make_run(3, status="running", started_at=now - 103)
    write_runs(flowdeck, runs)
    panel = open_panel(qtbot, flowdeck, tasks)
    wait_rows(qtbot, panel, 10)
    with qtbot.waitSignal(panel.run_selected, timeout=WAIT_MS) as selected:
        panel.select_run(runs[3].id)
    assert selected.args == [runs[3].id]
    assert cell(panel, 3, STATUS).endswith("running")
    resets: list[bool] = []
    panel.model.modelReset.connect(lambda: resets.append(True))

    write_runs(flowdeck, [make_run(3, status="terminated", started_at=now - 103, seq=50)])
    qtbot.waitUntil(lambda: cell(panel, 3, STATUS).endswith("terminated"), timeout=WAIT_MS)
    assert panel.selected_run_ids() == [runs[3].id]
    assert resets == []  # updated in place, not re-read


def test_new_runs_are_inserted_on_top_and_the_selection_follows_its_run(
    qtbot: QtBot, flowdeck: Flowdeck, tasks
) -> None:
    write_runs(flowdeck, mixed_runs(20))
    panel = open_panel(qtbot, flowdeck, tasks)
    wait_rows(qtbot, panel, 20)
    panel.select_run("run-000004")
    qtbot.waitUntil(lambda: panel.selected_run_ids() == ["run-000004"], timeout=WAIT_MS)
    inserted: list[tuple[int, int]] = []
    panel.model.rowsInserted.connect(lambda _p, first, last: inserted.append((first, last)))

    write_runs(flowdeck, [make_run(900, started_at=time.time()), make_run(901, started_at=time.time() - 1)])
    wait_rows(qtbot, panel, 22)
    assert inserted == [(0, 1)]
    assert shown_ids(panel)[:3] == ["run-000900", "run-000901", "run-000000"]
    assert panel.selected_run_ids() == ["run-000004"]
    assert panel.table.selectionModel().selectedRows()[0].row() == 6


def test_a_pushed_record_updates_its_row_without_reading_the_database(
    qtbot: QtBot, flowdeck: Flowdeck, tasks
) -> None:
    now = time.time()
    write_runs(flowdeck, [make_run(n, status="running", started_at=now - n) for n in range(3)])
    panel = open_panel(qtbot, flowdeck, tasks)
    wait_rows(qtbot, panel, 3)
    pushed = make_run(1, status="failed", started_at=now - 1, seq=99, total_steps=42)
    panel.note_run_changed(pushed)
    assert cell(panel, 1, STATUS).endswith("failed")  # at once, no read in between
    stale = make_run(1, status="running", started_at=now - 1, seq=5)
    panel.note_run_changed(stale)  # an older record never moves the row backwards
    assert cell(panel, 1, STATUS).endswith("failed")


def test_a_running_row_elapses_live_and_a_finished_one_holds_its_time(
    qtbot: QtBot, flowdeck: Flowdeck, tasks
) -> None:
    now = time.time()
    running = make_run(0, status="running", started_at=now - 100)
    write_runs(flowdeck, [running, make_run(1, started_at=now - 200, elapsed=41.0)])
    panel = open_panel(qtbot, flowdeck, tasks)
    wait_rows(qtbot, panel, 2)
    first = cell(panel, 0, ELAPSED)
    assert first in ("01:40", "01:41", "01:42")
    qtbot.waitUntil(lambda: cell(panel, 0, ELAPSED) != first, timeout=WAIT_MS)
    assert cell(panel, 1, ELAPSED) == "00:41"


def test_dark_mode_recolours_the_status_text(qtbot: QtBot, flowdeck: Flowdeck, tasks) -> None:
    write_runs(flowdeck, [make_run(0, status="failed")])
    panel = open_panel(qtbot, flowdeck, tasks)
    wait_rows(qtbot, panel, 1)
    index = panel.model.index(0, STATUS)
    assert index.data(Qt.ItemDataRole.ForegroundRole).name() == theme.palette(False).state("failed").border
    panel.set_dark(True)
    assert index.data(Qt.ItemDataRole.ForegroundRole).name() == theme.palette(True).state("failed").border


def test_the_time_window_slides_with_the_clock(qtbot: QtBot, flowdeck: Flowdeck, tasks) -> None:
    now = time.time()
    inside = [make_run(n, started_at=now - 60 - n) for n in range(5)]
    leaving = make_run(5, started_at=now - 15 * 60 + 2.5)  # leaves "Last 15 min" in 2.5 s
    write_runs(flowdeck, [*inside, leaving, make_run(6, started_at=now - 3600)])
    panel = open_panel(qtbot, flowdeck, tasks)
    wait_rows(qtbot, panel, 7)
    removed: list[tuple[int, int]] = []
    panel.model.rowsRemoved.connect(lambda _p, first, last: removed.append((first, last)))
    panel.filters.since.setCurrentIndex(panel.filters.since.findText("Last 15 min"))
    wait_rows(qtbot, panel, 6)
    assert shown_ids(panel)[-1] == leaving.id
    wait_rows(qtbot, panel, 5)  # no refresh() called: the window moved on by itself
    assert leaving.id not in shown_ids(panel)
    assert removed == [(5, 5)]  # taken off the bottom, the rest left in place
