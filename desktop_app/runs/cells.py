"""What each cell of the runs list shows: columns, roles, text, colours (built once per palette)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont

from desktop_app import theme
from desktop_app.runs import formatting as fmt
from engine.api import NodeStatus, RunStatus, WorkflowExecution

COLUMNS: tuple[str, ...] = (
    "Status",
    "Workflow",
    "Started",
    "Elapsed",
    "Steps",
    "Tokens",
    "Retries",
    "Trigger",
    "Replay of",
)
STATUS, WORKFLOW, STARTED, ELAPSED, STEPS, TOKENS, RETRIES, TRIGGERED, REPLAY_OF = range(len(COLUMNS))
RIGHT_ALIGNED = frozenset({ELAPSED, STEPS, TOKENS, RETRIES})
RUN_ROLE = int(Qt.ItemDataRole.UserRole) + 1  # the WorkflowExecution of a row (None while loading)
DISPLAY = int(Qt.ItemDataRole.DisplayRole)
FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
ALIGN = int(Qt.ItemDataRole.TextAlignmentRole)
FONT = int(Qt.ItemDataRole.FontRole)
TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
ROLES = frozenset({DISPLAY, FOREGROUND, ALIGN, FONT, TOOLTIP, RUN_ROLE})
ALIGN_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
ALIGN_LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
MUTED = frozenset({RETRIES, TRIGGERED, REPLAY_OF, STARTED})


class RunCells:
    """Cell contents of one run for a palette; colours and fonts are made once, not per paint."""

    def __init__(self, dark: bool = False, retries: dict[str, int] | None = None) -> None:
        self._retries = retries if retries is not None else {}  # run id -> retries, from the pages read
        self._palette = theme.palette(dark)
        self._colors: dict[str, QColor] = {}
        self._muted = QColor(self._palette.text_muted)
        self._bold = QFont()
        self._bold.setWeight(QFont.Weight.DemiBold)

    def data(self, run: WorkflowExecution, column: int, role: int) -> Any:
        if role == DISPLAY:
            return self.display(run, column)
        if role == FOREGROUND:
            if column == STATUS:
                return self.status_color(run.status)
            return self._muted if column in MUTED else None
        if role == ALIGN:
            return ALIGN_RIGHT if column in RIGHT_ALIGNED else ALIGN_LEFT
        if role == FONT:
            return self._bold if column == STATUS else None
        if role == RUN_ROLE:
            return run
        if role == TOOLTIP:
            return self.tooltip(run, column)
        return None

    def placeholder(self, column: int, role: int) -> Any:
        """A row whose page is on its way."""
        if role == DISPLAY:
            return fmt.PLACEHOLDER if column in (STATUS, WORKFLOW) else ""
        return self._muted if role == FOREGROUND else None

    def display(self, run: WorkflowExecution, column: int) -> str:
        if column == STATUS:
            style = self._palette.state(run.status)
            return f"{style.glyph}  {style.label}"
        if column == WORKFLOW:
            return run.workflow_name or run.workflow_id
        if column == STARTED:
            return fmt.format_started(run.started_at)
        if column == ELAPSED:
            return fmt.format_duration(fmt.elapsed_seconds(run))
        if column in (STEPS, TOKENS) and run.status == RunStatus.RUNNING and not run.total_steps:
            return "…"  # the record's totals are written when the run pauses or ends
        if column == STEPS:
            return str(run.total_steps)
        if column == TOKENS:
            return fmt.format_count(run.total_tokens)
        if column == RETRIES:
            return str(self._retries.get(run.id, 0))
        if column == TRIGGERED:
            return run.triggered_from
        return fmt.short_id(run.replay_of) if run.replay_of else ""

    def tooltip(self, run: WorkflowExecution, column: int) -> str:
        if column == STARTED:
            return fmt.format_timestamp(run.started_at)
        if column == REPLAY_OF and run.replay_of:
            return f"replay of {run.replay_of}"
        if column == RETRIES:
            return "failed attempts that were retried, over all the run's nodes"
        text = f"{run.id}\n{run.workflow_name or run.workflow_id} · {run.status}"
        return f"{text}\n{run.error}" if run.error else text

    def status_color(self, status: str) -> QColor:
        color = self._colors.get(status)
        if color is None:
            style = self._palette.state(status)
            color = QColor(style.border if status != NodeStatus.PENDING else self._palette.text_muted)
            self._colors[status] = color
        return color
