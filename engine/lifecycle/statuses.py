"""The old status vocabulary of the records, now only a re-export of :mod:`engine.status`.

Nothing in engine/lifecycle or engine/persistence imports it; it goes once the console
and the CLI have moved to ``engine.status`` (through ``engine.api``).
"""

from __future__ import annotations

from engine.status import NODE_TERMINAL, RUN_TERMINAL, NodeStatus, RunStatus

#: statuses after which a run record never changes again (``paused`` is not one)
TERMINAL_RUN_STATUSES = RUN_TERMINAL
#: statuses after which a node execution record never changes again
TERMINAL_NODE_STATUSES = NODE_TERMINAL
#: every final status of either kind of record
TERMINAL: frozenset[str] = frozenset(RUN_TERMINAL | NODE_TERMINAL)


def is_final(status: str) -> bool:
    return status in TERMINAL


__all__ = [
    "TERMINAL",
    "TERMINAL_NODE_STATUSES",
    "TERMINAL_RUN_STATUSES",
    "NodeStatus",
    "RunStatus",
    "is_final",
]
