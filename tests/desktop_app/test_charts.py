"""The charts panel draws what the records of a real run say: attempts, durations, retries, trend."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt

from desktop_app.charts import ChartsPanel
from desktop_app.theme import palette
from engine.api import Flowdeck, NodeExecution, WorkflowExecution
from tests.desktop_app.conftest import SAMPLE, SAMPLE_MOCKS


@pytest.fixture
def sample(flowdeck: Flowdeck) -> tuple[WorkflowExecution, list[NodeExecution]]:
    handle = flowdeck.start(SAMPLE, {"region": "us", "days": 7}, mocks=SAMPLE_MOCKS)
    handle.wait(30)
    run = flowdeck.get_run(handle.run_id)
    assert run.status == "failed"
    return run, flowdeck.node_executions(run.id)


@pytest.fixture
def panel(qtbot) -> ChartsPanel:  # type: ignore[no-untyped-def]
    widget = ChartsPanel()
    qtbot.addWidget(widget)
    widget.resize(1200, 500)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def by_node(records: list[NodeExecution]) -> dict[str, NodeExecution]:
    return {r.node_id: r for r in records}


def drawn_bars(chart: object, *, skip: tuple[str, ...] = ()) -> list[tuple[float, float, float]]:
    """(x0, x1, row) of every bar the BarGraphItems of a chart hold."""
    bars: list[tuple[float, float, float]] = []
    for name, item in chart._series.items():  # type: ignore[attr-defined]
        if name in skip:
            continue
        x0, x1, y = (np.atleast_1d(np.asarray(item.opts[k], dtype=float)) for k in ("x0", "x1", "y"))
        bars.extend(zip(x0.tolist(), x1.tolist(), y.tolist(), strict=True))
    return sorted(bars)


def test_timeline_has_one_bar_per_recorded_attempt(panel: ChartsPanel, sample) -> None:  # type: ignore[no-untyped-def]
    run, records = sample
    panel.show_run(run, records)
    t0 = run.started_at
    expected = [
        (r.node_id, a.index, a.started_at - t0, a.finished_at - t0, a.status)
        for r in sorted(records, key=lambda r: (r.created_at, r.index))
        for a in r.attempts
    ]
    assert panel.timeline_segments() == expected
    attempts = {}
    for node_id, _index, _start, _end, status in panel.timeline_segments():
        attempts.setdefault(node_id, []).append(status)
    assert attempts["summarise"] == ["failed", "succeeded"]
    assert attempts["fx_rates"] == ["failed", "failed", "exception"]
    assert attempts["publish"] == ["failed"]
    # what is drawn: the same starts, one row per execution, the retried tries hatched on top
    rows = {row.node_id: i for i, row in enumerate(panel.timeline.rows)}
    starts = [(start, rows[node_id]) for node_id, _i, start, _e, _s in panel.timeline_segments()]
    assert [(x0, y) for x0, _x1, y in drawn_bars(panel.timeline, skip=("retried",))] == sorted(starts)
    hatched = panel.timeline._series["retried"].opts
    assert sorted(np.asarray(hatched["y"]).tolist()) == sorted(
        [rows["fx_rates"], rows["fx_rates"], rows["summarise"]]
    )
    failed_fill = panel.timeline._series["failed"].opts["brush"].color().name()
    assert failed_fill == palette(False).state("failed").fill
    assert "failed" in panel.timeline.caption and "12 attempts" in panel.timeline.caption


def test_durations_are_queue_wait_and_run_time_slowest_first(panel: ChartsPanel, sample) -> None:  # type: ignore[no-untyped-def]
    run, records = sample
    panel.show_run(run, records)
    bars = panel.duration_bars()
    expected = {r.node_id: (r.queue_wait, r.elapsed_time) for r in records if r.status != "skipped"}
    assert {node: (wait, run_s) for node, wait, run_s in bars} == expected
    totals = [wait + run_s for _n, wait, run_s in bars]
    assert totals == sorted(totals, reverse=True)
    assert bars[0][0] == "summarise"  # two tries, 1.9 s of mocked LLM delay: the slowest node


def test_retries_per_node_and_time_lost_in_failed_tries(panel: ChartsPanel, sample) -> None:  # type: ignore[no-untyped-def]
    run, records = sample
    panel.show_run(run, records)
    assert panel.retry_bars() == [("fx_rates", 2), ("summarise", 1)]
    nodes = by_node(records)
    lost = sum(
        a.finished_at - a.started_at for n in ("fx_rates", "summarise") for a in nodes[n].attempts[:-1]
    )
    total, seconds = panel.retries.summary()
    assert total == 3
    assert seconds == pytest.approx(lost)
    assert panel.retries.caption.startswith("3 retries in 2 nodes")
    assert np.asarray(panel.retries._item.opts["x1"]).tolist() == [2.0, 1.0]


def test_clicking_a_timeline_row_selects_its_node(panel: ChartsPanel, sample, qtbot) -> None:  # type: ignore[no-untyped-def]
    run, records = sample
    panel.show_run(run, records)
    qtbot.wait(50)  # let the plot lay itself out
    rows = [row.node_id for row in panel.timeline.rows]
    node = by_node(records)["summarise"]
    attempt = node.attempts[1]
    x = (attempt.started_at + attempt.finished_at) / 2 - run.started_at
    view = panel.timeline.plot_widget
    scene_point = panel.timeline.view_box.mapViewToScene(QPointF(x, rows.index("summarise")))
    point: QPoint = view.mapFromScene(scene_point)
    with qtbot.waitSignal(panel.node_selected, timeout=2000) as blocker:
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=point)
    assert blocker.args == ["summarise"]
    assert panel.timeline.highlighted_rows == [rows.index("summarise")]  # the clicked row is marked
    durations = [node for node, _w, _r in panel.duration_bars()]
    assert panel.durations.highlighted_rows == [durations.index("summarise")]
    panel.select_node(None)
    assert panel.timeline.highlighted_rows == [] and panel.durations.highlighted_rows == []


def test_hovering_a_failed_try_shows_its_error_and_timing(panel: ChartsPanel, sample, qtbot) -> None:  # type: ignore[no-untyped-def]
    run, records = sample
    panel.show_run(run, records)
    qtbot.wait(50)
    rows = [row.node_id for row in panel.timeline.rows]
    failed = by_node(records)["summarise"].attempts[0]
    x = (failed.started_at + failed.finished_at) / 2 - run.started_at
    scene = panel.timeline.plot_widget.scene()
    scene.sigMouseMoved.emit(panel.timeline.view_box.mapViewToScene(QPointF(x, rows.index("summarise"))))
    text = panel.timeline.hover_text
    assert "Write summary — attempt 1" in text
    assert "429 Too Many Requests" in text
    assert "retried" in text
    scene.sigMouseMoved.emit(
        panel.timeline.view_box.mapViewToScene(QPointF(x, rows.index("summarise") + 0.5))
    )
    assert panel.timeline.hover_text == ""


def test_a_running_attempt_grows_to_now_without_new_items(panel: ChartsPanel, sample) -> None:  # type: ignore[no-untyped-def]
    run, records = sample
    nodes = by_node(records)
    llm = nodes["summarise"]
    t0 = run.started_at
    cut = llm.attempts[0].finished_at + 0.1  # the LLM's first try failed, the second is under way
    live_run = dataclasses.replace(run, status="running", finished_at=None, elapsed_time=0.0)
    live_llm = dataclasses.replace(
        llm, status="running", finished_at=None, elapsed_time=0.0, attempts=llm.attempts[:1], retry_count=1
    )
    earlier = [r for r in records if r.finished_at is not None and r.finished_at <= cut and r is not llm]
    panel.show_run(live_run, [*earlier, live_llm], now=t0 + 2.0)
    live = [s for s in panel.timeline_segments() if s[0] == "summarise"]
    assert live[-1][:2] == ("summarise", 1) and live[-1][4] == "retrying"
    assert live[-1][2:4] == pytest.approx((llm.attempts[0].finished_at - t0, 2.0))
    item = panel.timeline._series["retrying"]
    assert panel.timeline._now_line.isVisible() and panel.timeline._now_line.value() == pytest.approx(2.0)

    panel.show_run(live_run, [*earlier, live_llm], now=t0 + 2.5)
    assert [s[3] for s in panel.timeline_segments() if s[4] == "retrying"] == pytest.approx([2.5])
    assert panel.timeline._series["retrying"] is item  # updated with setOpts, not recreated
    assert np.asarray(item.opts["x1"]).tolist() == pytest.approx([2.5])
    llm_duration = dict((n, w + r) for n, w, r in panel.duration_bars())["summarise"]
    assert llm_duration == pytest.approx(live_llm.queue_wait + 2.5 - (llm.created_at - t0))

    panel.show_run(run, records)  # the run ended: no live bar, no now line
    assert "retrying" not in {s[4] for s in panel.timeline_segments()}
    assert not panel.timeline._now_line.isVisible()
    assert np.asarray(item.opts["x1"]).size == 0


def test_trend_draws_the_workflow_history_with_p50_p95(
    flowdeck: Flowdeck, panel: ChartsPanel, sample
) -> None:  # type: ignore[no-untyped-def]
    run, _records = sample
    history = flowdeck.duration_history(run.workflow_id)
    panel.show_trend(history, run.started_at)
    assert panel.trend.points() == [(p.started_at, p.elapsed_time, p.status) for p in history]
    assert panel.trend.selected == pytest.approx((run.started_at, run.elapsed_time))
    assert panel.trend.percentile_lines() == pytest.approx((run.elapsed_time, run.elapsed_time))


def test_trend_percentiles_colours_and_running_runs(panel: ChartsPanel) -> None:
    from engine.api import DurationPoint

    base = 1_800_000_000.0
    points = [
        DurationPoint(base + 60 * i, float(i + 1), "succeeded" if i % 3 else "failed") for i in range(10)
    ]
    points.append(DurationPoint(base + 60 * 10, 0.4, "running"))  # not finished: drawn, not in p50/p95
    panel.show_trend(points, base + 60 * 4)
    assert panel.trend.percentile_lines() == pytest.approx((5.5, 9.55))
    assert panel.trend.selected == (base + 240, 5.0)
    _failed_x, failed_y = panel.trend._series["failed"].getData()
    assert failed_y.tolist() == [1.0, 4.0, 7.0, 10.0]
    brush = panel.trend._series["failed"].opts["symbolBrush"]
    assert brush.color().name() == palette(False).state("failed").fill
    assert "11 runs" in panel.trend.caption and "p95 9.55 s" in panel.trend.caption
    panel.show_trend(points, None)
    assert panel.trend.selected is None


def test_empty_states_show_a_message(panel: ChartsPanel, sample) -> None:  # type: ignore[no-untyped-def]
    panel.show_run(None, [])
    assert panel.timeline.message == "No run selected"
    assert panel.durations.message == "No run selected"
    assert panel.timeline_segments() == [] and panel.duration_bars() == [] and panel.retry_bars() == []
    panel.show_trend([], None)
    assert panel.trend.message == "No runs of this workflow yet"

    run, records = sample
    no_retries = [r for r in records if r.retry_count == 0]
    panel.show_run(run, no_retries)
    assert panel.timeline.message == ""  # the timeline, on screen, is drawn at once
    panel.setCurrentWidget(panel.retries)  # the other charts when their tab is opened
    assert panel.retries.message == "No retries in this run"
    panel.show_run(run, records)
    assert panel.retries.message == ""
    panel.setCurrentWidget(panel.timeline)


def test_dark_palette_recolours_the_plots(panel: ChartsPanel, sample) -> None:  # type: ignore[no-untyped-def]
    run, records = sample
    panel.show_run(run, records)
    panel.set_dark(True)
    dark = palette(True)
    assert panel.timeline.plot_widget.backgroundBrush().color().name() == dark.panel
    assert panel.timeline._series["failed"].opts["brush"].color().name() == dark.state("failed").fill
    assert panel.retries._item.opts["brush"].color().name() == dark.state("retrying").fill
    assert panel.timeline_segments()  # still drawn after the switch
