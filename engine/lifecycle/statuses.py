"""Status values of run and node records, and which of them are final."""

from __future__ import annotations

from typing import ClassVar


class RunStatus:
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    PARTIAL_SUCCEEDED = "partial-succeeded"
    FAILED = "failed"
    TERMINATED = "terminated"
    PAUSED = "paused"
    INTERRUPTED = "interrupted"  # engine.status.RunStatus.INTERRUPTED (the orphan policy)

    ALL: ClassVar[frozenset[str]] = frozenset(
        {RUNNING, SUCCEEDED, PARTIAL_SUCCEEDED, FAILED, TERMINATED, PAUSED, INTERRUPTED}
    )
    TERMINAL: ClassVar[frozenset[str]] = frozenset(
        {SUCCEEDED, PARTIAL_SUCCEEDED, FAILED, TERMINATED, INTERRUPTED}
    )


class NodeStatus:
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    EXCEPTION = "exception"
    TERMINATED = "terminated"
    SKIPPED = "skipped"

    ALL: ClassVar[frozenset[str]] = frozenset({RUNNING, SUCCEEDED, FAILED, EXCEPTION, TERMINATED, SKIPPED})
    TERMINAL: ClassVar[frozenset[str]] = frozenset({SUCCEEDED, FAILED, EXCEPTION, TERMINATED, SKIPPED})


#: statuses after which a run record never changes again (``paused`` is not one)
TERMINAL_RUN_STATUSES = RunStatus.TERMINAL
#: statuses after which a node execution record never changes again
TERMINAL_NODE_STATUSES = NodeStatus.TERMINAL
#: every final status of either kind of record
TERMINAL: frozenset[str] = RunStatus.TERMINAL | NodeStatus.TERMINAL


def is_final(status: str) -> bool:
    return status in TERMINAL
