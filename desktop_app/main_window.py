"""The console's main window: runs on the left, the selected run in the middle, the node on the right.

It wires the components together and owns no engine logic: reads go through
:class:`RunFollower` and the runs panel (off the GUI thread), actions through
:class:`Operations`, engine events through :class:`EventBridge`.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings, Qt, QTimer, Slot
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QApplication,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from desktop_app import formatting as fmt
from desktop_app import style
from desktop_app.actions import build_actions
from desktop_app.bridge import EventBridge
from desktop_app.canvas import GraphView
from desktop_app.charts import ChartsPanel
from desktop_app.dialogs.terminate_dialog import terminate_outcome
from desktop_app.follower import RunFollower
from desktop_app.inspector import NodeInspector
from desktop_app.operations import Operations
from desktop_app.run_header import RunHeader
from desktop_app.runs import RunsPanel
from desktop_app.status_bar import ConsoleStatusBar
from desktop_app.tasks import TaskRunner
from desktop_app.window_dialogs import DialogsMixin
from engine.events import EngineEvent, RunEndedEvent, RunPausedEvent, RunResumedEvent, RunStartedEvent
from engine.graph import Workflow
from engine.lifecycle.records import NodeExecution, WorkflowExecution
from engine.service import Flowdeck
from engine.settings import user_data_dir

log = logging.getLogger(__name__)
CHARTS_MS = 200  # charts follow a live run at most 5 times a second
CHARTS_BUDGET = 8  # and wait 8x as long as their last redraw took (big runs: fewer redraws)


class MainWindow(DialogsMixin, QMainWindow):
    def __init__(self, flowdeck: Flowdeck, *, dark: bool = False) -> None:
        super().__init__()
        self.flowdeck = flowdeck
        self.dark = dark
        self.setWindowTitle("Flowdeck")
        self.resize(1600, 960)
        self.tasks = TaskRunner(self)
        self.bridge = EventBridge(self)
        self.ops = Operations(flowdeck, self.tasks, self.bridge.listener, self)
        self.follower = RunFollower(flowdeck, self.tasks, self, listener=self.bridge.listener)
        self.runs = RunsPanel(flowdeck, self.tasks, dark=dark)
        self.canvas = GraphView(dark=dark)
        self.charts = ChartsPanel(dark=dark)
        self.inspector = NodeInspector(dark=dark)
        self.header = RunHeader(dark=dark)
        self.status = ConsoleStatusBar(flowdeck, self.tasks, self.bridge.events_per_second, self, dark=dark)
        self.setStatusBar(self.status)
        self.actions_, toolbar = build_actions(self)
        self.addToolBar(toolbar)
        self.selected_node = ""
        self.selected_run_ids: list[str] = []
        self.last_message: QMessageBox | None = None
        self._charts_dirty = False
        self._charts_next = 0.0
        self._preview: Workflow | None = None
        self._layout()
        self._connect()

    # ------------------------------------------------------------- building
    def _layout(self) -> None:
        centre = QWidget()
        col = QVBoxLayout(centre)
        col.setContentsMargins(0, 0, 0, 0)
        col.setSpacing(0)
        col.addWidget(self.header)
        graph_and_charts = QSplitter(Qt.Orientation.Vertical)
        graph_and_charts.addWidget(self.canvas)
        graph_and_charts.addWidget(self.charts)
        graph_and_charts.setStretchFactor(0, 3)
        graph_and_charts.setStretchFactor(1, 2)
        graph_and_charts.setSizes([560, 300])
        col.addWidget(graph_and_charts, 1)
        main = QSplitter(Qt.Orientation.Horizontal)
        main.addWidget(self.runs)
        main.addWidget(centre)
        main.addWidget(self.inspector)
        main.setStretchFactor(1, 1)
        main.setSizes([520, 1060, 340])
        self._main_splitter = main
        main.setChildrenCollapsible(False)
        self.setCentralWidget(main)

    def _connect(self) -> None:
        a = self.actions_
        a.run.triggered.connect(self.open_run_dialog)
        a.terminate.triggered.connect(self.open_terminate_dialog)
        a.pause.triggered.connect(self.toggle_pause)
        a.rerun.triggered.connect(lambda: self.open_replay_dialog("rerun"))
        a.rerun_inputs.triggered.connect(lambda: self.open_replay_dialog("rerun-inputs"))
        a.from_failure.triggered.connect(lambda: self.open_replay_dialog("from-failure"))
        a.open_workflow.triggered.connect(self.choose_workflow_file)
        a.settings.triggered.connect(self.open_settings)
        a.fit.triggered.connect(self.canvas.fit)
        a.reload.triggered.connect(self.reload)
        a.search.triggered.connect(self.runs.focus_search)
        a.toggle_theme.triggered.connect(lambda: self.set_dark(not self.dark))
        self.runs.run_selected.connect(self.select_run)
        self.runs.runs_selected.connect(self._on_runs_selected)
        a.compare.triggered.connect(self.open_compare_dialog)
        self.bridge.batch.connect(self.follower.on_batch)
        self.bridge.batch.connect(self._on_batch)
        self.follower.loaded.connect(self._on_loaded)
        self.follower.changed.connect(self._on_changed)
        self.follower.failed.connect(
            lambda _run, error: self.header.show_banner("error", f"Reading the run failed: {error}")
        )
        self.canvas.node_selected.connect(self.select_node)
        self.charts.node_selected.connect(self.select_node)
        self.ops.started.connect(self._on_started)
        self.ops.terminated.connect(self._on_terminated)
        self.ops.done.connect(self.header.show_banner)
        self.ops.failed.connect(self.show_message)
        self.status.health_changed.connect(self._on_health)
        self._ticker = QTimer(self)
        self._ticker.setInterval(1000)
        self._ticker.timeout.connect(self._tick)
        self._ticker.start()
        self._charts_timer = QTimer(self)
        self._charts_timer.setInterval(CHARTS_MS)
        self._charts_timer.timeout.connect(self._refresh_charts)
        self._charts_timer.start()

    # ------------------------------------------------------------ selection
    @Slot(str)
    def select_run(self, run_id: str) -> None:
        if run_id == self.follower.run_id:
            return
        self._preview = None
        self.selected_node = ""
        self.inspector.show_node("", "", [])
        self.header.show_run(None)
        self.canvas.reset_states()
        self.charts.show_run(None, [])
        self.follower.follow(run_id)
        self._update_actions()

    @Slot(list)
    def _on_runs_selected(self, run_ids: list[str]) -> None:
        self.selected_run_ids = list(run_ids)
        self.actions_.compare.setEnabled(len(run_ids) == 2)

    @Slot(str)
    def select_node(self, node_id: str) -> None:
        self.selected_node = node_id
        if node_id:
            self.canvas.select_node(node_id)
        self.charts.select_node(node_id or None)
        self._refresh_inspector()

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
        was_final = self.header._run is not None and self.header._run.is_final
        self.header.show_run(state.run)
        self._charts_dirty = True
        if self.selected_node and self.selected_node in node_ids:
            self._refresh_inspector()
        self._update_actions()
        if state.run is not None and state.run.is_final and not was_final and state.workflow is not None:
            self._load_trend(state.workflow.id)
            self.runs.refresh()

    @Slot(str, list)
    def _on_batch(self, run_id: str, events: list[EngineEvent]) -> None:
        """Run-level events of any run of this process: the runs list follows at once."""
        if any(
            isinstance(e, RunStartedEvent | RunEndedEvent | RunPausedEvent | RunResumedEvent) for e in events
        ):
            self.runs.refresh()

    def _refresh_inspector(self) -> None:
        state = self.follower.state
        node_id = self.selected_node
        workflow = state.workflow if state is not None else self._preview
        if not node_id or workflow is None:
            self.inspector.show_node("", "", [])
            return
        try:
            spec = workflow.node(node_id)
        except KeyError:
            self.inspector.show_node("", "", [])
            return
        records: list[NodeExecution] = state.executions_of(node_id) if state is not None else []
        self.inspector.show_node(
            spec.title, spec.type, records, run_status=state.status if state else "running"
        )

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
        self.tasks.submit(
            lambda: self.flowdeck.duration_history(workflow_id),
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
        if not state.run.is_final:
            self.header.count_live(state.records())  # once a second, not per frame
            self._charts_dirty = True
            active = {n: v for n, v in state.nodes.items() if v.state in ("running", "retrying")}
            if active:  # their cards show how long they have been at it
                self.canvas.apply(active, state.status)
        run = state.run
        elapsed = run.elapsed_time if run.is_final or run.status == "paused" else time.time() - run.started_at
        self.status.show_selected(f"selected {fmt.short_id(run.id)} · {run.status} · {fmt.duration(elapsed)}")

    def _update_actions(self) -> None:
        state = self.follower.state
        status = state.run.status if state is not None and state.run is not None else None
        self.actions_.update_for(status, in_process=self.follower.live)

    # --------------------------------------------------------------- actions
    def start_run(
        self,
        workflow: Workflow | str | Path,
        inputs: dict[str, Any] | None = None,
        *,
        mocks: str | Path | None = None,
        where: str = "here",
    ) -> None:
        self.ops.start(workflow, inputs, mocks=mocks, where=where)

    @Slot(str)
    def _on_started(self, run_id: str) -> None:
        self.runs.refresh()
        self.runs.select_run(run_id)
        self.select_run(run_id)

    def terminate_run(self, run_id: str, reason: str) -> None:
        self.header.show_banner("info", f"Terminating run {fmt.short_id(run_id)}…")
        self.ops.terminate(run_id, reason)

    @Slot(object, list)
    def _on_terminated(self, run: WorkflowExecution, records: list[NodeExecution]) -> None:
        """Say what the records verify after a terminate (the banner of the run it was for)."""
        outcome = terminate_outcome(run, records)
        n = len(outcome.cancelled)
        if outcome.verified:
            level = "info"
            text = (
                f"Verified: run {fmt.short_id(run.id)} ended terminated · {n} node{'s' if n != 1 else ''} "
                f"cancelled · none left running · reason: {run.error}"
            )
        else:
            level = "warning"
            still = f"; still running: {', '.join(outcome.still_running)}" if outcome.still_running else ""
            text = f"Run {fmt.short_id(run.id)} is {run.status} after terminate{still}"
        if self.follower.run_id == run.id:
            self.header.show_banner(level, text)
            self.follower.reload()
        self.runs.refresh()

    def toggle_pause(self) -> None:
        state = self.follower.state
        if state is None or state.run is None:
            return
        if state.run.status == "paused":
            self.ops.resume(state.run_id)
        else:
            self.ops.pause(state.run_id)

    def replay_run(self, run_id: str, mode: str, inputs: dict[str, Any] | None = None) -> None:
        self.ops.replay(run_id, mode, inputs)

    def reload(self) -> None:
        self.runs.refresh()
        self.follower.reload()

    @Slot(str, str)
    def show_message(self, title: str, message: str) -> None:
        """A window-modal message that never blocks the event loop."""
        box = QMessageBox(QMessageBox.Icon.Warning, title, message, QMessageBox.StandardButton.Ok, self)
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.last_message = box
        box.open()

    @Slot(str, bool, str)
    def _on_health(self, what: str, ok: bool, error: str) -> None:
        if ok:
            self.header.show_banner("info", f"The {what} is reachable again.")
        else:
            still = (
                "runs of this console go on; the list and records wait for it"
                if what == "database"
                else ("runs here go on; records are kept in the local outbox until it is back")
            )
            self.header.show_banner("error", f"The {what} is unreachable: {error}. {still}.")

    # ------------------------------------------------------------------ theme
    @Slot()
    def follow_system_theme(self) -> None:
        self.set_dark(style.system_prefers_dark())

    def set_dark(self, dark: bool) -> None:
        self.dark = dark
        app = QApplication.instance()
        if isinstance(app, QApplication):
            style.apply(app, dark)
        for widget in (self.runs, self.canvas, self.charts, self.inspector, self.header, self.status):
            widget.set_dark(dark)
        self._charts_dirty = True

    def restore_layout(self) -> bool:
        """The window geometry and panes as the operator left them (False: none saved yet)."""
        saved = _layout_settings()
        geometry, panes = saved.value("geometry"), saved.value("panes")
        if geometry is None:
            return False
        self.restoreGeometry(geometry)
        if panes is not None:
            self._main_splitter.restoreState(panes)
        return True

    def closeEvent(self, event: QCloseEvent) -> None:
        saved = _layout_settings()
        saved.setValue("geometry", self.saveGeometry())
        saved.setValue("panes", self._main_splitter.saveState())
        self.follower.stop()
        self.bridge.stop()
        self.status.stop()
        self.tasks.close()
        super().closeEvent(event)


def _layout_settings() -> QSettings:
    """``console-layout.ini`` in the user data dir (beside the run records of the default database)."""
    return QSettings(str(user_data_dir() / "console-layout.ini"), QSettings.Format.IniFormat)
