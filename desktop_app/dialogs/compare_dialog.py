"""Compare two runs (typically a run and its replay): status, time, tokens and outputs per node.

Takes the two runs and their node records as arguments (the lead reads them off
the GUI thread).  One row per node, both sides next to each other; a row whose
status or outputs differ is marked; selecting a row shows both outputs side by side.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QColor, QFontDatabase
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop_app import theme
from desktop_app.dialogs.form_style import heading, muted_label, palette_of, polish_dialog
from desktop_app.formatting import duration, pretty_json, short_id, tokens_of
from desktop_app.run_state import display_state
from engine.api import NodeExecution, NodeStatus, Workflow, WorkflowExecution, mask_secrets

COLUMNS = ["Node", "A status", "A time", "A tokens", "B status", "B time", "B tokens", "Δ time", "Outputs"]


@dataclass(frozen=True, slots=True)
class NodeComparison:
    """One node on both sides (``None``: the node did not execute in that run)."""

    node_id: str
    title: str
    left: NodeExecution | None
    right: NodeExecution | None
    left_state: str
    right_state: str

    @property
    def same_outputs(self) -> bool:
        if self.left is None or self.right is None:
            return self.left is self.right
        return self.left.outputs == self.right.outputs

    @property
    def differs(self) -> bool:
        """Status or outputs differ; a node reused by a replay counts as the success it copies."""
        return _same_as(self.left_state) != _same_as(self.right_state) or not self.same_outputs


def compare_runs(
    left: WorkflowExecution,
    left_records: Sequence[NodeExecution],
    right: WorkflowExecution,
    right_records: Sequence[NodeExecution],
    workflow: Workflow | None = None,
) -> list[NodeComparison]:
    """Top-level nodes of both runs, newest execution of each, in canvas order (else first seen)."""
    newest_left, newest_right = _newest(left_records), _newest(right_records)
    order = list(dict.fromkeys([*newest_left, *newest_right]))
    if workflow is not None:
        nodes = workflow.graph.nodes
        order.sort(key=lambda n: (0, nodes[n].position) if n in nodes else (1, (0.0, 0.0)))
    rows = []
    for node_id in order:
        a, b = newest_left.get(node_id), newest_right.get(node_id)
        record = a if a is not None else b
        rows.append(
            NodeComparison(
                node_id,
                (record.title if record is not None else "") or node_id,
                a,
                b,
                display_state(a, run_status=left.status) if a else "not run",
                display_state(b, run_status=right.status) if b else "not run",
            )
        )
    return rows


class CompareDialog(QDialog):
    """Side by side: run A (left) and run B (right)."""

    def __init__(
        self,
        left: WorkflowExecution,
        left_records: Sequence[NodeExecution],
        right: WorkflowExecution,
        right_records: Sequence[NodeExecution],
        workflow: Workflow | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Compare runs")
        self.setMinimumSize(860, 560)
        self._rows = compare_runs(left, left_records, right, right_records, workflow)
        # defence in depth: records carry secrets masked already; never show a declared one in clear
        self._secrets = [
            str(d.value)
            for d in (workflow.environment if workflow else [])
            if d.value_type == "secret" and d.value
        ]
        pal = palette_of(self)
        root = QVBoxLayout(self)
        root.setSpacing(10)
        root.addWidget(heading(self, f"Compare {left.workflow_name or left.workflow_id}"))
        facts = QGridLayout()
        facts.setHorizontalSpacing(18)
        for col, text in enumerate(["", "Status", "Elapsed", "Tokens", "Steps", "Inputs"]):
            facts.addWidget(muted_label(self, text), 0, col)
        for row, (tag, run) in enumerate((("A", left), ("B", right)), start=1):
            state = pal.state(run.status)
            link = " (replay of A)" if run.replay_of == left.id else ""
            facts.addWidget(QLabel(f"<b>{tag}</b> {short_id(run.id)}{link}", self), row, 0)
            status = QLabel(f"{state.glyph} {state.label}", self)
            status.setStyleSheet(f"color: {state.border};")
            facts.addWidget(status, row, 1)
            facts.addWidget(QLabel(duration(run.elapsed_time), self), row, 2)
            facts.addWidget(QLabel(f"{run.total_tokens:,}", self), row, 3)
            facts.addWidget(QLabel(str(run.total_steps), self), row, 4)
            inputs = QLabel(_inline(run.inputs), self)
            inputs.setToolTip(pretty_json(run.inputs))
            facts.addWidget(inputs, row, 5)
        facts.setColumnStretch(5, 1)
        root.addLayout(facts)
        differing = sum(r.differs for r in self._rows)
        root.addWidget(muted_label(self, f"{len(self._rows)} nodes · {differing} differ (marked ≠)"))

        splitter = QSplitter(Qt.Orientation.Vertical, self)
        self._table = QTreeWidget(splitter)
        self._table.setRootIsDecorated(False)
        self._table.setUniformRowHeights(True)
        self._table.setAlternatingRowColors(True)
        self._table.setHeaderLabels(COLUMNS)
        header = self._table.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, len(COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        for comparison in self._rows:
            self._table.addTopLevelItem(self._item(comparison, pal))
        self._table.currentItemChanged.connect(self._on_select)
        outputs = QWidget(splitter)
        grid = QGridLayout(outputs)
        grid.setContentsMargins(0, 6, 0, 0)
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        self._left_out, self._right_out = QPlainTextEdit(outputs), QPlainTextEdit(outputs)
        for col, (tag, edit) in enumerate((("A outputs", self._left_out), ("B outputs", self._right_out))):
            edit.setReadOnly(True)
            edit.setFont(mono)
            grid.addWidget(muted_label(outputs, tag), 0, col)
            grid.addWidget(edit, 1, col)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        root.addWidget(splitter, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        root.addWidget(buttons)
        polish_dialog(self)
        if self._rows:
            first_diff = next((i for i, r in enumerate(self._rows) if r.differs), 0)
            self._table.setCurrentItem(self._table.topLevelItem(first_diff))

    # ------------------------------------------------------------------ API
    def comparisons(self) -> list[NodeComparison]:
        return list(self._rows)

    def select(self, node_id: str) -> None:
        for i, comparison in enumerate(self._rows):
            if comparison.node_id == node_id:
                self._table.setCurrentItem(self._table.topLevelItem(i))
                return
        raise KeyError(f"CompareDialog: no node {node_id!r} in either run")

    def selected_node(self) -> str | None:
        item = self._table.currentItem()
        return item.data(0, Qt.ItemDataRole.UserRole) if item is not None else None

    def shown_outputs(self) -> tuple[str, str]:
        return self._left_out.toPlainText(), self._right_out.toPlainText()

    # -------------------------------------------------------------- private
    def _item(self, c: NodeComparison, pal: theme.Palette) -> QTreeWidgetItem:
        a_time = c.left.elapsed_time if c.left else None
        b_time = c.right.elapsed_time if c.right else None
        delta = "" if a_time is None or b_time is None else _signed(b_time - a_time)
        item = QTreeWidgetItem(
            [
                c.title,
                _state_text(pal, c.left_state),
                duration(a_time) if c.left else "",
                f"{tokens_of(c.left.metadata):,}" if c.left and tokens_of(c.left.metadata) else "",
                _state_text(pal, c.right_state),
                duration(b_time) if c.right else "",
                f"{tokens_of(c.right.metadata):,}" if c.right and tokens_of(c.right.metadata) else "",
                delta,
                "=" if c.same_outputs else "≠",
            ]
        )
        item.setData(0, Qt.ItemDataRole.UserRole, c.node_id)
        for column, state in ((1, c.left_state), (4, c.right_state)):
            if state in pal.states:
                item.setForeground(column, QColor(pal.state(state).border))
        for column in (2, 3, 5, 6, 7):
            item.setTextAlignment(column, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if c.differs:
            item.setForeground(8, QColor(pal.danger))
        return item

    @Slot(QTreeWidgetItem, QTreeWidgetItem)
    def _on_select(self, current: QTreeWidgetItem | None, _previous: QTreeWidgetItem | None) -> None:
        if current is None:
            return
        index = self._table.indexOfTopLevelItem(current)
        c = self._rows[index]
        self._left_out.setPlainText(mask_secrets(_outputs_text(c.left), self._secrets))
        self._right_out.setPlainText(mask_secrets(_outputs_text(c.right), self._secrets))


def _signed(seconds: float) -> str:
    return "0.00 s" if abs(seconds) < 0.005 else f"{seconds:+.2f} s"


def _same_as(state: str) -> str:
    return NodeStatus.SUCCEEDED if state == NodeStatus.REUSED else state


def _newest(records: Sequence[NodeExecution]) -> dict[str, NodeExecution]:
    newest: dict[str, NodeExecution] = {}
    for record in sorted(records, key=lambda r: r.index):
        if record.metadata.get("container_id") is None:
            newest[record.node_id] = record
    return newest


def _state_text(pal: theme.Palette, state: str) -> str:
    if state not in pal.states:
        return state
    style = pal.state(state)
    return f"{style.glyph} {style.label}"


def _outputs_text(record: NodeExecution | None) -> str:
    if record is None:
        return "(did not run)"
    if record.error and not record.outputs:
        return f"error: {record.error}"
    return pretty_json(record.outputs) or "(no outputs)"


def _inline(inputs: dict[str, Any]) -> str:
    text = ", ".join(f"{k}={v!r}" for k, v in inputs.items())
    return text if len(text) <= 80 else text[:79] + "…"
