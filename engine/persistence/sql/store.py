"""``SqlRunStore``: both repository protocols on one SQLAlchemy database.

``save`` snapshots the record and queues it for the write-behind thread (no
database round-trip in the engine's dispatcher thread); ``flush`` waits until
the queue is written.  A node execution's snapshot is the database row itself
(a tuple, JSON columns encoded): no ``to_dict()`` copy to allocate and encode
later.  Reads go straight to the database.

    store = open_run_store(settings.database_url)   # upgrades the schema
    manager = WorkflowCycleManager(info, store, store)
    ... run ...
    store.flush(timeout=5)
"""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.engine import URL

from engine.lifecycle.records import NodeExecution, WorkflowExecution
from engine.persistence.protocols import DurationPoint, RunPage, RunQuery
from engine.persistence.sql import reads
from engine.persistence.sql.database import create_engine_for, upgrade_database
from engine.persistence.sql.row_encoding import node_record_row
from engine.persistence.sql.writer import NODE, RUN, WriteBehindWriter


class LiveNode:
    """A node execution queued by reference, snapshotted by the writer thread.

    The cycle manager keeps mutating the record in place, and a node usually
    changes again (started -> ended) before the write: building its row at
    save time would be wasted work in the engine's thread.  The row is built
    when written and labelled with the ``seq`` of the save that queued it.  A
    snapshot caught mid-mutation therefore carries a lower ``seq`` than the save
    that follows the mutation, which the ``seq``-guarded upsert applies over
    it; the last save is always snapshotted after its mutation finished.
    """

    __slots__ = ("record", "seq")

    def __init__(self, record: NodeExecution, seq: int) -> None:
        self.record = record
        self.seq = seq

    def row(self) -> tuple[object, ...]:
        for _ in range(5):
            try:
                return node_record_row(self.record, self.seq)
            except RuntimeError:  # a dict changed size while it was encoded: take it again
                continue
        return node_record_row(self.record, self.seq)


class SqlRunStore:
    """Implements ``WorkflowExecutionRepository`` and ``WorkflowNodeExecutionRepository``."""

    def __init__(self, engine: Engine, *, owns_engine: bool = False, max_delay_s: float = 0.5) -> None:
        self.engine = engine
        self._owns_engine = owns_engine
        self._writer = WriteBehindWriter(engine, max_delay_s=max_delay_s)

    # ---------------------------------------------------------------- writes
    def save(self, record: WorkflowExecution | NodeExecution) -> None:
        if isinstance(record, NodeExecution):
            # the live record: the writer snapshots it when it writes (see LiveNode)
            self._writer.submit(NODE, record.id, record.seq, LiveNode(record, record.seq))
        elif isinstance(record, WorkflowExecution):
            self._writer.submit(RUN, record.id, record.seq, record.to_dict())
        else:
            raise TypeError(f"expected a WorkflowExecution or NodeExecution, got {type(record).__name__}")

    def flush(self, timeout: float | None = None) -> bool:
        return self._writer.flush(timeout)

    def close(self, timeout: float | None = 10.0) -> bool:
        """Write what is queued, stop the writer thread, dispose an owned engine."""
        ok = self._writer.close(timeout)
        if self._owns_engine:
            self.engine.dispose()
        return ok

    @property
    def last_error(self) -> str | None:
        """The last write error of the background writer, if any."""
        return self._writer.last_error

    @property
    def dropped(self) -> int:
        """Records the writer gave up on (the database refused them after retries)."""
        return self._writer.dropped

    # ----------------------------------------------------------------- reads
    def get_run(self, run_id: str) -> WorkflowExecution | None:
        return reads.get_run(self.engine, run_id)

    def find_run_ids(self, prefix: str, limit: int = 10) -> list[str]:
        return reads.find_run_ids(self.engine, prefix, limit)

    def list_runs(self, query: RunQuery) -> RunPage:
        return reads.list_runs(self.engine, query)

    def duration_history(self, workflow_id: str, limit: int = 200) -> list[DurationPoint]:
        return reads.duration_history(self.engine, workflow_id, limit)

    def workflow_names(self) -> list[str]:
        return reads.workflow_names(self.engine)

    def status_counts(self, query: RunQuery) -> dict[str, int]:
        return reads.status_counts(self.engine, query)

    def get_node_executions(self, run_id: str) -> list[NodeExecution]:
        return reads.get_node_executions(self.engine, run_id)


def open_run_store(url: str | URL, *, upgrade: bool = True) -> SqlRunStore:
    """A store on ``url`` that owns its engine; the schema is upgraded to head first."""
    engine = create_engine_for(url)
    try:
        if upgrade:
            upgrade_database(engine)
    except Exception:
        engine.dispose()
        raise
    return SqlRunStore(engine, owns_engine=True)
