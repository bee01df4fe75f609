"""The one orphan policy, for local and remote runs alike (ARCHITECTURE section 5).

Every running run has an owner that heartbeats: a ``run_owners`` row in the SQL
database for a run executed by a Flowdeck process, a Redis key with a TTL for a run on a
Celery worker.  When an owner's heartbeat is older than its TTL the policy, wherever it
runs (any Flowdeck, any worker):

1. sends ``terminate`` to the owner (the ``run_commands`` row it polls, or its Redis
   command list), so an owner that was only stalled stops when it wakes;
2. records the run :attr:`RunStatus.INTERRUPTED` with :data:`FINAL_SEQ`, and every
   non-final node record of it :attr:`NodeStatus.TERMINATED`, also with :data:`FINAL_SEQ`;
   the stores refuse any later write over a final status whatever its seq, so the owner,
   if it wakes, can no longer change it.

Both steps happen in one atomic write per site (one SQL transaction, one Redis script),
guarded by what the sweep read, so any number of sweepers mark a run once and an owner
that spoke up meanwhile is left alone.  Paused runs are never swept: their snapshot lets
them be resumed (a reader still sees a paused run with a silent owner as interrupted,
:func:`seen_status`).

A site is a :class:`OwnerSite`: :class:`engine.control.sql_owners.SqlOwners` for the
SQL database, :class:`engine.remote.orphans.RedisOwners` for Redis.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from engine.status import RUN_ACTIVE, NodeStatus, RunStatus, allowed, transition

log = logging.getLogger("flowdeck.orphans")

#: the seq of what the policy records: above anything a silent owner may still have in flight
FINAL_SEQ = 2**62
#: the statuses a silent owner's run is swept from (a paused run stays resumable)
SWEPT: frozenset[RunStatus] = frozenset({RunStatus.QUEUED, RunStatus.RUNNING})
#: the node statuses the policy ends ``terminated`` (every non-final one)
NODES_ENDED: frozenset[NodeStatus] = frozenset(s for s in NodeStatus if allowed(s, NodeStatus.TERMINATED))
#: the reason in the terminate command and the error of the records
REASON = "its owner stopped reporting ({why}) and was stopped"


@dataclass(frozen=True, slots=True)
class Orphan:
    """A run whose owner is silent, as a site read it (``mark``: what its write is guarded by)."""

    run_id: str
    status: RunStatus
    mark: int | str
    why: str


class OwnerSite(Protocol):
    """Where owners heartbeat and runs are recorded: the SQL database, or Redis."""

    def silent_owners(self, now: float) -> list[Orphan]:
        """The runs in :data:`SWEPT` whose owner's heartbeat is older than its TTL."""
        ...

    def interrupt(self, orphan: Orphan, reason: str, at: float) -> bool:
        """Atomically: terminate to the owner, the run interrupted, its open nodes terminated.

        False when the run moved on since it was read (its owner spoke, or another sweeper
        was first): nothing is written then.
        """
        ...


def seen_status(status: RunStatus | None, owner_alive: bool) -> RunStatus | None:
    """The status a reader should show: an active run whose owner is silent is interrupted."""
    if status in RUN_ACTIVE and not owner_alive:
        return RunStatus.INTERRUPTED
    return status


def should_interrupt(status: RunStatus | None, owner_alive: bool) -> bool:
    """The decision: a swept status and a silent owner."""
    return status in SWEPT and not owner_alive


def reason_of(why: str) -> str:
    return REASON.format(why=why)


class OrphanPolicy:
    """``OrphanPolicy(site, ...).sweep()``: interrupt every run whose owner is silent; their ids."""

    def __init__(self, *sites: OwnerSite, clock: Callable[[], float] = time.time) -> None:
        self.sites = sites
        self._clock = clock

    def sweep(self) -> list[str]:
        swept: list[str] = []
        for site in self.sites:
            now = self._clock()
            for orphan in site.silent_owners(now):
                if not should_interrupt(orphan.status, owner_alive=False):
                    continue
                transition(orphan.status, RunStatus.INTERRUPTED, subject=f"run {orphan.run_id}")
                if site.interrupt(orphan, reason_of(orphan.why), now):
                    swept.append(orphan.run_id)
        if swept:
            log.warning("interrupted %d run(s) whose owner stopped reporting: %s", len(swept), swept)
        return swept
