"""The runs panel at scale: lazy pages, reads off the GUI thread, keys, scrolling, failing reads."""

from __future__ import annotations

import threading
import time

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop_app.runs.cells import WORKFLOW
from engine.api import Flowdeck, RunQuery
from tests.desktop_app.runs_panel_support import WAIT_MS, cell, open_panel, shown_ids, tasks, wait_rows
from tests.desktop_app.runs_support import make_run, mixed_runs, write_runs

FIXTURES = (tasks,)


def test_five_thousand_runs_scroll_to_the_end_loading_only_a_few_pages(
    qtbot: QtBot, flowdeck: Flowdeck, tasks
) -> None:
    write_runs(flowdeck, mixed_runs(5000))
    panel = open_panel(qtbot, flowdeck, tasks)
    wait_rows(qtbot, panel, 5000)
    assert cell(panel, 2500, WORKFLOW) == "…"  # not loaded yet: a placeholder
    panel.table.scrollToBottom()
    qtbot.waitUntil(lambda: panel.model.run_at(4999) is not None, timeout=WAIT_MS)
    assert panel.model.run_at(4999).id == "run-004999"  # type: ignore[union-attr]
    cache = panel.model.cache
    assert cache.pages_fetched <= 6, cache.pages_fetched
    assert cache.loaded_rows <= 3 * cache.page_size
    assert panel.model.run_at(1500) is None  # never in view, never read


def test_the_gui_thread_never_reads_the_database(qtbot: QtBot, flowdeck: Flowdeck, tasks) -> None:
    write_runs(flowdeck, mixed_runs(600))
    threads: list[int] = []
    original = flowdeck.queries.list_runs

    def recording(query: RunQuery | None = None):  # type: ignore[no-untyped-def]
        threads.append(threading.get_ident())
        return original(query)

    flowdeck.queries.list_runs = recording  # type: ignore[method-assign]
    panel = open_panel(qtbot, flowdeck, tasks, page_size=50)
    wait_rows(qtbot, panel, 600)
    panel.table.scrollToBottom()
    qtbot.waitUntil(lambda: panel.model.run_at(599) is not None, timeout=WAIT_MS)
    panel.filters.chips["failed"].click()
    wait_rows(qtbot, panel, 100)
    panel.refresh()
    qtbot.waitUntil(lambda: len(threads) > 10, timeout=WAIT_MS)
    assert threading.get_ident() not in threads


def test_arrow_keys_move_the_selection_and_tell_the_run(qtbot: QtBot, flowdeck: Flowdeck, tasks) -> None:
    write_runs(flowdeck, mixed_runs(8))
    panel = open_panel(qtbot, flowdeck, tasks)
    wait_rows(qtbot, panel, 8)
    panel.select_run("run-000002")
    panel.table.setFocus()
    with qtbot.waitSignal(panel.run_selected, timeout=WAIT_MS) as down:
        qtbot.keyClick(panel.table, Qt.Key.Key_Down)
    assert down.args == ["run-000003"]
    with qtbot.waitSignal(panel.run_selected, timeout=WAIT_MS) as up:
        qtbot.keyClick(panel.table, Qt.Key.Key_Up)
    assert up.args == ["run-000002"]
    with qtbot.waitSignal(panel.runs_selected, timeout=WAIT_MS) as both:
        qtbot.keyClick(panel.table, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
    assert sorted(both.args[0]) == ["run-000002", "run-000003"]
    with qtbot.waitSignal(panel.run_selected, timeout=WAIT_MS) as cleared:
        panel.table.clearSelection()
    assert cleared.args == [""]


def test_focus_search_puts_the_cursor_in_the_search_field(qtbot: QtBot, flowdeck: Flowdeck, tasks) -> None:
    panel = open_panel(qtbot, flowdeck, tasks)
    panel.activateWindow()
    panel.focus_search()
    qtbot.waitUntil(lambda: panel.filters.search.hasFocus(), timeout=WAIT_MS)


def test_new_runs_on_top_keep_the_rows_in_view_when_scrolled_down(
    qtbot: QtBot, flowdeck: Flowdeck, tasks
) -> None:
    write_runs(flowdeck, mixed_runs(300))
    panel = open_panel(qtbot, flowdeck, tasks)
    wait_rows(qtbot, panel, 300)
    bar = panel.table.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 100, timeout=WAIT_MS)
    bar.setValue(100)
    qtbot.waitUntil(lambda: panel.table.rowAt(0) == 100, timeout=WAIT_MS)
    top_run = panel.model.run_at(100).id  # type: ignore[union-attr]

    write_runs(flowdeck, [make_run(900, started_at=time.time()), make_run(901, started_at=time.time() - 1)])
    wait_rows(qtbot, panel, 302)
    qtbot.waitUntil(lambda: panel.table.rowAt(0) == 102, timeout=WAIT_MS)
    assert panel.model.run_at(panel.table.rowAt(0)).id == top_run  # type: ignore[union-attr]


def test_a_list_that_cannot_be_lined_up_is_re_read_and_keeps_the_selection(
    qtbot: QtBot, flowdeck: Flowdeck, tasks
) -> None:
    write_runs(flowdeck, mixed_runs(30))
    panel = open_panel(qtbot, flowdeck, tasks, page_size=10)
    wait_rows(qtbot, panel, 30)
    panel.select_run("run-000004")
    qtbot.waitUntil(lambda: panel.selected_run_ids() == ["run-000004"], timeout=WAIT_MS)
    resets: list[bool] = []
    panel.model.modelReset.connect(lambda: resets.append(True))
    now = time.time()
    write_runs(flowdeck, [make_run(900 + n, started_at=now - n) for n in range(15)])  # more than a page

    wait_rows(qtbot, panel, 45)
    assert resets == [True]
    assert panel.selected_run_ids() == ["run-000004"]
    assert shown_ids(panel)[19] == "run-000004"


def test_a_failing_database_read_is_reported_and_the_page_asked_again(
    qtbot: QtBot, flowdeck: Flowdeck, tasks
) -> None:
    write_runs(flowdeck, mixed_runs(50))
    panel = open_panel(qtbot, flowdeck, tasks, page_size=10)
    wait_rows(qtbot, panel, 50)
    original = flowdeck.queries.list_runs
    failures: list[str] = []
    panel.model.load_failed.connect(failures.append)

    def broken(query: RunQuery | None = None):  # type: ignore[no-untyped-def]
        raise OSError("disk I/O error")

    flowdeck.queries.list_runs = broken  # type: ignore[method-assign]
    assert cell(panel, 45, WORKFLOW) == "…"
    qtbot.waitUntil(lambda: any("page 5" in f and "disk I/O error" in f for f in failures), timeout=WAIT_MS)
    flowdeck.queries.list_runs = original  # type: ignore[method-assign]
    assert cell(panel, 45, WORKFLOW) == "…"  # asked again
    qtbot.waitUntil(lambda: panel.model.run_at(45) is not None, timeout=WAIT_MS)
