"""The reads the console and the CLI need, returning engine records (no ORM rows leak out)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, Select, Text, cast, func, or_, select

from engine.lifecycle.records import NodeExecution, WorkflowExecution
from engine.persistence.protocols import DurationPoint, RunPage, RunQuery
from engine.persistence.sql.models import NodeExecutionRow, WorkflowRow, WorkflowRunRow

_RUN_COLUMNS = [c for c in WorkflowRunRow.__table__.columns]  # type: ignore[attr-defined]


def _run_from_row(row: Any, graph: dict[str, Any] | None) -> WorkflowExecution:
    data = {c.name: getattr(row, c.name) for c in _RUN_COLUMNS}
    data["graph"] = graph or {}
    return WorkflowExecution.from_dict(data)


def get_run(engine: Engine, run_id: str) -> WorkflowExecution | None:
    stmt = (
        select(WorkflowRunRow, WorkflowRow.graph)
        .outerjoin(WorkflowRow, WorkflowRow.graph_hash == WorkflowRunRow.graph_hash)
        .where(WorkflowRunRow.id == run_id)
    )
    with engine.connect() as conn:
        found = conn.execute(stmt).first()
    if found is None:
        return None
    return _run_from_row(found, found.graph)


def find_run_ids(engine: Engine, prefix: str, limit: int = 10) -> list[str]:
    """Ids of the runs whose id starts with ``prefix`` (for short ids on the CLI)."""
    pattern = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    stmt = (
        select(WorkflowRunRow.id)
        .where(WorkflowRunRow.id.like(pattern, escape="\\"))
        .order_by(WorkflowRunRow.id)
        .limit(limit)
    )
    with engine.connect() as conn:
        return list(conn.scalars(stmt))


def replays_of(engine: Engine, run_ids: list[str]) -> list[WorkflowExecution]:
    """The runs that replay one of ``run_ids`` (their ``replay_of``), without graph snapshots."""
    if not run_ids:
        return []
    stmt = (
        select(WorkflowRunRow)
        .where(WorkflowRunRow.replay_of.in_(run_ids))
        .order_by(WorkflowRunRow.started_at)
    )
    with engine.connect() as conn:
        rows = conn.execute(stmt).all()
    return [_run_from_row(r, None) for r in rows]


def _filtered(stmt: Select[Any], query: RunQuery) -> Select[Any]:
    if query.statuses:
        stmt = stmt.where(WorkflowRunRow.status.in_(query.statuses))
    if query.workflow_id is not None:
        stmt = stmt.where(WorkflowRunRow.workflow_id == query.workflow_id)
    if query.workflow_name is not None:
        stmt = stmt.where(WorkflowRunRow.workflow_name == query.workflow_name)
    if query.started_from is not None:
        stmt = stmt.where(WorkflowRunRow.started_at >= query.started_from)
    if query.started_to is not None:
        stmt = stmt.where(WorkflowRunRow.started_at < query.started_to)
    if query.text:
        needle = query.text.lower()
        fields = (
            WorkflowRunRow.id,
            WorkflowRunRow.workflow_id,
            WorkflowRunRow.workflow_name,
            WorkflowRunRow.error,
            cast(WorkflowRunRow.inputs, Text),
        )
        stmt = stmt.where(or_(*(func.lower(f).contains(needle, autoescape=True) for f in fields)))
    return stmt


def list_runs(engine: Engine, query: RunQuery) -> RunPage:
    page_stmt = (
        _filtered(select(WorkflowRunRow), query)
        .order_by(WorkflowRunRow.started_at.desc(), WorkflowRunRow.id.desc())
        .offset(query.offset)
        .limit(query.limit)
    )
    count_stmt = _filtered(select(func.count()).select_from(WorkflowRunRow), query)
    with engine.connect() as conn:
        total = conn.execute(count_stmt).scalar_one()
        rows = conn.execute(page_stmt).all()
        items = [_run_from_row(r, None) for r in rows]
        retries = _retries_of(conn, [r.id for r in items])
    return RunPage(items=items, total=total, page=query.page, limit=query.limit, retries=retries)


def _retries_of(conn: Any, run_ids: list[str]) -> dict[str, int]:
    if not run_ids:
        return {}
    stmt = (
        select(NodeExecutionRow.run_id, func.sum(NodeExecutionRow.retry_count))
        .where(NodeExecutionRow.run_id.in_(run_ids), NodeExecutionRow.retry_count > 0)
        .group_by(NodeExecutionRow.run_id)
    )
    return {run_id: int(total) for run_id, total in conn.execute(stmt).all() if total}


def workflow_names(engine: Engine) -> list[str]:
    stmt = select(WorkflowRunRow.workflow_name).distinct().order_by(WorkflowRunRow.workflow_name)
    with engine.connect() as conn:
        return [name for name in conn.scalars(stmt) if name]


def status_counts(engine: Engine, query: RunQuery) -> dict[str, int]:
    unfiltered = RunQuery(
        workflow_id=query.workflow_id,
        workflow_name=query.workflow_name,
        started_from=query.started_from,
        started_to=query.started_to,
        text=query.text,
    )
    stmt = _filtered(select(WorkflowRunRow.status, func.count()), unfiltered).group_by(WorkflowRunRow.status)
    with engine.connect() as conn:
        return {status: int(count) for status, count in conn.execute(stmt).all()}


def duration_history(engine: Engine, workflow_id: str, limit: int = 200) -> list[DurationPoint]:
    stmt = (
        select(WorkflowRunRow.started_at, WorkflowRunRow.elapsed_time, WorkflowRunRow.status)
        .where(WorkflowRunRow.workflow_id == workflow_id)
        .order_by(WorkflowRunRow.started_at.desc(), WorkflowRunRow.id.desc())
        .limit(limit)
    )
    with engine.connect() as conn:
        rows = conn.execute(stmt).all()
    return [DurationPoint(r.started_at, r.elapsed_time, r.status) for r in reversed(rows)]


_NODE_COLUMNS = [c for c in NodeExecutionRow.__table__.columns]  # type: ignore[attr-defined]


def get_node_executions(engine: Engine, run_id: str) -> list[NodeExecution]:
    """A run's node executions with their attempts, by ``index``."""
    stmt = (
        select(NodeExecutionRow)
        .where(NodeExecutionRow.run_id == run_id)
        .order_by(NodeExecutionRow.index, NodeExecutionRow.created_at, NodeExecutionRow.id)
    )
    with engine.connect() as conn:
        rows = conn.execute(stmt).all()
    nodes: list[NodeExecution] = []
    for row in rows:
        data = {c.name: getattr(row, c.name) for c in _NODE_COLUMNS}
        data["metadata"] = data.pop("execution_metadata")
        nodes.append(NodeExecution.from_dict(data))
    return nodes
