"""The charts stay cheap on a 1,000-node run: one BarGraphItem per series, untouched series not redrawn."""

from __future__ import annotations

import pytest

from desktop_app import theme
from desktop_app.charts import ChartsPanel
from desktop_app.charts.data import row_label
from engine.api import NodeExecution, WorkflowExecution
from engine.lifecycle.records import NodeAttempt

T0 = 1_800_000_000.0


def big_run(n: int, running: int) -> tuple[WorkflowExecution, list[NodeExecution]]:
    run = WorkflowExecution(
        id="run-1", workflow_id="wf", version="", graph={}, graph_hash="", inputs={}, started_at=T0
    )
    records = []
    for i in range(n):
        start = T0 + i * 0.01
        done = i < n - running
        records.append(
            NodeExecution(
                id=f"exec-{i}",
                run_id=run.id,
                index=i + 1,
                node_id=f"node-{i}",
                node_type="code",
                created_at=start,
                title=f"Step {i}",
                status="succeeded" if done else "running",
                finished_at=start + 0.5 if done else None,
                elapsed_time=0.5 if done else 0.0,
                attempts=[NodeAttempt(0, start, start + 0.5, status="succeeded")] if done else [],
            )
        )
    return run, records


def test_a_thousand_bars_update_cheaply_and_only_the_live_series_moves(qtbot) -> None:  # type: ignore[no-untyped-def]
    panel = ChartsPanel()
    qtbot.addWidget(panel)
    panel.resize(1200, 600)
    panel.show()
    run, records = big_run(1000, running=40)
    panel.show_run(run, records, now=T0 + 12.0)
    assert len(panel.timeline_segments()) == 1000
    assert set(panel.timeline._series) == {"succeeded", "running"}  # one item per series, not per bar

    calls: dict[str, int] = {}
    for name, item in panel.timeline._series.items():
        original = item.setOpts

        def counting(*args, _name=name, _original=original, **kwargs):  # type: ignore[no-untyped-def]
            calls[_name] = calls.get(_name, 0) + 1
            return _original(*args, **kwargs)

        item.setOpts = counting  # type: ignore[method-assign]

    for tick in range(10):
        panel.show_run(run, records, now=T0 + 12.2 + 0.2 * tick)
    assert calls == {"running": 10}  # the 960 finished bars were left alone
    ends = [s[3] for s in panel.timeline_segments() if s[4] == "running"]
    assert ends == pytest.approx([12.2 + 0.2 * 9] * 40)  # every running bar grew to the last `now`


def test_a_run_bigger_than_the_charts_shows_its_latest_and_slowest_executions_and_says_so(qtbot) -> None:  # type: ignore[no-untyped-def]
    panel = ChartsPanel()
    qtbot.addWidget(panel)
    panel.show()
    n = theme.CHART_MAX_ROWS * 2
    run, records = big_run(n, running=0)
    records[10].elapsed_time = 9.0  # an early, slow execution: outside the latest rows
    panel.show_run(run, records, now=T0 + 60.0)
    shown = {s[0] for s in panel.timeline_segments()}
    assert shown == {f"node-{i}" for i in range(n - theme.CHART_MAX_ROWS, n)}
    assert f"latest {theme.CHART_MAX_ROWS:,} of {n:,} executions" in panel.timeline.caption
    bars = panel.duration_bars()
    assert len(bars) == theme.CHART_MAX_ROWS and bars[0][0] == "node-10"  # the slowest comes first
    assert f"slowest {theme.CHART_MAX_ROWS:,} of {n:,} executions" in panel.durations.caption


def test_iteration_children_are_labelled_with_their_round() -> None:
    child = NodeExecution(
        id="e",
        run_id="r",
        index=3,
        node_id="fetch",
        node_type="http-request",
        created_at=T0,
        title="Fetch page",
    )
    assert row_label(child) == "Fetch page"
    child.metadata["container_index"] = 2
    assert row_label(child) == "Fetch page · round 3"
    child.metadata["reused_from"] = "run-0"
    assert row_label(child) == "Fetch page · round 3 ↺"
