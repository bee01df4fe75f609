"""The node inspector: everything the records say about the selected node.

Header (title, type, a status pill), then tabs: Overview (timings, tokens, error and one
row per attempt), Inputs, Outputs, Process data.  A node executed several times (inside
an iteration or loop) gets a picker of its executions.  Values come from the run records,
which the engine has already masked for secrets.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop_app import formatting as fmt
from desktop_app import theme
from desktop_app.run_state import display_state
from engine.api import NodeExecution, NodeStatus, RunStatus


def _mono() -> QFont:
    font = QFont()
    font.setFamilies(["JetBrains Mono", "Cascadia Mono", "DejaVu Sans Mono", "monospace"])
    font.setStyleHint(QFont.StyleHint.Monospace)
    font.setPointSizeF(9.0)
    return font


class _JsonView(QPlainTextEdit):
    def __init__(self, empty: str) -> None:
        super().__init__()
        self.setReadOnly(True)
        self.setFont(_mono())
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.setPlaceholderText(empty)


class NodeInspector(QWidget):
    def __init__(self, parent: QWidget | None = None, *, dark: bool = False) -> None:
        super().__init__(parent)
        self._palette = theme.palette(dark)
        self._records: list[NodeExecution] = []
        self._node_type = ""
        self.setMinimumWidth(280)

        self.title = QLabel("No node selected")
        self.title.setObjectName("inspectorTitle")
        self.title.setWordWrap(True)
        self.subtitle = QLabel("Select a node on the graph or the timeline.")
        self.subtitle.setObjectName("muted")
        self.pill = QLabel("")
        self.pill.setObjectName("statusPill")
        self.pill.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.pill.hide()
        self.picker = QComboBox()
        self.picker.hide()
        self.picker.currentIndexChanged.connect(self._show_index)

        head = QHBoxLayout()
        head.addWidget(self.title, 1)
        head.addWidget(self.pill, 0, Qt.AlignmentFlag.AlignTop)

        self.facts = QFormLayout()
        self.facts.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self._fact_labels: dict[str, QLabel] = {}
        for key in ("Status", "Started", "Elapsed", "Queue wait", "Attempts", "Tokens", "Execution"):
            value = QLabel("—")
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self._fact_labels[key] = value
            self.facts.addRow(f"{key}", value)
        self.error = QLabel("")
        self.error.setObjectName("errorText")
        self.error.setWordWrap(True)
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error.hide()
        self.attempts = QTableWidget(0, 4)
        self.attempts.setHorizontalHeaderLabels(["#", "status", "took", "error"])
        self.attempts.verticalHeader().hide()
        header = self.attempts.horizontalHeader()
        for column in (0, 1, 2):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.attempts.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.attempts.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.attempts.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.attempts.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
        self.attempts.setWordWrap(False)

        overview = QWidget()
        col = QVBoxLayout(overview)
        col.setContentsMargins(6, 8, 6, 6)
        col.addLayout(self.facts)
        col.addWidget(self.error)
        attempts_label = QLabel("Attempts")
        attempts_label.setObjectName("sectionLabel")
        col.addWidget(attempts_label)
        col.addWidget(self.attempts, 1)

        self.inputs = _JsonView("No inputs recorded")
        self.outputs = _JsonView("No outputs recorded")
        self.process_data = _JsonView("No process data")
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.setUsesScrollButtons(False)
        self.tabs.tabBar().setExpanding(False)
        self.tabs.setStyleSheet("QTabBar::tab { padding: 6px 9px; }")
        self.tabs.addTab(overview, "Overview")
        self.tabs.addTab(self.inputs, "Inputs")
        self.tabs.addTab(self.outputs, "Outputs")
        self.tabs.addTab(self.process_data, "Process")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 10, 6)
        layout.addLayout(head)
        layout.addWidget(self.subtitle)
        layout.addWidget(self.picker)
        layout.addWidget(self.tabs, 1)
        self.show_node("", "", [])

    # ------------------------------------------------------------------ API
    def show_node(
        self,
        title: str,
        node_type: str,
        records: Sequence[NodeExecution],
        *,
        run_status: str = RunStatus.RUNNING,
    ) -> None:
        """Show a node's executions (newest last); no records: not run yet; no title: nothing selected."""
        self._records = list(records)
        self._node_type = node_type
        self._run_status = run_status
        if not title:
            self.title.setText("No node selected")
            self.subtitle.setText("Select a node on the graph or the timeline.")
            self.pill.hide()
            self.picker.hide()
            self._fill(None)
            return
        self.title.setText(title)
        self.subtitle.setText(node_type)
        self.picker.blockSignals(True)
        self.picker.clear()
        for record in self._records:
            where = record.metadata.get("container_index")
            label = f"execution {record.index}" + (f" · round {where}" if where is not None else "")
            self.picker.addItem(f"{label} · {record.status}")
        self.picker.setVisible(len(self._records) > 1)
        self.picker.setCurrentIndex(len(self._records) - 1)
        self.picker.blockSignals(False)
        self._fill(self._records[-1] if self._records else None)

    def set_dark(self, dark: bool) -> None:
        self._palette = theme.palette(dark)
        self._fill(self._current())

    def shown_record(self) -> NodeExecution | None:
        return self._current()

    # ------------------------------------------------------------ internals
    def _current(self) -> NodeExecution | None:
        if not self._records:
            return None
        index = self.picker.currentIndex()
        return self._records[index] if 0 <= index < len(self._records) else self._records[-1]

    @Slot(int)
    def _show_index(self, index: int) -> None:
        if 0 <= index < len(self._records):
            self._fill(self._records[index])

    def _fill(self, record: NodeExecution | None) -> None:
        facts = self._fact_labels
        if record is None:
            state = NodeStatus.PENDING if self.title.text() != "No node selected" else ""
            for label in facts.values():
                label.setText("—")
            if state:
                facts["Status"].setText("not run (yet)")
                self._set_pill(NodeStatus.PENDING)
            self.error.hide()
            self.attempts.setRowCount(0)
            for view in (self.inputs, self.outputs, self.process_data):
                view.setPlainText("")
            return
        state = display_state(record, run_status=self._run_status)
        self._set_pill(state)
        style = self._palette.state(state)
        facts["Status"].setText(style.label + (f" · from {record.metadata['reused_from'][:8]}"
                                               if record.metadata.get("reused_from") else ""))
        facts["Started"].setText(fmt.clock(record.created_at))
        facts["Elapsed"].setText(fmt.milliseconds(record.elapsed_time) if record.finished_at else "running…")
        facts["Queue wait"].setText(fmt.milliseconds(record.queue_wait))
        facts["Attempts"].setText(str(len(record.attempts)) + (f" ({record.retry_count} retried)"
                                                               if record.retry_count else ""))
        tokens = fmt.tokens_of(record.metadata)
        facts["Tokens"].setText(f"{tokens:,}" if tokens else "—")
        facts["Execution"].setText(record.id[:12])
        if record.error:
            kind = record.metadata.get("error_type") or ""
            strategy = record.metadata.get("error_strategy") or ""
            prefix = f"{kind}: " if kind and not record.error.startswith(kind) else ""
            handled = f"\nhandled by error strategy “{strategy}”" if strategy else ""
            self.error.setText(f"{prefix}{record.error}{handled}")
            self.error.show()
        else:
            self.error.hide()
        self.attempts.setRowCount(len(record.attempts))
        for row, attempt in enumerate(record.attempts):
            attempt_state = attempt.status if attempt.finished_at is not None else NodeStatus.RUNNING
            cells = [
                str(attempt.index + 1),
                self._palette.state(attempt_state).label,
                fmt.milliseconds(attempt.elapsed_time),
                attempt.error,
            ]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col == 3 and text:
                    item.setToolTip(text)
                self.attempts.setItem(row, col, item)
        self.inputs.setPlainText(fmt.pretty_json(record.inputs))
        self.outputs.setPlainText(fmt.pretty_json(record.outputs))
        self.process_data.setPlainText(fmt.pretty_json(record.process_data))

    def _set_pill(self, state: str) -> None:
        style = self._palette.state(state)
        self.pill.setText(f" {style.glyph} {style.label} ")
        self.pill.setStyleSheet(theme.pill_css(style))
        self.pill.show()
