"""Terminate: ask for a reason (showing what is running now), then report what the records say happened.

:func:`show_terminate_outcome` never repeats what the action hoped to do: it reads
the run and node records read back after the terminate and says whether the run
really ended ``terminated``, how many node executions were cancelled, and which
(if any) are still recorded as running.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from desktop_app.dialogs.form_style import danger_button, heading, muted_label, palette_of, primary_button
from engine.api import NodeExecution, NodeStatus, RunStatus, WorkflowExecution

DEFAULT_REASON = "terminated by the operator"


class TerminateDialog(QDialog):
    """Confirm terminating ``run``; :meth:`reason` is what the operator typed (or the default)."""

    def __init__(
        self, run: WorkflowExecution, running_nodes: Sequence[str], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Terminate run")
        self.setMinimumWidth(460)
        self._run = run
        pal = palette_of(self)
        root = QVBoxLayout(self)
        root.setSpacing(10)
        root.addWidget(heading(self, f"Terminate {run.workflow_name or run.workflow_id}?"))
        root.addWidget(
            muted_label(
                self,
                "Scheduling stops at once; running nodes are cancelled and end terminated. "
                "The run can be replayed afterwards.",
            )
        )
        facts = QFormLayout()
        facts.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        facts.setHorizontalSpacing(14)
        run_id = QLabel(run.id, self)
        run_id.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        facts.addRow("Run", run_id)
        state = pal.state(run.status)
        status = QLabel(f"{state.glyph} {state.label} · {_elapsed(run)}", self)
        status.setStyleSheet(f"color: {state.border};")
        facts.addRow("Status", status)
        root.addLayout(facts)

        count = len(running_nodes)
        root.addWidget(QLabel(f"Running now: {count} node{'s' * (count != 1)}", self))
        self._running = QListWidget(self)
        self._running.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self._running.setSelectionMode(QListWidget.SelectionMode.NoSelection)
        running_style = pal.state(NodeStatus.RUNNING)
        for node in running_nodes:
            item = QListWidgetItem(f"{running_style.glyph}  {node}")
            item.setForeground(QColor(running_style.border))
            self._running.addItem(item)
        if not running_nodes:
            self._running.addItem("(nothing is running right now)")
        self._running.setMaximumHeight(22 * min(max(count, 1), 6) + 8)
        root.addWidget(self._running)

        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        form.setHorizontalSpacing(14)
        self._reason = QLineEdit(DEFAULT_REASON, self)
        self._reason.selectAll()
        self._reason.setToolTip("Recorded as the run's error")
        form.addRow("Reason", self._reason)
        root.addLayout(form)

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self._ok = primary_button(buttons, QDialogButtonBox.StandardButton.Ok, "Terminate")
        danger_button(self._ok)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        root.addWidget(buttons)
        self._reason.setFocus()

    def reason(self) -> str:
        return self._reason.text().strip() or DEFAULT_REASON

    def reason_edit(self) -> QLineEdit:
        return self._reason


@dataclass(frozen=True, slots=True)
class TerminateOutcome:
    """What the records show after a terminate."""

    run_status: str
    cancelled: list[str] = field(default_factory=list)  # titles of node executions now `terminated`
    still_running: list[str] = field(default_factory=list)

    @property
    def verified(self) -> bool:
        return self.run_status == RunStatus.TERMINATED and not self.still_running

    def summary(self) -> str:
        lines = []
        if self.run_status == RunStatus.TERMINATED:
            lines.append("✓ The run ended terminated.")
        else:
            lines.append(f"✕ The run is recorded as {self.run_status}, not terminated.")
        n = len(self.cancelled)
        if n:
            lines.append(
                f"{n} node{'s were' if n != 1 else ' was'} cancelled (terminated): {_names(self.cancelled)}."
            )
        else:
            lines.append("No node was cancelled (nothing was running).")
        if self.still_running:
            lines.append(f"⚠ Still recorded as running: {_names(self.still_running)}.")
        else:
            lines.append("None is left running.")
        return "\n".join(lines)


def terminate_outcome(run: WorkflowExecution, records: Sequence[NodeExecution]) -> TerminateOutcome:
    cancelled = [r.title or r.node_id for r in records if r.status == NodeStatus.TERMINATED]
    running = [r.title or r.node_id for r in records if r.status == NodeStatus.RUNNING]
    return TerminateOutcome(run.status, cancelled, running)


def show_terminate_outcome(
    parent: QWidget | None, run: WorkflowExecution, records: Sequence[NodeExecution]
) -> QMessageBox:
    """Tell the operator what the records (read back after the terminate) verify; returns at once."""
    outcome = terminate_outcome(run, records)
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Information if outcome.verified else QMessageBox.Icon.Warning)
    box.setWindowTitle("Terminated" if outcome.verified else "Terminate: not confirmed")
    box.setText(outcome.summary())
    box.setTextFormat(Qt.TextFormat.PlainText)
    if run.error:
        box.setInformativeText(f"Reason recorded: {run.error}")
    box.setStandardButtons(QMessageBox.StandardButton.Close)
    box.setEscapeButton(QMessageBox.StandardButton.Close)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.setWindowModality(Qt.WindowModality.WindowModal if parent else Qt.WindowModality.ApplicationModal)
    box.open()
    return box


def _names(names: Sequence[str], limit: int = 6) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _elapsed(run: WorkflowExecution) -> str:
    end = run.finished_at or time.time()
    seconds = max(0, int(end - run.started_at))
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
