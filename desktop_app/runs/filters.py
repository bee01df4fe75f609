"""The runs list's filter bar: status chips, workflow, time window and a debounced text search.

It holds no query logic: :meth:`FilterBar.selection` says what the operator picked and
``changed`` fires when that changes (at once for chips and combos, 250 ms after the
last keystroke for the search).  Escape in the search field clears it.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QSize, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QKeyEvent, QResizeEvent
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLayout,
    QLineEdit,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app import theme
from desktop_app.states import RUN_CHIPS
from engine.api import RunStatus

SEARCH_DEBOUNCE_MS = 250
ALL_WORKFLOWS = "All workflows"

#: the chips, in the order they are shown
CHIP_STATUSES: tuple[RunStatus, ...] = RUN_CHIPS

#: the time windows of the "since" combo: label -> seconds back from now (None: all)
SINCE_CHOICES: tuple[tuple[str, float | None], ...] = (
    ("Last 15 min", 15 * 60.0),
    ("Last hour", 3600.0),
    ("Last 24 h", 86400.0),
    ("Last 7 days", 7 * 86400.0),
    ("All time", None),
)


@dataclass(frozen=True, slots=True)
class FilterSelection:
    statuses: tuple[RunStatus, ...] = ()
    workflow_name: str | None = None
    since_seconds: float | None = None
    text: str | None = None


class SearchEdit(QLineEdit):
    """A line edit that Escape clears."""

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape and self.text():
            self.clear()
            event.accept()
            return
        super().keyPressEvent(event)


class FilterBar(QWidget):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None, *, dark: bool = False) -> None:
        super().__init__(parent)
        self._dark = dark
        self._counts: dict[str, int] = {}
        self.chips: dict[RunStatus, QToolButton] = {}
        # the chips' box asks for no width of its own: a narrow pane shows them on two rows
        self._chip_box = QWidget(self)
        self._chip_box.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self._chip_grid = QGridLayout(self._chip_box)
        self._chip_grid.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        self._chip_grid.setContentsMargins(0, 0, 0, 0)
        self._chip_grid.setHorizontalSpacing(4)
        self._chip_grid.setVerticalSpacing(4)
        self._chip_columns = 0
        for status in CHIP_STATUSES:
            chip = QToolButton(self._chip_box)
            chip.setCheckable(True)
            chip.setObjectName(f"chip-{status}")
            chip.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            chip.setCursor(Qt.CursorShape.PointingHandCursor)
            chip.setToolTip(f"show {status} runs (several chips: any of them)")
            chip.toggled.connect(self._emit_changed)
            self.chips[status] = chip

        self.workflow = QComboBox(self)
        self.workflow.setObjectName("workflow-filter")
        self.workflow.addItem(ALL_WORKFLOWS, None)
        self.workflow.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.workflow.setMinimumContentsLength(14)
        self.workflow.currentIndexChanged.connect(self._emit_changed)

        self.since = QComboBox(self)
        self.since.setObjectName("since-filter")
        for label, seconds in SINCE_CHOICES:
            self.since.addItem(label, seconds)
        self.since.setCurrentIndex(len(SINCE_CHOICES) - 1)
        self.since.currentIndexChanged.connect(self._emit_changed)

        self.search = SearchEdit(self)
        self.search.setObjectName("run-search")
        self.search.setPlaceholderText("Search id, workflow, error, inputs…  (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(SEARCH_DEBOUNCE_MS)
        self._debounce.timeout.connect(self._emit_changed)
        self.search.textChanged.connect(self._debounce.start)

        combos_row = QHBoxLayout()
        combos_row.setContentsMargins(0, 0, 0, 0)
        combos_row.setSpacing(6)
        combos_row.addWidget(self.workflow)
        combos_row.addWidget(self.since)
        combos_row.addWidget(self.search, 1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 6)
        layout.setSpacing(6)
        layout.addWidget(self._chip_box)
        layout.addLayout(combos_row)
        self._style_chips()
        self._flow_chips(len(CHIP_STATUSES))
        three = sorted(chip.sizeHint().width() for chip in self.chips.values())[-3:]
        self._chip_box.setMinimumWidth(sum(three) + 8)

    # ------------------------------------------------------------ public API
    def selection(self) -> FilterSelection:
        statuses = tuple(s for s, chip in self.chips.items() if chip.isChecked())
        text = self.search.text().strip()
        return FilterSelection(
            statuses=statuses,
            workflow_name=self.workflow.currentData(),
            since_seconds=self.since.currentData(),
            text=text or None,
        )

    def workflow_names(self) -> list[str]:
        """The names the workflow filter offers."""
        return [self.workflow.itemData(i) for i in range(1, self.workflow.count())]

    def set_workflow_names(self, names: list[str]) -> None:
        """Offer these names (the current choice stays, even when not among them)."""
        current = self.workflow.currentData()
        wanted = sorted(set(names) | ({current} if current else set()))
        present = [self.workflow.itemData(i) for i in range(1, self.workflow.count())]
        if present == wanted:
            return
        self.workflow.blockSignals(True)
        try:
            while self.workflow.count() > 1:
                self.workflow.removeItem(1)
            for name in wanted:
                self.workflow.addItem(name, name)
            self.workflow.setCurrentIndex(self.workflow.findData(current) if current else 0)
        finally:
            self.workflow.blockSignals(False)

    def set_counts(self, counts: dict[str, int]) -> None:
        """Runs per status under the other filters, shown on the chips."""
        if counts != self._counts:
            self._counts = dict(counts)
            self._label_chips()

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def set_dark(self, dark: bool) -> None:
        if dark != self._dark:
            self._dark = dark
            self._style_chips()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._flow_chips(self._columns_for(event.size().width()))

    # ------------------------------------------------------------ internals
    def _columns_for(self, width: int) -> int:
        """All chips on one row when they fit, else as few rows as fit, evenly filled (at least 3 a row)."""
        n = len(CHIP_STATUSES)
        needed = sum(chip.sizeHint().width() + 4 for chip in self.chips.values()) + 16
        if width >= needed:
            return n
        widths = [chip.sizeHint().width() for chip in self.chips.values()]
        fit = 3
        for columns in range(n - 1, 3, -1):
            grid = sum(max(widths[c::columns]) for c in range(columns)) + 4 * (columns - 1) + 16
            if grid <= width:
                fit = columns
                break
        rows = -(-n // fit)
        return -(-n // rows)

    def _flow_chips(self, columns: int) -> None:
        if columns == self._chip_columns:
            return
        self._chip_columns = columns
        grid = self._chip_grid
        for chip in self.chips.values():
            grid.removeWidget(chip)
        for i, chip in enumerate(self.chips.values()):
            grid.addWidget(chip, i // columns, i % columns)
        for column in range(len(CHIP_STATUSES) + 1):
            grid.setColumnStretch(column, 0)
        grid.setColumnStretch(columns, 1)  # chips packed to the left
        self._chip_box.setMinimumHeight(self._chip_grid.sizeHint().height())
        self._chip_box.updateGeometry()

    @Slot()
    def _emit_changed(self) -> None:
        self._debounce.stop()
        self.changed.emit()

    def _label_chips(self) -> None:
        pal = theme.palette(self._dark)
        for status, chip in self.chips.items():
            style = pal.state(status)
            count = self._counts.get(status)
            text = f"{style.glyph} {style.label}" + (f"  {count:,}" if count is not None else "")
            if chip.text() != text:
                chip.setText(text)
        if self.isVisible():  # counts widen the chips: fewer may fit a row
            self._flow_chips(self._columns_for(self.width()))

    def _style_chips(self) -> None:
        pal = theme.palette(self._dark)
        for status, chip in self.chips.items():
            style = pal.state(status)
            chip.setStyleSheet(
                f"QToolButton {{ border: 1px solid {pal.grid}; border-radius: 11px; padding: 2px 9px;"
                f" color: {style.border}; background: {pal.panel}; font-weight: 600; }}"
                f" QToolButton:hover {{ border-color: {style.border}; }}"
                f" QToolButton:checked {{ background: {style.fill}; color: {style.text};"
                f" border-color: {style.border}; }}"
            )
            chip.setMinimumSize(QSize(0, 24))
        self._label_chips()
