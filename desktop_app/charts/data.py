"""What the charts draw, computed from run records (pure Python, no Qt).

Every chart turns records into plain rows here first, so tests compare the very
numbers that are drawn, and the widgets only map rows to bars.  Times are seconds
since the run started (``run.started_at``).
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from desktop_app.run_state import display_state
from engine.api import RUN_ACTIVE, DurationPoint, NodeExecution, NodeStatus, WorkflowExecution

#: run statuses whose elapsed time is not final (left out of p50/p95)
_OPEN_RUN_STATUSES = RUN_ACTIVE


@dataclass(frozen=True, slots=True)
class Segment:
    """One attempt of one node execution on the timeline."""

    row: int
    node_id: str
    attempt: int  # attempt index (0 = first try)
    start: float  # seconds since the run started
    end: float
    status: str  # a theme state: failed, succeeded, exception, running, retrying, ...
    error: str = ""
    retried: bool = False  # a failed try that was followed by another one
    live: bool = False  # still running: grows up to ``now``
    untried: bool = False  # no try was recorded: the execution's whole span (its run was interrupted)

    def as_tuple(self) -> tuple[str, int, float, float, str]:
        return (self.node_id, self.attempt, self.start, self.end, self.status)


@dataclass(frozen=True, slots=True)
class Row:
    node_id: str
    label: str
    state: str  # display state of the execution


@dataclass(frozen=True, slots=True)
class DurationBar:
    node_id: str
    label: str
    queue_wait: float
    run: float
    state: str

    @property
    def total(self) -> float:
        return self.queue_wait + self.run


@dataclass(frozen=True, slots=True)
class RetryBar:
    node_id: str
    label: str
    retries: int
    failed_time: float  # seconds spent in the attempts that were retried


def row_label(record: NodeExecution) -> str:
    """The node title; iteration/loop children carry their round (1-based)."""
    label = record.title or record.node_id
    round_index = record.metadata.get("container_index")
    if isinstance(round_index, int):
        label = f"{label} · round {round_index + 1}"
    if record.metadata.get("reused_from"):
        label = f"{label} ↺"
    return label


def charted_records(records: Sequence[NodeExecution]) -> list[NodeExecution]:
    """Executions that did (or do) work, in the order they started; skipped ones have no bars."""
    kept = [r for r in records if r.status != NodeStatus.SKIPPED]
    return sorted(kept, key=lambda r: (r.created_at, r.index))


def _clock(run: WorkflowExecution, now: float | None) -> float:
    """The time running bars grow to: ``now``, or the run's end once it is over."""
    if run.finished_at is not None and run.status not in _OPEN_RUN_STATUSES:
        return run.finished_at
    return time.time() if now is None else now


def timeline(
    run: WorkflowExecution, records: Sequence[NodeExecution], now: float | None = None
) -> tuple[list[Row], list[Segment]]:
    """One row per execution, one segment per attempt; a running attempt ends at ``now``."""
    t0 = run.started_at
    clock = _clock(run, now)
    rows: list[Row] = []
    segments: list[Segment] = []
    for row, record in enumerate(charted_records(records)):
        state = display_state(record, run_status=run.status)
        rows.append(Row(record.node_id, row_label(record), state))
        for attempt in record.attempts:
            end = attempt.finished_at if attempt.finished_at is not None else clock
            segments.append(
                Segment(
                    row=row,
                    node_id=record.node_id,
                    attempt=attempt.index,
                    start=attempt.started_at - t0,
                    end=max(attempt.started_at, end) - t0,
                    status=attempt.status,
                    error=attempt.error,
                    retried=attempt.index < record.retry_count,
                    live=attempt.finished_at is None,
                )
            )
        if record.status == NodeStatus.RUNNING and all(a.finished_at is not None for a in record.attempts):
            # the try in progress is recorded only when it ends: draw it from the previous end
            start = record.attempts[-1].finished_at if record.attempts else record.created_at
            assert start is not None
            segments.append(
                Segment(
                    row=row,
                    node_id=record.node_id,
                    attempt=len(record.attempts),
                    start=start - t0,
                    end=max(start, clock) - t0,
                    status=state,
                    live=True,
                )
            )
        elif record.finished_at is not None and not record.attempts and not _reused(record):
            # ended with no try recorded (its run was interrupted while it ran): its whole span
            segments.append(
                Segment(
                    row=row,
                    node_id=record.node_id,
                    attempt=0,
                    start=record.created_at - t0,
                    end=max(record.created_at, record.finished_at) - t0,
                    status=state,
                    error=record.error or "",
                    untried=True,
                )
            )
    return rows, segments


def _reused(record: NodeExecution) -> bool:
    return bool(record.metadata.get("reused_from"))


def durations(
    run: WorkflowExecution,
    records: Sequence[NodeExecution],
    now: float | None = None,
    *,
    limit: int | None = None,
) -> list[DurationBar]:
    """Queue wait (ready -> started) and run time (started -> finished) per execution, slowest first.

    ``limit``: only the slowest ``limit`` executions (a big run's chart stays cheap to build).
    """
    clock = _clock(run, now)
    timed: list[tuple[float, float, NodeExecution]] = []
    for record in charted_records(records):
        if record.metadata.get("reused_from"):
            continue  # restored, no work done
        run_time = max(0.0, clock - record.created_at) if record.finished_at is None else record.elapsed_time
        timed.append((record.queue_wait + run_time, run_time, record))
    if limit is not None and len(timed) > limit:
        timed = heapq.nlargest(limit, timed, key=lambda t: t[0])
    bars = [
        DurationBar(r.node_id, row_label(r), r.queue_wait, run_time, display_state(r, run_status=run.status))
        for _total, run_time, r in timed
    ]
    bars.sort(key=lambda b: (-b.total, b.label))
    return bars


def latest(records: Sequence[NodeExecution], limit: int) -> tuple[list[NodeExecution], int]:
    """The ``limit`` executions that started last (charted ones only), and how many there are in all."""
    charted = charted_records(records)
    return charted[-limit:], len(charted)


def retries(records: Sequence[NodeExecution]) -> list[RetryBar]:
    """Executions that were retried, most retries first, with the time their failed tries took."""
    bars: list[RetryBar] = []
    for record in charted_records(records):
        if record.retry_count <= 0:
            continue
        failed = sum(a.elapsed_time or 0.0 for a in record.attempts if a.index < record.retry_count)
        bars.append(RetryBar(record.node_id, row_label(record), record.retry_count, failed))
    bars.sort(key=lambda b: (-b.retries, -b.failed_time, b.label))
    return bars


def percentiles(points: Sequence[DurationPoint]) -> tuple[float, float] | None:
    """p50 and p95 (linear interpolation) of the finished runs' elapsed times."""
    values = [p.elapsed_time for p in points if p.status not in _OPEN_RUN_STATUSES]
    if not values:
        return None
    p50, p95 = np.percentile(np.asarray(values, dtype=float), [50.0, 95.0])
    return float(p50), float(p95)


def format_seconds(seconds: float) -> str:
    if seconds < 1.0:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 120.0:
        return f"{seconds:.2f} s"
    minutes, rest = divmod(seconds, 60.0)
    if minutes < 60:
        return f"{minutes:.0f} m {rest:02.0f} s"
    hours, minutes = divmod(minutes, 60.0)
    return f"{hours:.0f} h {minutes:02.0f} m"
