"""SQLAlchemy ORM tables of the run records (one module, no logic).

- ``workflows``: a graph snapshot stored once per content hash.
- ``workflow_runs``: one row per :class:`~engine.lifecycle.records.WorkflowExecution`.
- ``workflow_node_executions``: one row per node execution; its tries
  (:class:`~engine.lifecycle.records.NodeAttempt`) are the JSON list ``attempts``
  of that row, written with it under the same ``seq`` guard (one row per node
  instead of two: the attempts table was a third of the cost of a run's records).
- ``run_owners``: who executes a run started through :class:`~engine.service.Flowdeck`
  (owner id, host, pid), the owner's ``heartbeat_at`` and, while the run is paused,
  its ``snapshot`` (so another process can resume it).  Kept apart from
  ``workflow_runs``: one heartbeat ``UPDATE`` per process touches a narrow table, and
  the seq-guarded record upserts never overwrite control state.
- ``run_commands``: operator commands (terminate, pause, resume) for a run, inserted
  by any process and taken by the run's owner (``taken_at``).

Times are epoch seconds (double precision) like the records.  There are no
foreign keys between the record tables on purpose: asynchronous writers may
deliver a node before its run, and every write is an upsert guarded by ``seq``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, BigInteger, Double, Index, Integer, MetaData, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class WorkflowRow(Base):
    __tablename__ = "workflows"

    graph_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    workflow_id: Mapped[str] = mapped_column(String(255), index=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    version: Mapped[str] = mapped_column(String(64), default="")
    graph: Mapped[dict[str, Any]]
    created_at: Mapped[float] = mapped_column(Double)


class WorkflowRunRow(Base):
    __tablename__ = "workflow_runs"
    __table_args__ = (Index("ix_workflow_runs_workflow_id_started_at", "workflow_id", "started_at"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    workflow_id: Mapped[str] = mapped_column(String(255))
    workflow_name: Mapped[str] = mapped_column(String(255), default="")
    version: Mapped[str] = mapped_column(String(64), default="")
    graph_hash: Mapped[str] = mapped_column(String(64), index=True, default="")
    inputs: Mapped[dict[str, Any]]
    outputs: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(32), index=True)
    error: Mapped[str] = mapped_column(Text, default="")
    started_at: Mapped[float] = mapped_column(Double, index=True)
    finished_at: Mapped[float | None] = mapped_column(Double)
    elapsed_time: Mapped[float] = mapped_column(Double, default=0.0)
    total_steps: Mapped[int] = mapped_column(Integer, default=0)
    total_tokens: Mapped[int] = mapped_column(BigInteger, default=0)
    exceptions_count: Mapped[int] = mapped_column(Integer, default=0)
    triggered_from: Mapped[str] = mapped_column(String(32), default="app-run")
    created_by: Mapped[str | None] = mapped_column(String(255))
    created_by_role: Mapped[str | None] = mapped_column(String(64))
    tenant_id: Mapped[str | None] = mapped_column(String(255))
    app_id: Mapped[str | None] = mapped_column(String(255))
    replay_of: Mapped[str | None] = mapped_column(String(64), index=True)
    seq: Mapped[int] = mapped_column(BigInteger)


class NodeExecutionRow(Base):
    __tablename__ = "workflow_node_executions"
    __table_args__ = (Index("ix_workflow_node_executions_run_id_index", "run_id", "index"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    run_id: Mapped[str] = mapped_column(String(64))
    index: Mapped[int] = mapped_column(Integer, default=0)
    node_id: Mapped[str] = mapped_column(String(255))
    node_type: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(255), default="")
    predecessor_node_id: Mapped[str | None] = mapped_column(String(255))
    inputs: Mapped[dict[str, Any]]
    process_data: Mapped[dict[str, Any]]
    outputs: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(32))
    error: Mapped[str] = mapped_column(Text, default="")
    retry_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[float] = mapped_column(Double)
    finished_at: Mapped[float | None] = mapped_column(Double)
    elapsed_time: Mapped[float] = mapped_column(Double, default=0.0)
    queue_wait: Mapped[float] = mapped_column(Double, default=0.0)
    # "metadata" is reserved on declarative classes
    execution_metadata: Mapped[dict[str, Any]]
    # NodeAttempt.to_dict() of every try, oldest first
    attempts: Mapped[list[Any]]
    seq: Mapped[int] = mapped_column(BigInteger)


class RunOwnerRow(Base):
    __tablename__ = "run_owners"

    run_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    owner_id: Mapped[str] = mapped_column(String(64), index=True)
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    claimed_at: Mapped[float] = mapped_column(Double)
    # 0.0: the owner let go of the run (closed while it was paused)
    heartbeat_at: Mapped[float] = mapped_column(Double)
    # the run's snapshot while it is paused (engine.scheduler.snapshot), else NULL
    snapshot: Mapped[dict[str, Any] | None]


class RunCommandRow(Base):
    __tablename__ = "run_commands"
    __table_args__ = (Index("ix_run_commands_run_id_taken_at", "run_id", "taken_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(String(64))
    # Command.to_dict(): {"command": "terminate", "reason": ...}
    command: Mapped[dict[str, Any]]
    created_at: Mapped[float] = mapped_column(Double)
    taken_at: Mapped[float | None] = mapped_column(Double)
