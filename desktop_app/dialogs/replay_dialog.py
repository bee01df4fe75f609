"""Replay: rerun, rerun with edited inputs, or from failure — with the plan shown before confirming.

The plan (which nodes are reused, which run, what the reuse saves) comes from
``plan_for(mode)`` (the lead passes ``lambda mode: flowdeck.replay_plan(run_id, mode)``),
called off the GUI thread through the :class:`TaskRunner`; the Replay button is
enabled only once the plan for the chosen mode is on screen.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QRadioButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop_app.dialogs.errors import describe_error
from desktop_app.dialogs.form_style import (
    error_label,
    heading,
    muted_label,
    palette_of,
    polish_dialog,
    primary_button,
    set_error,
)
from desktop_app.dialogs.input_form import InputForm
from desktop_app.tasks import TaskRunner
from engine.api import NodeExecution, NodeStatus, ReplayPlan, Workflow, WorkflowExecution

#: the dialog's choices; the first two both replay with the service's "rerun" mode
CHOICES: dict[str, str] = {
    "rerun": "Rerun with the same inputs",
    "rerun-inputs": "Rerun with edited inputs",
    "from-failure": "From failure — reuse what succeeded",
}


#: a plan row whose node will run (the other rows are NodeStatus.REUSED)
RUNS = "runs"

class ReplayDialog(QDialog):
    """After ``accepted``: :meth:`mode` (``"rerun"`` | ``"from-failure"``, what ``Flowdeck.replay``
    takes) and :meth:`inputs` (the edited inputs, or ``None`` to keep the original's)."""

    #: the plan for the chosen mode is on screen (``True``) or failed to load (``False``)
    plan_shown = Signal(bool)

    def __init__(
        self,
        run: WorkflowExecution,
        workflow: Workflow,
        plan_for: Callable[[str], ReplayPlan],
        tasks: TaskRunner,
        parent: QWidget | None = None,
        *,
        mode: str = "from-failure",
        records: Sequence[NodeExecution] = (),
    ) -> None:
        super().__init__(parent)
        if mode not in CHOICES:
            raise ValueError(f"ReplayDialog: mode must be one of {', '.join(CHOICES)}, not {mode!r}")
        self.setWindowTitle("Replay run")
        self.setMinimumSize(620, 520)
        self._run, self._workflow, self._plan_for, self._tasks = run, workflow, plan_for, tasks
        self._records = {r.id: r for r in records}
        self._plan: ReplayPlan | None = None
        self._plan_mode = ""
        root = QVBoxLayout(self)
        root.setSpacing(10)
        root.addWidget(heading(self, f"Replay {run.workflow_name or workflow.name}"))
        state = palette_of(self).state(run.status)
        root.addWidget(muted_label(self, f"of run {run.id} · {state.glyph} {state.label}"))

        choices = QHBoxLayout()
        self._group = QButtonGroup(self)
        self._radios: dict[str, QRadioButton] = {}
        for key, text in CHOICES.items():
            radio = QRadioButton(text, self)
            self._radios[key] = radio
            self._group.addButton(radio)
            choices.addWidget(radio)
            radio.toggled.connect(self._on_choice)
        choices.addStretch(1)
        root.addLayout(choices)

        self._inputs_box = QGroupBox("Inputs", self)
        box_layout = QVBoxLayout(self._inputs_box)
        self._form = InputForm(workflow.start_variables, run.inputs, self._inputs_box)
        self._form.changed.connect(self._update_buttons)
        box_layout.addWidget(self._form)
        root.addWidget(self._inputs_box)

        self._summary = QVBoxLayout()
        self._summary_label = heading(self, "Plan")
        self._summary.addWidget(self._summary_label)
        self._savings = muted_label(self, "Loading the plan…")
        self._summary.addWidget(self._savings)
        self._error = error_label(self)
        self._summary.addWidget(self._error)
        root.addLayout(self._summary)

        self._table = QTreeWidget(self)
        self._table.setRootIsDecorated(False)
        self._table.setUniformRowHeights(True)
        self._table.setAlternatingRowColors(True)
        self._table.setHeaderLabels(["Node", "Type", "In the replay", "Original", "Time saved"])
        header = self._table.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, 5):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        root.addWidget(self._table, 1)

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self._ok = primary_button(buttons, QDialogButtonBox.StandardButton.Ok, "Replay")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        root.addWidget(buttons)
        polish_dialog(self)
        self._radios[mode].setChecked(True)
        self._on_choice(True)

    # ------------------------------------------------------------------ API
    def choice(self) -> str:
        """``"rerun"``, ``"rerun-inputs"`` or ``"from-failure"``: the radio the operator picked."""
        return next(key for key, radio in self._radios.items() if radio.isChecked())

    def mode(self) -> str:
        return "from-failure" if self.choice() == "from-failure" else "rerun"

    def inputs(self) -> dict[str, Any] | None:
        return self._form.values() if self.choice() == "rerun-inputs" else None

    def plan(self) -> ReplayPlan | None:
        """The plan on screen (for the chosen mode), once loaded."""
        return self._plan if self._plan_mode == self.mode() else None

    def form(self) -> InputForm:
        return self._form

    def set_choice(self, choice: str) -> None:
        self._radios[choice].setChecked(True)

    def rows(self) -> list[tuple[str, str]]:
        """``(node id, "reused" | "runs")`` per row of the plan table, in plan order."""
        return [
            (item.data(0, Qt.ItemDataRole.UserRole), item.data(2, Qt.ItemDataRole.UserRole))
            for item in (self._table.topLevelItem(i) for i in range(self._table.topLevelItemCount()))
        ]

    def savings_text(self) -> str:
        return self._savings.text()

    def accept(self) -> None:
        if self._ok.isEnabled():
            super().accept()

    # -------------------------------------------------------------- private
    @Slot(bool)
    def _on_choice(self, checked: bool) -> None:
        if not checked:
            return
        editing = self.choice() == "rerun-inputs"
        self._inputs_box.setVisible(editing)
        self._form.setEnabled(editing)
        mode = self.mode()
        if mode != self._plan_mode:
            self._load_plan(mode)
        self._update_buttons()

    def _load_plan(self, mode: str) -> None:
        self._plan, self._plan_mode = None, mode
        self._savings.setText("Loading the plan…")
        set_error(self._error, "")
        self._table.clear()
        plan_for = self._plan_for
        self._tasks.submit(
            lambda: plan_for(mode),
            lambda plan: self._show_plan(mode, plan),
            lambda exc: self._plan_failed(mode, exc),
            key=f"replay-plan:{id(self)}",
        )

    def _show_plan(self, mode: str, plan: ReplayPlan) -> None:
        if mode != self._plan_mode:
            return
        self._plan = plan
        pal = palette_of(self)
        reused_style, runs_style = pal.state(NodeStatus.REUSED), pal.state(NodeStatus.RUNNING)
        records_by_node = self._records_by_node()
        nodes = self._workflow.graph.nodes
        self._table.clear()
        for node_id in self._plan_order(plan):
            spec = nodes.get(node_id)
            reused = node_id in plan.reused
            record = records_by_node.get(node_id)
            saved = _elapsed_of(plan.reused.get(node_id), self._records) if reused else None
            item = QTreeWidgetItem(
                [
                    spec.title if spec else node_id,
                    spec.type if spec else "",
                    NodeStatus.REUSED if reused else RUNS,
                    _original_status(record, reused, bool(records_by_node)),
                    f"{saved:.2f} s" if saved is not None else "",
                ]
            )
            item.setData(0, Qt.ItemDataRole.UserRole, node_id)
            style = reused_style if reused else runs_style
            item.setText(2, f"{style.glyph if reused else '▶'}  {NodeStatus.REUSED if reused else RUNS}")
            item.setData(2, Qt.ItemDataRole.UserRole, str(NodeStatus.REUSED if reused else RUNS))
            item.setForeground(2, QColor(style.border))
            if item.text(3) in pal.states:
                item.setForeground(3, QColor(pal.state(item.text(3)).border))
            self._table.addTopLevelItem(item)
        saved = _savings(plan)
        n_reused, n_runs = len(plan.reused), len(plan.rerun)
        text = f"↺ {n_reused} node{'s' * (n_reused != 1)} reused · ▶ {n_runs} will run"
        if n_reused:
            text += f" · the reuse saves {saved[0]:.1f} s and {saved[1]:,} tokens"
        self._savings.setText(text)
        self._update_buttons()
        self.plan_shown.emit(True)

    def _plan_failed(self, mode: str, exc: BaseException) -> None:
        if mode != self._plan_mode:
            return
        self._savings.setText("No plan:")
        set_error(self._error, describe_error(exc, f"run {self._run.id}"))
        self._update_buttons()
        self.plan_shown.emit(False)

    def _update_buttons(self) -> None:
        ok = self.plan() is not None and (self.choice() != "rerun-inputs" or self._form.is_valid())
        if self._ok.isEnabled() != ok:
            self._ok.setEnabled(ok)

    def _records_by_node(self) -> dict[str, NodeExecution]:
        newest: dict[str, NodeExecution] = {}
        for record in self._records.values():
            if record.metadata.get("container_id") is None:
                newest[record.node_id] = record
        return newest

    def _plan_order(self, plan: ReplayPlan) -> list[str]:
        """The plan's nodes left to right as the canvas shows them (then top to bottom)."""
        nodes = self._workflow.graph.nodes
        planned = [*plan.reused, *[n for n in plan.rerun if n not in plan.reused]]
        origin = (0.0, 0.0)
        return sorted(planned, key=lambda n: nodes[n].position if n in nodes else origin)


def _original_status(record: NodeExecution | None, reused: bool, have_records: bool) -> str:
    if record is not None:
        return record.status
    if reused:
        return NodeStatus.SUCCEEDED  # only what succeeded is reused
    return "not reached" if have_records else "—"


def _elapsed_of(entry: dict[str, Any] | None, records: dict[str, NodeExecution]) -> float | None:
    if not entry:
        return None
    if isinstance(entry.get("elapsed_time"), int | float):
        return float(entry["elapsed_time"])
    record = records.get(entry.get("id", ""))
    return record.elapsed_time if record is not None else None


def _savings(plan: ReplayPlan) -> tuple[float, int]:
    """``(seconds, tokens)`` the reuse saves, as the plan sums them from the original's records."""
    return float(plan.saved_time_s), int(plan.saved_tokens)
