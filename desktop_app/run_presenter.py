"""The selected run on screen: the follower's news turned into canvas, header, inspector and charts.

:class:`RunPresenter` owns no engine logic: it reads :class:`RunFollower`'s
:class:`~desktop_app.run_state.RunState` and tells each view what changed, merges
chart redraws (at most 5 a second, and never more than ~1/8 of the GUI thread) and
ticks the clock of a running run once a second.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from desktop_app import formatting as fmt
from desktop_app.canvas import GraphView
from desktop_app.charts import ChartsPanel
from desktop_app.follower import RunFollower
from desktop_app.inspector import NodeInspector
from desktop_app.run_header import RunHeader
from desktop_app.states import NODE_WORKING, run_final
from desktop_app.status_bar import ConsoleStatusBar
from desktop_app.tasks import TaskRunner
from engine.api import Flowdeck, NodeExecution, RunStatus, Workflow

log = logging.getLogger(__name__)
CHARTS_MS = 200  # charts follow a live run at most 5 times a second
CHARTS_BUDGET = 8  # and wait 8x as long as their last redraw took (big runs: fewer redraws)


class RunPresenter(QObject):
    run_changed = Signal()  # the selected run's record moved (the actions follow its status)
    run_ended = Signal()  # the selected run became final while watched (the list re-reads)

    def __init__(
        self,
        flowdeck: Flowdeck,
        tasks: TaskRunner,
        follower: RunFollower,
        views: tuple[GraphView, ChartsPanel, NodeInspector, RunHeader, ConsoleStatusBar],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._flowdeck = flowdeck
        self._tasks = tasks
        self.follower = follower
        self.canvas, self.charts, self.inspector, self.header, self.status = views
        self.selected_node = ""
        self.preview: Workflow | None = None  # a workflow file shown without a run
        self._charts_dirty = False
        self._charts_next = 0.0
        follower.loaded.connect(self._on_loaded)
        follower.changed.connect(self._on_changed)
        self._ticker = QTimer(self)
        self._ticker.setInterval(1000)
        self._ticker.timeout.connect(self._tick)
        self._ticker.start()
        self._charts_timer = QTimer(self)
        self._charts_timer.setInterval(CHARTS_MS)
        self._charts_timer.timeout.connect(self._refresh_charts)
        self._charts_timer.start()

    def clear(self) -> None:
        """Nothing shown: before another run is followed."""
        self.preview = None
        self.selected_node = ""
        self.inspector.show_node("", "", [])
        self.header.show_run(None)
        self.canvas.reset_states()
        self.charts.show_run(None, [])

    def select_node(self, node_id: str) -> None:
        self.selected_node = node_id
        if node_id:
            self.canvas.select_node(node_id)
        self.charts.select_node(node_id or None)
        self._refresh_inspector()

    def redraw_charts(self) -> None:
        """Draw the charts again at the next chance (a theme change)."""
        self._charts_dirty = True

    def stop(self) -> None:
        self._ticker.stop()
        self._charts_timer.stop()

    # --------------------------------------------------------- run updates
    @Slot(str)
    def _on_loaded(self, run_id: str) -> None:
        state = self.follower.state
        if state is None or state.workflow is None:
            return
        self.canvas.set_workflow(state.workflow)
        self._load_trend(state.workflow.id)

    @Slot(str, list)
    def _on_changed(self, run_id: str, node_ids: list[str]) -> None:
        state = self.follower.state
        if state is None or state.run_id != run_id:
            return
        if node_ids:
            self.canvas.apply({n: state.view(n) for n in node_ids}, state.status)
        was_final = run_final(self.header.run)
        self.header.show_run(state.run)
        self._charts_dirty = True
        if self.selected_node and self.selected_node in node_ids:
            self._refresh_inspector()
        self.run_changed.emit()
        if run_final(state.run) and not was_final and state.workflow is not None:
            self._load_trend(state.workflow.id)
            self.run_ended.emit()

    def _refresh_inspector(self) -> None:
        state = self.follower.state
        node_id = self.selected_node
        workflow = state.workflow if state is not None else self.preview
        if not node_id or workflow is None:
            self.inspector.show_node("", "", [])
            return
        try:
            spec = workflow.node(node_id)
        except KeyError:
            self.inspector.show_node("", "", [])
            return
        records: list[NodeExecution] = state.executions_of(node_id) if state is not None else []
        status = state.status if state is not None else RunStatus.RUNNING
        self.inspector.show_node(spec.title, spec.type, records, run_status=status)

    @Slot()
    def _refresh_charts(self) -> None:
        """Redraw the charts when something changed, spending at most ~1/8 of the GUI thread on them."""
        now = time.monotonic()
        if not self._charts_dirty or now < self._charts_next:
            return
        self._charts_dirty = False
        state = self.follower.state
        if state is None or state.run is None:
            self.charts.show_run(None, [])
            return
        self.charts.show_run(state.run, state.records(), now=time.time())
        cost = time.monotonic() - now
        self._charts_next = now + max(CHARTS_MS / 1000, CHARTS_BUDGET * cost)

    def _load_trend(self, workflow_id: str) -> None:
        run_id = self.follower.run_id
        queries = self._flowdeck.queries
        self._tasks.submit(
            lambda: queries.duration_history(workflow_id),
            lambda points: self._show_trend(run_id, points),
            lambda e: log.warning("trend of %s not read: %s", workflow_id, e),
            key="trend",
        )

    def _show_trend(self, run_id: str, points: list[Any]) -> None:
        state = self.follower.state
        if state is None or state.run_id != run_id:
            return
        self.charts.show_trend(points, state.run.started_at if state.run is not None else None)

    @Slot()
    def _tick(self) -> None:
        state = self.follower.state
        if state is None or state.run is None:
            self.status.show_selected("")
            return
        run = state.run
        final = run_final(run)
        if not final:
            self.header.count_live(state.records())  # once a second, not per frame
            self._charts_dirty = True
            working = {n: v for n, v in state.nodes.items() if v.state in NODE_WORKING}
            if working:  # their cards show how long they have been at it
                self.canvas.apply(working, state.status)
        stopped = final or run.status == RunStatus.PAUSED
        elapsed = run.elapsed_time if stopped else time.time() - run.started_at
        self.status.show_selected(f"selected {fmt.short_id(run.id)} · {run.status} · {fmt.duration(elapsed)}")
