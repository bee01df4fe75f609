"""The main window's dialogs: Run…, Terminate, Replay, Compare, Settings, Open workflow.

A mixin of :class:`desktop_app.main_window.MainWindow`: each method opens a window-modal
dialog with ``open()`` (the event loop keeps running) and, when the operator confirms,
calls the window's programmatic action (``start_run``, ``terminate_run``, ``replay_run``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QFileDialog

from desktop_app.dialogs.compare_dialog import CompareDialog
from desktop_app.dialogs.replay_dialog import ReplayDialog
from desktop_app.dialogs.run_dialog import RunDialog
from desktop_app.dialogs.settings_dialog import SettingsDialog
from desktop_app.dialogs.terminate_dialog import TerminateDialog
from engine.graph import Workflow

if TYPE_CHECKING:
    from desktop_app.main_window import MainWindow

    _Base = MainWindow
else:
    _Base = object


class DialogsMixin(_Base):
    def open_run_dialog(self) -> None:
        dialog = RunDialog(self.tasks, self)
        dialog.accepted.connect(
            lambda: self.start_run(
                dialog.workflow() or "", dialog.inputs(), mocks=dialog.mocks_path(), where=dialog.where()
            )
        )
        dialog.open()

    def open_terminate_dialog(self) -> None:
        state = self.follower.state
        if state is None or state.run is None or state.run.is_final:
            return
        running = [
            v.record.title or n
            for n, v in state.nodes.items()
            if v.record is not None and v.record.status == "running"
        ]
        dialog = TerminateDialog(state.run, running, self)
        run_id = state.run_id
        dialog.accepted.connect(lambda: self.terminate_run(run_id, dialog.reason()))
        dialog.open()

    def open_replay_dialog(self, mode: str) -> None:
        state = self.follower.state
        if state is None or state.run is None or state.workflow is None:
            return
        run_id = state.run_id
        dialog = ReplayDialog(
            state.run,
            state.workflow,
            lambda m: self.ops.plan(run_id, m),
            self.tasks,
            self,
            mode=mode,
            records=state.records(),
        )
        dialog.accepted.connect(lambda: self.replay_run(run_id, dialog.mode(), dialog.inputs()))
        dialog.open()

    def open_compare_dialog(self) -> None:
        """Compare the two runs selected in the list (a run and its replay, typically)."""
        ids = self.selected_run_ids[:2]
        if len(ids) != 2:
            self.header.show_banner("info", "Select two runs in the list (Ctrl+click) to compare them.")
            return
        flowdeck = self.flowdeck

        def read() -> tuple[Any, ...]:
            left, right = flowdeck.get_run(ids[0]), flowdeck.get_run(ids[1])
            return (
                left,
                flowdeck.node_executions(ids[0]),
                right,
                flowdeck.node_executions(ids[1]),
                (flowdeck.workflow_of(left)),
            )

        def show(result: tuple[Any, ...]) -> None:
            left, left_records, right, right_records, workflow = result
            CompareDialog(left, left_records, right, right_records, workflow, self).open()

        self.tasks.submit(read, show, lambda e: self.show_message("Could not compare the runs", str(e)))

    def open_settings(self) -> None:
        dialog = SettingsDialog(self.flowdeck.settings, self.tasks, self)
        dialog.accepted.connect(
            lambda: self.header.show_banner(
                "info", "Settings saved: they apply when the console starts again."
            )
        )
        dialog.open()

    def choose_workflow_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Open workflow", "", "Dify workflows (*.yml *.yaml);;All files (*)"
        )
        if path:
            self.open_workflow_file(path)

    def open_workflow_file(self, path: str | Path) -> None:
        """Show a workflow's graph without running it; a broken file gets a message naming the problem."""
        from engine.dsl import load_workflow

        self.tasks.submit(
            lambda: load_workflow(Path(path)),
            self._show_preview,
            lambda e: self.show_message("Could not open the workflow", str(e)),
        )

    def _show_preview(self, workflow: Workflow) -> None:
        self.follower.follow("")
        self._preview = workflow
        self.canvas.set_workflow(workflow)
        self.canvas.reset_states()
        self.header.show_run(None)
        self.header.title.setText(f"{workflow.name} (preview)")
        self.header.facts.setText(f"{len(workflow.all_nodes())} nodes · {workflow.source} · not run")
