"""The strip above the canvas: which run this is and how it stands, live.

Workflow name, run id, a status pill, started, elapsed (ticking while the run goes),
steps, tokens, exceptions, the run it replays; the run's error on a line of its own;
and a banner for the outcome of the operator's last action on this run.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from desktop_app import formatting as fmt
from desktop_app import theme
from desktop_app.states import run_final
from engine.api import NodeExecution, NodeStatus, RunStatus, WorkflowExecution

_SHOWS_ERROR = frozenset({RunStatus.FAILED, RunStatus.TERMINATED, RunStatus.INTERRUPTED})
_UNFINISHED = frozenset({NodeStatus.RUNNING, NodeStatus.SKIPPED})  # not counted as steps done


class RunHeader(QWidget):
    def __init__(self, parent: QWidget | None = None, *, dark: bool = False) -> None:
        super().__init__(parent)
        self._palette = theme.palette(dark)
        self._run: WorkflowExecution | None = None
        self._live_totals = (0, 0)  # steps, tokens of a running run, from its node records
        self.title = QLabel("No run selected")
        self.title.setObjectName("runTitle")
        self.pill = QLabel("")
        self.pill.hide()
        self.facts = QLabel("Pick a run on the left, or start one with Run… (Ctrl+R).")
        self.facts.setObjectName("muted")
        self.facts.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error = QLabel("")
        self.error.setObjectName("errorText")
        self.error.setWordWrap(True)
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error.hide()
        self.banner = QFrame()
        self.banner.setObjectName("banner")
        self.banner_text = QLabel("")
        self.banner_text.setWordWrap(True)
        banner_row = QHBoxLayout(self.banner)
        banner_row.setContentsMargins(10, 6, 10, 6)
        banner_row.addWidget(self.banner_text)
        self.banner.hide()

        top = QHBoxLayout()
        top.setSpacing(10)
        top.addWidget(self.title)
        top.addWidget(self.pill)
        top.addStretch(1)
        col = QVBoxLayout(self)
        col.setContentsMargins(12, 8, 12, 6)
        col.setSpacing(4)
        col.addLayout(top)
        col.addWidget(self.facts)
        col.addWidget(self.error)
        col.addWidget(self.banner)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)

    @property
    def run(self) -> WorkflowExecution | None:
        """The run shown (None: none)."""
        return self._run

    def show_run(self, run: WorkflowExecution | None) -> None:
        if run is not self._run and (run is None or self._run is None or run.id != self._run.id):
            self.banner.hide()
            self._live_totals = (0, 0)
        self._run = run
        self.tick()

    def count_live(self, records: Sequence[NodeExecution]) -> None:
        """A running run's steps and tokens so far, from its node records (its own are written at the end)."""
        done = [r for r in records if r.status not in _UNFINISHED]
        self._live_totals = (len(done), sum(fmt.tokens_of(r.metadata) for r in done))
        self.tick()

    def tick(self) -> None:
        """Refresh the text (the elapsed time of a running run moves)."""
        run = self._run
        if run is None:
            self.title.setText("No run selected")
            self.pill.hide()
            self.facts.setText("Pick a run on the left, or start one with Run… (Ctrl+R).")
            self.error.hide()
            return
        self.title.setText(run.workflow_name or run.workflow_id)
        style = self._palette.state(run.status)
        self.pill.setText(f" {style.glyph} {run.status} ")
        self.pill.setStyleSheet(theme.pill_css(style))
        self.pill.show()
        final = run_final(run)
        stopped = final or run.status == RunStatus.PAUSED
        elapsed = run.elapsed_time if stopped else time.time() - run.started_at
        steps, tokens = run.total_steps, run.total_tokens
        if not final and not steps:  # the record's totals are written at the end
            steps, tokens = self._live_totals
        parts = [
            f"run {fmt.short_id(run.id)}",
            f"started {fmt.clock(run.started_at)}",
            f"elapsed {fmt.duration(elapsed)}",
            f"{steps} steps",
            f"{tokens:,} tokens",
        ]
        if run.exceptions_count:
            plural = "s" if run.exceptions_count != 1 else ""
            parts.append(f"{run.exceptions_count} handled exception{plural}")
        if run.replay_of:
            parts.append(f"replay of {fmt.short_id(run.replay_of)}")
        parts.append(run.triggered_from)
        self.facts.setText("  ·  ".join(parts))
        if run.error and run.status in _SHOWS_ERROR:
            self.error.setText(run.error)
            self.error.show()
        else:
            self.error.hide()

    def show_banner(self, level: str, text: str) -> None:
        warning = self._palette.state(NodeStatus.EXCEPTION).fill
        colour = {"info": self._palette.accent, "warning": warning}.get(level, self._palette.danger)
        self.banner.setStyleSheet(
            f"QFrame#banner {{ border: 1px solid {colour}; background: {self._palette.panel_alt}; }}"
        )
        self.banner_text.setText(text)
        self.banner.show()

    def banner_message(self) -> str:
        return self.banner_text.text() if self.banner.isVisible() else ""

    def set_dark(self, dark: bool) -> None:
        self._palette = theme.palette(dark)
        self.tick()
