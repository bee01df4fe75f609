"""The main window's dialogs: Run…, Terminate, Replay, Compare, Settings, Open workflow.

:class:`DialogLauncher` opens each as a window-modal dialog with ``open()`` (the event
loop keeps running) and, when the operator confirms, calls its host's programmatic
action (``start_run``, ``terminate_run``, ``replay_run``).  The host is anything shaped
like :class:`DialogHost` (the main window), so this module does not import the window.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from PySide6.QtWidgets import QFileDialog, QWidget

from desktop_app.dialogs.compare_dialog import CompareDialog
from desktop_app.dialogs.replay_dialog import ReplayDialog
from desktop_app.dialogs.run_dialog import RunDialog
from desktop_app.dialogs.settings_dialog import SettingsDialog
from desktop_app.dialogs.terminate_dialog import TerminateDialog
from desktop_app.follower import RunFollower
from desktop_app.operations import Operations
from desktop_app.run_header import RunHeader
from desktop_app.states import run_final
from desktop_app.tasks import TaskRunner
from engine.api import Flowdeck, NodeStatus, Workflow, load_workflow


class DialogHost(Protocol):
    """What the dialogs need of the window that opens them."""

    flowdeck: Flowdeck
    tasks: TaskRunner
    follower: RunFollower
    ops: Operations
    header: RunHeader
    selected_run_ids: list[str]

    def start_run(
        self,
        workflow: Workflow | str | Path,
        inputs: dict[str, Any] | None = None,
        *,
        mocks: Any = None,
        where: str = "here",
    ) -> None: ...
    def terminate_run(self, run_id: str, reason: str) -> None: ...
    def replay_run(self, run_id: str, mode: str, inputs: dict[str, Any] | None = None) -> None: ...
    def show_message(self, title: str, message: str) -> None: ...
    def show_preview(self, workflow: Workflow) -> None: ...


class DialogLauncher:
    def __init__(self, host: DialogHost, parent: QWidget) -> None:
        self._host = host
        self._parent = parent  # the dialogs' window

    def open_run_dialog(self) -> None:
        host = self._host
        dialog = RunDialog(host.tasks, self._parent)
        dialog.accepted.connect(
            lambda: host.start_run(
                dialog.workflow() or "", dialog.inputs(), mocks=dialog.mocks_path(), where=dialog.where()
            )
        )
        dialog.open()

    def open_terminate_dialog(self) -> None:
        host = self._host
        state = host.follower.state
        if state is None or state.run is None or run_final(state.run):
            return
        running = [
            v.record.title or n
            for n, v in state.nodes.items()
            if v.record is not None and v.record.status == NodeStatus.RUNNING
        ]
        dialog = TerminateDialog(state.run, running, self._parent)
        run_id = state.run_id
        dialog.accepted.connect(lambda: host.terminate_run(run_id, dialog.reason()))
        dialog.open()

    def open_replay_dialog(self, mode: str) -> None:
        host = self._host
        state = host.follower.state
        if state is None or state.run is None or state.workflow is None:
            return
        run_id = state.run_id
        dialog = ReplayDialog(
            state.run,
            state.workflow,
            lambda m: host.ops.plan(run_id, m),
            host.tasks,
            self._parent,
            mode=mode,
            records=state.records(),
        )
        dialog.accepted.connect(lambda: host.replay_run(run_id, dialog.mode(), dialog.inputs()))
        dialog.open()

    def open_compare_dialog(self) -> None:
        """Compare the two runs selected in the list (a run and its replay, typically)."""
        host = self._host
        ids = host.selected_run_ids[:2]
        if len(ids) != 2:
            host.header.show_banner("info", "Select two runs in the list (Ctrl+click) to compare them.")
            return
        queries = host.flowdeck.queries

        def read() -> tuple[Any, ...]:
            left, right = queries.get_run(ids[0]), queries.get_run(ids[1])
            return (
                left,
                queries.node_executions(ids[0]),
                right,
                queries.node_executions(ids[1]),
                queries.workflow_of(left),
            )

        def show(result: tuple[Any, ...]) -> None:
            left, left_records, right, right_records, workflow = result
            CompareDialog(left, left_records, right, right_records, workflow, self._parent).open()

        host.tasks.submit(read, show, lambda e: host.show_message("Could not compare the runs", str(e)))

    def open_settings(self) -> None:
        host = self._host
        dialog = SettingsDialog(host.flowdeck.settings, host.tasks, self._parent)
        saved = "Settings saved: they apply when the console starts again."
        dialog.accepted.connect(lambda: host.header.show_banner("info", saved))
        dialog.open()

    def choose_workflow_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self._parent, "Open workflow", "", "Dify workflows (*.yml *.yaml);;All files (*)"
        )
        if path:
            self.open_workflow_file(path)

    def open_workflow_file(self, path: str | Path) -> None:
        """Show a workflow's graph without running it; a broken file gets a message naming the problem."""
        host = self._host
        host.tasks.submit(
            lambda: load_workflow(Path(path)),
            host.show_preview,
            lambda e: host.show_message("Could not open the workflow", str(e)),
        )
