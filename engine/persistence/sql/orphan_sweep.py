"""Runs whose owner died: found through ``run_owners`` and ended in the records.

A run is an orphan when its record says ``running`` and its owner row's heartbeat
is older than ``stale_after_s`` (or the owner is a process of this host that no
longer exists).  :func:`end_orphan` writes the run ``failed`` (error
``interrupted: ...``), ``finished_at`` set, and closes its ``running`` node
executions the same way.

The ``seq`` choice.  Each write is a compare-and-set on the ``seq`` just read and
sets ``seq + 1``:

- nothing newer is overwritten: if the owner wrote meanwhile, the stored ``seq``
  moved and the sweep writes nothing (two sweepers racing write once);
- a late write the owner had in flight with a ``seq`` at or below the one read
  cannot undo the sweep (the upserts apply only above the stored ``seq``);
- an owner that was not really dead (a stalled process) keeps going and its next
  run event carries a higher ``seq``: its truth replaces "interrupted".  A huge
  ``seq`` would make the sweep final instead, but then a run that did finish
  would stay "interrupted" forever with node records that disagree; the owner's
  own record is the better truth.

Paused runs are never swept: their snapshot lets them be resumed.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy import Engine, case, delete, select, update

from engine.persistence.sql.models import NodeExecutionRow, RunOwnerRow, WorkflowRunRow

STALE_AFTER_S = 10.0


def find_orphans(
    engine: Engine,
    *,
    host: str,
    pid_alive: Callable[[int], bool],
    stale_after_s: float = STALE_AFTER_S,
    now: float | None = None,
) -> list[tuple[str, int, str]]:
    """``(run_id, seq, why)`` of the running runs whose owner is gone."""
    now = time.time() if now is None else now
    stmt = (
        select(
            WorkflowRunRow.id, WorkflowRunRow.seq, RunOwnerRow.host, RunOwnerRow.pid, RunOwnerRow.heartbeat_at
        )
        .join(RunOwnerRow, RunOwnerRow.run_id == WorkflowRunRow.id)
        .where(WorkflowRunRow.status == "running")
        .where((RunOwnerRow.heartbeat_at < now - stale_after_s) | (RunOwnerRow.host == host))
    )
    with engine.connect() as conn:
        rows = conn.execute(stmt).all()
    orphans: list[tuple[str, int, str]] = []
    for row in rows:
        if row.heartbeat_at < now - stale_after_s:
            age = now - row.heartbeat_at if row.heartbeat_at > 0 else None
            why = (
                f"no heartbeat from its owner (pid {row.pid} on {row.host}) for {age:.0f} s"
                if age is not None
                else f"its owner (pid {row.pid} on {row.host}) let go of it"
            )
            orphans.append((row.id, row.seq, why))
        elif row.host == host and not pid_alive(row.pid):
            orphans.append((row.id, row.seq, f"its owner process (pid {row.pid}) is gone"))
    return orphans


def end_orphan(
    engine: Engine,
    run_id: str,
    seen_seq: int,
    error: str,
    *,
    status: str = "failed",
    from_statuses: tuple[str, ...] = ("running",),
    now: float | None = None,
) -> bool:
    """End the run ``status`` with ``error`` if its record is still at ``seen_seq``; True if written."""
    now = time.time() if now is None else now
    runs = WorkflowRunRow.__table__
    nodes = NodeExecutionRow.__table__
    with engine.begin() as conn:
        written = conn.execute(
            update(runs)
            .where(runs.c.id == run_id, runs.c.seq == seen_seq, runs.c.status.in_(from_statuses))
            .values(
                status=status,
                error=error,
                finished_at=now,
                # a running run ran until now; a paused one keeps the time it had run
                elapsed_time=case(
                    (runs.c.status == "running", now - runs.c.started_at), else_=runs.c.elapsed_time
                ),
                seq=seen_seq + 1,
            )
        )
        if written.rowcount != 1:
            return False
        conn.execute(
            update(nodes)
            .where(nodes.c.run_id == run_id, nodes.c.status == "running")
            .values(
                status=status,
                error=error,
                finished_at=now,
                elapsed_time=now - nodes.c.created_at,
                seq=nodes.c.seq + 1,
            )
        )
        conn.execute(delete(RunOwnerRow).where(RunOwnerRow.run_id == run_id))
    return True


def drop_dead_owner_rows(
    engine: Engine, *, stale_after_s: float = STALE_AFTER_S, now: float | None = None
) -> int:
    """Remove owner rows nobody beats for whose run is not running or paused (or was never recorded)."""
    now = time.time() if now is None else now
    live = select(WorkflowRunRow.id).where(WorkflowRunRow.status.in_(("running", "paused")))
    with engine.begin() as conn:
        result = conn.execute(
            delete(RunOwnerRow).where(
                RunOwnerRow.heartbeat_at > 0,  # 0: let go of while paused, kept for a resume
                RunOwnerRow.heartbeat_at < now - stale_after_s,
                RunOwnerRow.run_id.not_in(live),
            )
        )
    return max(0, result.rowcount)


def sweep_orphans(
    engine: Engine,
    *,
    host: str,
    pid_alive: Callable[[int], bool],
    stale_after_s: float = STALE_AFTER_S,
) -> list[str]:
    """Mark every orphaned running run ``failed`` ("interrupted: ..."); the ids marked.

    Owner rows left by owners that died before their run was recorded go too.
    """
    marked: list[str] = []
    for run_id, seq, why in find_orphans(engine, host=host, pid_alive=pid_alive, stale_after_s=stale_after_s):
        if end_orphan(engine, run_id, seq, f"interrupted: {why}"):
            marked.append(run_id)
    drop_dead_owner_rows(engine, stale_after_s=stale_after_s)
    return marked
