"""The SQL side of the orphan policy (:mod:`engine.control.orphan_policy`): find, then end in one go.

:func:`find_silent` lists the runs whose owner row's heartbeat is older than the TTL (or
whose owner is a process of this host that no longer exists).  :func:`end_run` ends one
run in one transaction, guarded by the ``status`` and ``seq`` the caller read (a
compare-and-set: if the owner wrote meanwhile, or another sweeper was first, nothing is
written):

- the run record gets the given final status, error, ``finished_at`` and ``seq``;
- its node records still in one of ``node_statuses`` end ``terminated`` with the same seq;
- a ``run_commands`` row carries ``command`` to the owner (a stalled owner stops when it wakes);
- the owner row goes.

The policy ends a silent owner's run ``interrupted`` with a final seq; the facade ends the
run of a gone owner ``terminated`` the same way (``Control.terminate``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, case, delete, insert, select, update

from engine.persistence.sql.models import NodeExecutionRow, RunCommandRow, RunOwnerRow, WorkflowRunRow
from engine.status import RUN_ACTIVE, NodeStatus, RunStatus, run_status


@dataclass(frozen=True, slots=True)
class SilentRun:
    run_id: str
    status: RunStatus
    seq: int
    why: str


def find_silent(
    engine: Engine,
    *,
    host: str,
    pid_alive: Callable[[int], bool],
    ttl_s: float,
    statuses: Collection[RunStatus],
    now: float | None = None,
) -> list[SilentRun]:
    """The runs in ``statuses`` whose owner is silent for longer than ``ttl_s`` (or gone from this host)."""
    now = time.time() if now is None else now
    stmt = (
        select(
            WorkflowRunRow.id,
            WorkflowRunRow.status,
            WorkflowRunRow.seq,
            RunOwnerRow.host,
            RunOwnerRow.pid,
            RunOwnerRow.heartbeat_at,
        )
        .join(RunOwnerRow, RunOwnerRow.run_id == WorkflowRunRow.id)
        .where(WorkflowRunRow.status.in_([str(s) for s in statuses]))
        .where((RunOwnerRow.heartbeat_at < now - ttl_s) | (RunOwnerRow.host == host))
    )
    with engine.connect() as conn:
        rows = conn.execute(stmt).all()
    found: list[SilentRun] = []
    for row in rows:
        status = run_status(row.status)
        assert status is not None
        if row.heartbeat_at < now - ttl_s:
            why = (
                f"no heartbeat from pid {row.pid} on {row.host} for {now - row.heartbeat_at:.1f} s"
                if row.heartbeat_at > 0
                else f"pid {row.pid} on {row.host} let go of it"
            )
            found.append(SilentRun(row.id, status, row.seq, why))
        elif row.host == host and not pid_alive(row.pid):
            found.append(SilentRun(row.id, status, row.seq, f"its process (pid {row.pid}) is gone"))
    return found


def end_run(
    engine: Engine,
    run_id: str,
    seen_seq: int,
    from_statuses: Collection[RunStatus],
    status: RunStatus,
    reason: str,
    *,
    seq: int,
    node_statuses: Collection[NodeStatus],
    command: Mapping[str, Any],
    at: float | None = None,
) -> bool:
    """End the run ``status`` (see the module doc) if it is still at ``seen_seq``; True if written."""
    at = time.time() if at is None else at
    runs = WorkflowRunRow.__table__
    nodes = NodeExecutionRow.__table__
    with engine.begin() as conn:
        written = conn.execute(
            update(runs)
            .where(
                runs.c.id == run_id,
                runs.c.seq == seen_seq,
                runs.c.status.in_([str(s) for s in from_statuses]),
            )
            .values(
                status=str(status),
                error=reason,
                finished_at=at,
                # a running run ran until now; a paused one keeps the time it had run
                elapsed_time=case(
                    (runs.c.status == str(RunStatus.RUNNING), at - runs.c.started_at),
                    else_=runs.c.elapsed_time,
                ),
                seq=seq,
            )
        )
        if written.rowcount != 1:
            return False
        conn.execute(
            update(nodes)
            .where(nodes.c.run_id == run_id, nodes.c.status.in_([str(s) for s in node_statuses]))
            .values(
                status=str(NodeStatus.TERMINATED),
                error=reason,
                finished_at=at,
                elapsed_time=at - nodes.c.created_at,
                seq=seq,
            )
        )
        conn.execute(insert(RunCommandRow).values(run_id=run_id, command=dict(command), created_at=at))
        conn.execute(delete(RunOwnerRow).where(RunOwnerRow.run_id == run_id))
    return True


def drop_dead_owner_rows(engine: Engine, *, ttl_s: float, now: float | None = None) -> int:
    """Remove owner rows nobody beats for whose run is not active (or was never recorded)."""
    now = time.time() if now is None else now
    live = select(WorkflowRunRow.id).where(WorkflowRunRow.status.in_([str(s) for s in RUN_ACTIVE]))
    with engine.begin() as conn:
        result = conn.execute(
            delete(RunOwnerRow).where(
                RunOwnerRow.heartbeat_at > 0,  # 0: let go of while paused, kept for a resume
                RunOwnerRow.heartbeat_at < now - ttl_s,
                RunOwnerRow.run_id.not_in(live),
            )
        )
    return max(0, result.rowcount)
