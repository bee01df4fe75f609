"""Who executes a run, whether it is still alive, and the snapshot of a paused run.

The owner claims a row in ``run_owners`` before its run starts and one thread per
owner refreshes ``heartbeat_at`` of all its rows with one ``UPDATE`` (:func:`beat`).
While the run is paused the row holds its snapshot; an owner that closes while its
run is paused sets ``heartbeat_at`` to 0 (:func:`release`), so another process may
take the run over (:func:`take_over`, a compare-and-set on the owner id) and
continue it from the snapshot.  When the run ends the row is removed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, delete, insert, null, select, update

from engine.persistence.sql.models import RunOwnerRow


@dataclass(frozen=True, slots=True)
class RunOwner:
    run_id: str
    owner_id: str
    host: str
    pid: int
    claimed_at: float
    heartbeat_at: float
    has_snapshot: bool


def claim_run(engine: Engine, run_id: str, owner_id: str, host: str, pid: int) -> None:
    """Record this process as the owner of a new run (one INSERT; the run id must be new)."""
    now = time.time()
    with engine.begin() as conn:
        conn.execute(
            insert(RunOwnerRow).values(
                run_id=run_id,
                owner_id=owner_id,
                host=host,
                pid=pid,
                claimed_at=now,
                heartbeat_at=now,
                snapshot=null(),  # SQL NULL, not JSON null
            )
        )


def beat(engine: Engine, owner_id: str, now: float | None = None) -> int:
    """Refresh the heartbeat of every run of ``owner_id`` (one UPDATE); rows refreshed."""
    with engine.begin() as conn:
        result = conn.execute(
            update(RunOwnerRow)
            .where(RunOwnerRow.owner_id == owner_id, RunOwnerRow.heartbeat_at > 0)
            .values(heartbeat_at=time.time() if now is None else now)
        )
    return max(0, result.rowcount)


def release(engine: Engine, owner_id: str, run_ids: list[str] | None = None) -> None:
    """The owner lets go (of ``run_ids``, or all its runs): other processes may take them over."""
    stmt = update(RunOwnerRow).where(RunOwnerRow.owner_id == owner_id)
    if run_ids is not None:
        stmt = stmt.where(RunOwnerRow.run_id.in_(run_ids))
    with engine.begin() as conn:
        conn.execute(stmt.values(heartbeat_at=0.0))


def forget_runs(engine: Engine, run_ids: list[str], owner_id: str) -> None:
    """The runs ended: remove their owner rows that are still ours (one DELETE)."""
    if not run_ids:
        return
    with engine.begin() as conn:
        conn.execute(
            delete(RunOwnerRow).where(RunOwnerRow.run_id.in_(run_ids), RunOwnerRow.owner_id == owner_id)
        )


def store_snapshot(engine: Engine, run_id: str, owner_id: str, snapshot: dict[str, Any] | None) -> bool:
    """Keep (or, with None, clear) the snapshot of a paused run; False if the run is not ours."""
    with engine.begin() as conn:
        result = conn.execute(
            update(RunOwnerRow)
            .where(RunOwnerRow.run_id == run_id, RunOwnerRow.owner_id == owner_id)
            .values(snapshot=null() if snapshot is None else snapshot)
        )
    return result.rowcount == 1


def owner_of(engine: Engine, run_id: str) -> RunOwner | None:
    stmt = select(
        RunOwnerRow.run_id,
        RunOwnerRow.owner_id,
        RunOwnerRow.host,
        RunOwnerRow.pid,
        RunOwnerRow.claimed_at,
        RunOwnerRow.heartbeat_at,
        RunOwnerRow.snapshot.is_not(None).label("has_snapshot"),
    ).where(RunOwnerRow.run_id == run_id)
    with engine.connect() as conn:
        row = conn.execute(stmt).first()
    if row is None:
        return None
    return RunOwner(
        row.run_id, row.owner_id, row.host, row.pid, row.claimed_at, row.heartbeat_at, bool(row.has_snapshot)
    )


def load_snapshot(engine: Engine, run_id: str) -> dict[str, Any] | None:
    with engine.connect() as conn:
        value = conn.execute(select(RunOwnerRow.snapshot).where(RunOwnerRow.run_id == run_id)).scalar()
    return value if isinstance(value, dict) and value else None


def take_over(
    engine: Engine, run_id: str, previous_owner_id: str, owner_id: str, host: str, pid: int
) -> bool:
    """Become the owner of ``run_id`` if ``previous_owner_id`` still has it (compare-and-set)."""
    now = time.time()
    with engine.begin() as conn:
        result = conn.execute(
            update(RunOwnerRow)
            .where(RunOwnerRow.run_id == run_id, RunOwnerRow.owner_id == previous_owner_id)
            .values(owner_id=owner_id, host=host, pid=pid, claimed_at=now, heartbeat_at=now, snapshot=null())
        )
    return result.rowcount == 1
