"""The console's main window: runs on the left, the selected run in the middle, the node on the right.

It wires the components together and owns no engine logic: reads go through
:class:`RunFollower` and the runs panel (off the GUI thread), the selected run reaches
the views through :class:`RunPresenter`, actions go through :class:`Operations`, dialogs
through :class:`DialogLauncher`, engine events through :class:`EventBridge`.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings, Qt, Slot
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QApplication, QMainWindow, QMessageBox, QSplitter, QVBoxLayout, QWidget

from desktop_app import style
from desktop_app.actions import build_actions
from desktop_app.banners import health_banner, terminate_banner
from desktop_app.bridge import EventBridge
from desktop_app.canvas import GraphView
from desktop_app.charts import ChartsPanel
from desktop_app.follower import RunFollower
from desktop_app.formatting import short_id
from desktop_app.inspector import NodeInspector
from desktop_app.operations import Operations
from desktop_app.run_header import RunHeader
from desktop_app.run_presenter import RunPresenter
from desktop_app.runs import RunsPanel
from desktop_app.status_bar import ConsoleStatusBar
from desktop_app.tasks import TaskRunner
from desktop_app.window_dialogs import DialogLauncher
from engine.api import (
    EngineEvent,
    Flowdeck,
    NodeExecution,
    RunEndedEvent,
    RunPausedEvent,
    RunResumedEvent,
    RunStartedEvent,
    RunStatus,
    Workflow,
    WorkflowExecution,
    user_data_dir,
)

log = logging.getLogger(__name__)
_RUN_LEVEL = (RunStartedEvent, RunEndedEvent, RunPausedEvent, RunResumedEvent)


class MainWindow(QMainWindow):
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
        views = (self.canvas, self.charts, self.inspector, self.header, self.status)
        self.presenter = RunPresenter(flowdeck, self.tasks, self.follower, views, self)
        self.dialogs = DialogLauncher(self, self)
        self.actions_, toolbar = build_actions(self)
        self.addToolBar(toolbar)
        self.selected_run_ids: list[str] = []
        self.last_message: QMessageBox | None = None
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
        a, d = self.actions_, self.dialogs
        a.run.triggered.connect(d.open_run_dialog)
        a.terminate.triggered.connect(d.open_terminate_dialog)
        a.pause.triggered.connect(self.toggle_pause)
        a.rerun.triggered.connect(lambda: d.open_replay_dialog("rerun"))
        a.rerun_inputs.triggered.connect(lambda: d.open_replay_dialog("rerun-inputs"))
        a.from_failure.triggered.connect(lambda: d.open_replay_dialog("from-failure"))
        a.open_workflow.triggered.connect(d.choose_workflow_file)
        a.settings.triggered.connect(d.open_settings)
        a.compare.triggered.connect(d.open_compare_dialog)
        a.fit.triggered.connect(self.canvas.fit)
        a.reload.triggered.connect(self.reload)
        a.search.triggered.connect(self.runs.focus_search)
        a.toggle_theme.triggered.connect(lambda: self.set_dark(not self.dark))
        self.runs.run_selected.connect(self.select_run)
        self.runs.runs_selected.connect(self._on_runs_selected)
        self.bridge.batch.connect(self.follower.on_batch)
        self.bridge.batch.connect(self._on_batch)
        self.follower.failed.connect(
            lambda _run, error: self.header.show_banner("error", f"Reading the run failed: {error}")
        )
        self.presenter.run_changed.connect(self._update_actions)
        self.presenter.run_ended.connect(self.runs.refresh)
        self.canvas.node_selected.connect(self.select_node)
        self.charts.node_selected.connect(self.select_node)
        self.ops.started.connect(self._on_started)
        self.ops.terminated.connect(self._on_terminated)
        self.ops.done.connect(self.header.show_banner)
        self.ops.failed.connect(self.show_message)
        self.status.health_changed.connect(self._on_health)

    # ------------------------------------------------------------ selection
    @Slot(str)
    def select_run(self, run_id: str) -> None:
        if run_id == self.follower.run_id:
            return
        self.presenter.clear()
        self.follower.follow(run_id)
        self._update_actions()

    @Slot(list)
    def _on_runs_selected(self, run_ids: list[str]) -> None:
        self.selected_run_ids = list(run_ids)
        self.actions_.compare.setEnabled(len(run_ids) == 2)

    @Slot(str)
    def select_node(self, node_id: str) -> None:
        self.presenter.select_node(node_id)

    @property
    def selected_node(self) -> str:
        return self.presenter.selected_node

    @Slot(str, list)
    def _on_batch(self, run_id: str, events: list[EngineEvent]) -> None:
        """Run-level events of any run of this process: the runs list follows at once."""
        if any(isinstance(e, _RUN_LEVEL) for e in events):
            self.runs.refresh()

    @Slot()
    def _update_actions(self) -> None:
        state = self.follower.state
        self.actions_.update_for(state.run.status if state is not None and state.run is not None else None)

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
        self.header.show_banner("info", f"Terminating run {short_id(run_id)}…")
        self.ops.terminate(run_id, reason)

    @Slot(object, list)
    def _on_terminated(self, run: WorkflowExecution, records: list[NodeExecution]) -> None:
        """Say what the records verify after a terminate (the banner of the run it was for)."""
        if self.follower.run_id == run.id:
            self.header.show_banner(*terminate_banner(run, records))
            self.follower.reload()
        self.runs.refresh()

    def toggle_pause(self) -> None:
        state = self.follower.state
        if state is None or state.run is None:
            return
        if state.run.status == RunStatus.PAUSED:
            self.ops.resume(state.run_id)
        else:
            self.ops.pause(state.run_id)

    def replay_run(self, run_id: str, mode: str, inputs: dict[str, Any] | None = None) -> None:
        self.ops.replay(run_id, mode, inputs)

    def reload(self) -> None:
        self.runs.refresh()
        self.follower.reload()

    def open_workflow_file(self, path: str | Path) -> None:
        """Show a workflow's graph without running it (a broken file: a message naming the problem)."""
        self.dialogs.open_workflow_file(path)

    def show_preview(self, workflow: Workflow) -> None:
        self.follower.follow("")
        self.presenter.preview = workflow
        self.canvas.set_workflow(workflow)
        self.canvas.reset_states()
        self.header.show_run(None)
        self.header.title.setText(f"{workflow.name} (preview)")
        self.header.facts.setText(f"{len(workflow.all_nodes())} nodes · {workflow.source} · not run")

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
        self.header.show_banner(*health_banner(what, ok, error))

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
        self.presenter.redraw_charts()

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
        self.presenter.stop()
        self.follower.stop()
        self.bridge.stop()
        self.status.stop()
        self.tasks.close()
        super().closeEvent(event)


def _layout_settings() -> QSettings:
    """``console-layout.ini`` in the user data dir (beside the run records of the default database)."""
    return QSettings(str(user_data_dir() / "console-layout.ini"), QSettings.Format.IniFormat)
