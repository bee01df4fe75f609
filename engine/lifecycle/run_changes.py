"""How run events change a :class:`WorkflowExecution` (pure functions, no I/O).

The caller (:class:`~engine.lifecycle.WorkflowCycleManager`) has already asked the
state machine (:mod:`engine.status`) whether the change is allowed and passes the
status it returned; nothing here decides a status.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from engine import events as ev
from engine.lifecycle.records import NodeExecution, WorkflowExecution
from engine.status import NodeStatus, RunStatus


class WorkflowInfo(Protocol):
    """What the manager needs to know about the workflow being run."""

    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def version(self) -> str: ...
    @property
    def graph_dict(self) -> dict[str, Any]: ...
    @property
    def graph_hash(self) -> str: ...


@dataclass(frozen=True, slots=True)
class Caller:
    """Who runs the workflow: copied into the run record."""

    triggered_from: str = "app-run"
    created_by: str | None = None
    created_by_role: str | None = None
    tenant_id: str | None = None
    app_id: str | None = None


def new_run(
    info: WorkflowInfo, event: ev.EngineEvent, caller: Caller, status: RunStatus
) -> WorkflowExecution:
    """The run's record, from its start event (or, when the start was missed, from ``event``)."""
    started = event if isinstance(event, ev.RunStartedEvent) else None
    run = WorkflowExecution.new(
        id=event.run_id,
        workflow_id=info.id or (started.workflow_id if started else ""),
        workflow_name=info.name or (started.workflow_name if started else ""),
        version=info.version,
        graph=info.graph_dict,
        graph_hash=info.graph_hash or (started.graph_hash if started else ""),
        inputs=started.inputs if started else {},
        started_at=event.at,
        seq=event.seq,
        triggered_from=caller.triggered_from,
        created_by=caller.created_by,
        created_by_role=caller.created_by_role,
        tenant_id=caller.tenant_id,
        app_id=caller.app_id,
        replay_of=started.replay_of if started else None,
    )
    run.status = status
    return run


def end_run(
    run: WorkflowExecution, event: ev.RunEndedEvent, status: RunStatus, nodes: Sequence[NodeExecution]
) -> None:
    """The run ended ``status``; totals the event leaves at 0 are counted from ``nodes``."""
    run.status = status
    run.outputs = dict(event.outputs)
    if isinstance(event, ev.RunFailedEvent):
        run.error = event.error
    elif isinstance(event, ev.RunTerminatedEvent):
        run.error = event.reason
    run.finished_at = event.at
    run.elapsed_time = event.elapsed_time or max(0.0, event.at - run.started_at)
    run.total_steps = event.total_steps or len(nodes)
    run.total_tokens = event.total_tokens or sum(tokens(n.metadata) for n in nodes)
    run.exceptions_count = event.exceptions_count or sum(1 for n in nodes if n.status == NodeStatus.EXCEPTION)
    run.seq = event.seq


def pause_run(run: WorkflowExecution, event: ev.RunPausedEvent, status: RunStatus, steps: int) -> None:
    run.status = status
    run.elapsed_time = event.elapsed_time or max(0.0, event.at - run.started_at)
    run.total_steps = event.total_steps or steps
    run.seq = event.seq


def resume_run(run: WorkflowExecution, event: ev.RunResumedEvent, status: RunStatus) -> None:
    run.status = status
    run.seq = event.seq


def tokens(metadata: dict[str, Any]) -> int:
    value = metadata.get("total_tokens", 0)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0
