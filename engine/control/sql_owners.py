"""The orphan policy's site for runs owned in a SQL database (``run_owners`` heartbeats)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine

from engine.control.orphan_policy import FINAL_SEQ, NODES_ENDED, SWEPT, Orphan
from engine.persistence.sql import orphan_sweep
from engine.scheduler.commands import TerminateCommand
from engine.status import RunStatus


class SqlOwners:
    """Owners silent for longer than ``ttl_s``, or processes of ``host`` that are gone."""

    def __init__(self, db: Engine, *, host: str, pid_alive: Callable[[int], bool], ttl_s: float) -> None:
        self.db = db
        self.host = host
        self.pid_alive = pid_alive
        self.ttl_s = ttl_s

    def silent_owners(self, now: float) -> list[Orphan]:
        found = orphan_sweep.find_silent(
            self.db, host=self.host, pid_alive=self.pid_alive, ttl_s=self.ttl_s, statuses=SWEPT, now=now
        )
        orphan_sweep.drop_dead_owner_rows(self.db, ttl_s=self.ttl_s, now=now)
        return [Orphan(run.run_id, run.status, run.seq, run.why) for run in found]

    def interrupt(self, orphan: Orphan, reason: str, at: float) -> bool:
        return orphan_sweep.end_run(
            self.db,
            orphan.run_id,
            int(orphan.mark),
            (orphan.status,),
            RunStatus.INTERRUPTED,
            reason,
            seq=FINAL_SEQ,
            node_statuses=NODES_ENDED,
            command=TerminateCommand(reason).to_dict(),
            at=at,
        )
