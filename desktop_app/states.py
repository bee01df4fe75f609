"""Which engine statuses the console treats alike (all members of engine.status, via engine.api).

Nothing here spells a status: the console shows what :class:`RunStatus` and
:class:`NodeStatus` name, and groups them for its actions, chips and looks.
"""

from __future__ import annotations

from engine.api import RUN_ACTIVE, RUN_TERMINAL, NodeStatus, RunStatus, WorkflowExecution

#: the runs list's status chips, in the order they are shown (statuses run records carry:
#: a queued run has no record yet)
RUN_CHIPS: tuple[RunStatus, ...] = (
    RunStatus.RUNNING,
    RunStatus.PAUSED,
    RunStatus.SUCCEEDED,
    RunStatus.PARTIAL_SUCCEEDED,
    RunStatus.FAILED,
    RunStatus.TERMINATED,
    RunStatus.INTERRUPTED,
)

#: a run in one of these can be terminated, paused or resumed
RUN_CONTROLLABLE: frozenset[RunStatus] = frozenset({RunStatus.RUNNING, RunStatus.PAUSED})
#: a run in one of these can be rerun (every final status, interrupted included)
RUN_REPLAYABLE: frozenset[RunStatus] = RUN_TERMINAL
#: a run in one of these can be replayed from its failure (something did not succeed)
RUN_FROM_FAILURE: frozenset[RunStatus] = RUN_TERMINAL - {RunStatus.SUCCEEDED}

#: node display states whose look changes with the run's (a paused run pauses them) and the clock
NODE_ACTIVE: frozenset[NodeStatus] = frozenset({NodeStatus.RUNNING, NodeStatus.RETRYING, NodeStatus.PAUSED})
#: node display states whose card ticks while it works
NODE_WORKING: frozenset[NodeStatus] = frozenset({NodeStatus.RUNNING, NodeStatus.RETRYING})


def run_final(run: WorkflowExecution | None) -> bool:
    """The run's record will not change again (interrupted included)."""
    return run is not None and run.status in RUN_TERMINAL


def run_open(status: str | None) -> bool:
    """A run in this status has not ended (queued, running, paused)."""
    return status in RUN_ACTIVE
