"""The one state machine of runs and nodes.

Every status a run or a node can have is a member of :class:`RunStatus` or
:class:`NodeStatus`; :data:`RUN_TRANSITIONS` and :data:`NODE_TRANSITIONS` say
which status may follow which, and :func:`transition` (raising) and
:func:`accept` (logging) are the only ways a writer changes one.  Every writer
goes through them: the dispatcher, the lifecycle manager, the SQL and Celery
stores, the orphan sweep, the CLI and the console.

Terminal statuses are final: nothing follows them, whatever the ``seq`` of the
write that tries.  Staying in a non-terminal status is allowed (a running run
whose totals grow is still ``running``); staying in a terminal one is not a
change and is refused like any other write over a final state (a replayed
record writes nothing new).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from enum import StrEnum
from typing import TypeVar

log = logging.getLogger("flowdeck.status")


class RunStatus(StrEnum):
    QUEUED = "queued"  # sent to a worker, not started yet
    RUNNING = "running"
    PAUSED = "paused"
    SUCCEEDED = "succeeded"
    PARTIAL_SUCCEEDED = "partial-succeeded"
    FAILED = "failed"
    TERMINATED = "terminated"
    INTERRUPTED = "interrupted"  # its owner stopped reporting and was stopped; replayable

    @property
    def is_final(self) -> bool:
        return self in RUN_TERMINAL


class NodeStatus(StrEnum):
    PENDING = "pending"  # not reached yet
    READY = "ready"  # every in-edge resolved, waiting for a worker
    RUNNING = "running"
    RETRYING = "retrying"  # a failed attempt, the next one waits on its timer
    PAUSED = "paused"  # not dispatched because its run is paused
    SUCCEEDED = "succeeded"
    EXCEPTION = "exception"  # failed, handled by an error strategy
    FAILED = "failed"
    TERMINATED = "terminated"
    SKIPPED = "skipped"  # on a branch that was not taken
    REUSED = "reused"  # a replay restored what the original run produced

    @property
    def is_final(self) -> bool:
        return self in NODE_TERMINAL


RUN_TERMINAL: frozenset[RunStatus] = frozenset(
    {
        RunStatus.SUCCEEDED,
        RunStatus.PARTIAL_SUCCEEDED,
        RunStatus.FAILED,
        RunStatus.TERMINATED,
        RunStatus.INTERRUPTED,
    }
)
RUN_ACTIVE: frozenset[RunStatus] = frozenset({RunStatus.QUEUED, RunStatus.RUNNING, RunStatus.PAUSED})

NODE_TERMINAL: frozenset[NodeStatus] = frozenset(
    {
        NodeStatus.SUCCEEDED,
        NodeStatus.EXCEPTION,
        NodeStatus.FAILED,
        NodeStatus.TERMINATED,
        NodeStatus.SKIPPED,
        NodeStatus.REUSED,
    }
)

_RUN_ENDS = RUN_TERMINAL - {RunStatus.SUCCEEDED, RunStatus.PARTIAL_SUCCEEDED}  # ends that need no work done

#: FROM -> the statuses that may follow it (``None``: the record does not exist yet)
RUN_TRANSITIONS: Mapping[RunStatus | None, frozenset[RunStatus]] = {
    None: frozenset({RunStatus.QUEUED, RunStatus.RUNNING}) | _RUN_ENDS,
    RunStatus.QUEUED: frozenset({RunStatus.QUEUED, RunStatus.RUNNING, RunStatus.PAUSED}) | _RUN_ENDS,
    RunStatus.RUNNING: frozenset({RunStatus.RUNNING, RunStatus.PAUSED}) | RUN_TERMINAL,
    RunStatus.PAUSED: frozenset({RunStatus.PAUSED, RunStatus.RUNNING}) | _RUN_ENDS,
    **{status: frozenset() for status in RUN_TERMINAL},
}

_NODE_ENDS = frozenset({NodeStatus.SUCCEEDED, NodeStatus.EXCEPTION, NodeStatus.FAILED, NodeStatus.TERMINATED})
_NODE_WAITING = frozenset({NodeStatus.PENDING, NodeStatus.READY, NodeStatus.PAUSED})

NODE_TRANSITIONS: Mapping[NodeStatus | None, frozenset[NodeStatus]] = {
    None: _NODE_WAITING | {NodeStatus.RUNNING, NodeStatus.SKIPPED, NodeStatus.REUSED} | _NODE_ENDS,
    NodeStatus.PENDING: frozenset(
        {NodeStatus.PENDING, NodeStatus.READY, NodeStatus.RUNNING, NodeStatus.PAUSED}
        | {NodeStatus.SKIPPED, NodeStatus.REUSED, NodeStatus.TERMINATED}
    ),
    NodeStatus.READY: frozenset(
        {NodeStatus.READY, NodeStatus.RUNNING, NodeStatus.PAUSED, NodeStatus.REUSED, NodeStatus.TERMINATED}
    ),
    NodeStatus.RUNNING: frozenset({NodeStatus.RUNNING, NodeStatus.RETRYING}) | _NODE_ENDS,
    NodeStatus.RETRYING: frozenset(
        {NodeStatus.RETRYING, NodeStatus.RUNNING, NodeStatus.PAUSED, NodeStatus.TERMINATED, NodeStatus.FAILED}
    ),
    NodeStatus.PAUSED: frozenset(
        {NodeStatus.PAUSED, NodeStatus.READY, NodeStatus.RUNNING, NodeStatus.RETRYING, NodeStatus.TERMINATED}
    ),
    **{status: frozenset() for status in NODE_TERMINAL},
}

S = TypeVar("S", RunStatus, NodeStatus)


class IllegalTransition(ValueError):
    """A write that the transition table refuses (most often: over a final status)."""

    def __init__(self, current: StrEnum | None, target: StrEnum, subject: str) -> None:
        self.current = current
        self.target = target
        self.subject = subject
        before = "nothing" if current is None else repr(str(current))
        reason = " (final)" if current is not None and _is_final(current) else ""
        super().__init__(f"{subject}: {before}{reason} cannot become {str(target)!r}")


def _is_final(status: StrEnum) -> bool:
    return status in RUN_TERMINAL if isinstance(status, RunStatus) else status in NODE_TERMINAL


def _table(target: RunStatus | NodeStatus) -> Mapping[S | None, frozenset[S]]:
    return RUN_TRANSITIONS if isinstance(target, RunStatus) else NODE_TRANSITIONS  # type: ignore[return-value]


def allowed(current: S | None, target: S) -> bool:
    """May ``target`` follow ``current``?  (``current`` None: the record is new.)"""
    return target in _table(target).get(current, frozenset())


def transition(current: S | None, target: S, *, subject: str = "status") -> S:
    """Apply one transition: ``target`` when the table allows it, else :class:`IllegalTransition`."""
    if target not in _table(target).get(current, frozenset()):
        raise IllegalTransition(current, target, subject)
    return target


def accept(current: S | None, target: S, *, subject: str = "status") -> bool:
    """A store's variant of :func:`transition`: False (and a log line) for a refused write."""
    if target in _table(target).get(current, frozenset()):
        return True
    log.warning("refused: %s", IllegalTransition(current, target, subject))
    return False


def run_status(value: str | None) -> RunStatus | None:
    """A stored run status, read back; a malformed one raises a ValueError naming it."""
    if value is None:
        return None
    try:
        return RunStatus(value)
    except ValueError:
        raise ValueError(f"unknown run status {value!r} (expected one of {', '.join(RunStatus)})") from None


def node_status(value: str | None) -> NodeStatus | None:
    """A stored node status, read back; a malformed one raises a ValueError naming it."""
    if value is None:
        return None
    try:
        return NodeStatus(value)
    except ValueError:
        raise ValueError(f"unknown node status {value!r} (expected one of {', '.join(NodeStatus)})") from None
