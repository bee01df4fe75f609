"""How the runs list writes times, durations and numbers (pure functions, no Qt)."""

from __future__ import annotations

import time
from datetime import datetime

from desktop_app.states import run_open
from engine.api import WorkflowExecution

PLACEHOLDER = "…"
NOTHING = "—"


def elapsed_seconds(run: WorkflowExecution, now: float | None = None) -> float:
    """The run's elapsed time; live (from ``started_at`` to now) while it runs or is paused."""
    if run.finished_at is None and run_open(run.status):
        current = time.time() if now is None else now
        return max(0.0, current - run.started_at, run.elapsed_time)
    if run.elapsed_time:
        return run.elapsed_time
    if run.finished_at is not None:
        return max(0.0, run.finished_at - run.started_at)
    return 0.0


def format_duration(seconds: float) -> str:
    """``00:41`` under an hour, ``3:12:05`` from an hour on (whole seconds, rounded down)."""
    total = max(0, int(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes:02d}:{secs:02d}"


def format_started(started_at: float, now: float | None = None) -> str:
    """Relative for today (``12 s ago``, ``5 min ago``, ``3 h ago``), else the local date and time."""
    current = time.time() if now is None else now
    when = datetime.fromtimestamp(started_at)
    today = datetime.fromtimestamp(current).date()
    ago = current - started_at
    if when.date() == today and ago >= 0:
        if ago < 60:
            return f"{int(ago)} s ago"
        if ago < 3600:
            return f"{int(ago // 60)} min ago"
        return f"{int(ago // 3600)} h ago · {when:%H:%M}"
    if when.year == today.year:
        return f"{when:%b %d %H:%M}"
    return f"{when:%Y-%m-%d %H:%M}"


def format_timestamp(started_at: float) -> str:
    """The full local time, for tooltips."""
    return datetime.fromtimestamp(started_at).strftime("%Y-%m-%d %H:%M:%S %Z").strip()


def format_count(value: int) -> str:
    return f"{value:,}".replace(",", " ") if value else "0"


def short_id(run_id: str | None) -> str:
    return run_id[:8] if run_id else NOTHING
