"""Plain helpers for the Celery persistence tests: a synthetic run fed through the real
``WorkflowCycleManager``, and checks of what the database holds."""

from __future__ import annotations

import json
import time
from typing import Any

from engine import events as ev
from engine.lifecycle.cycle_manager import WorkflowCycleManager
from engine.lifecycle.records import NodeExecution, WorkflowExecution
from engine.persistence.celery.flusher import RecordFlusher
from engine.persistence.celery.repositories import (
    CeleryWorkflowExecutionRepository,
    CeleryWorkflowNodeExecutionRepository,
)
from engine.persistence.sql import reads


# -------------------------------------------------------------- run driver
class _Workflow:
    id = "wf-celery"
    name = "celery persistence test"
    version = "1"
    graph_dict: dict[str, Any] = {"nodes": [{"id": "start"}], "edges": []}
    graph_hash = ""


def run_events(run_id: str, nodes: int, *, retries_on: frozenset[int] = frozenset()) -> list[ev.EngineEvent]:
    """A run that starts, runs ``nodes`` code nodes (one retry on the given indexes) and succeeds."""
    seq = iter(range(1, 10_000))
    t0 = time.time()
    out: list[ev.EngineEvent] = [
        ev.RunStartedEvent(
            run_id=run_id,
            seq=next(seq),
            at=t0,
            workflow_id=_Workflow.id,
            workflow_name=_Workflow.name,
            graph_hash="",
            inputs={"n": nodes},
        )
    ]
    for i in range(nodes):
        common = {
            "run_id": run_id,
            "node_execution_id": f"{run_id}-n{i}",
            "node_id": f"n{i}",
            "node_type": "code",
        }
        at = t0 + i * 0.01
        out.append(ev.NodeStartedEvent(**common, seq=next(seq), at=at, index=i + 1, ready_at=at))
        if i in retries_on:
            out.append(
                ev.NodeRetryEvent(
                    **common,
                    seq=next(seq),
                    at=at + 0.002,
                    retry_index=0,
                    error="flaky",
                    start_at=at,
                    finished_at=at + 0.002,
                )
            )
        out.append(
            ev.NodeSucceededEvent(
                **common, seq=next(seq), at=at + 0.005, started_at=at, outputs={"i": i}, elapsed_time=0.005
            )
        )
    out.append(
        ev.RunSucceededEvent(
            run_id=run_id, seq=next(seq), at=t0 + nodes * 0.01, outputs={"done": True}, total_steps=nodes
        )
    )
    return out


def new_manager(runs_repo: Any, nodes_repo: Any) -> WorkflowCycleManager:
    return WorkflowCycleManager(_Workflow(), runs_repo, nodes_repo, tenant_id="t1", app_id="a1")


class RecordingRepository:
    """Keeps a ``to_dict()`` snapshot of every save, in order (for hand-made batches)."""

    def __init__(self) -> None:
        self.saved: list[dict[str, Any]] = []

    def save(self, record: Any) -> None:
        data = record.to_dict()
        self.saved.append(json.loads(json.dumps(data)))

    def flush(self, timeout: float | None = None) -> bool:
        return True


def celery_repositories(
    flusher: RecordFlusher,
) -> tuple[CeleryWorkflowExecutionRepository, CeleryWorkflowNodeExecutionRepository]:
    """The run and node repositories that save through ``flusher``."""
    return CeleryWorkflowExecutionRepository(flusher), CeleryWorkflowNodeExecutionRepository(flusher)


def drive_run(
    run_id: str, runs_repo: Any, nodes_repo: Any, nodes: int = 5, *, retries_on: frozenset[int] = frozenset()
) -> WorkflowCycleManager:
    manager = new_manager(runs_repo, nodes_repo)
    for event in run_events(run_id, nodes, retries_on=retries_on):
        manager.handle(event)
    return manager


def stored_state(engine: Any, run_id: str) -> tuple[WorkflowExecution | None, list[NodeExecution]]:
    return reads.get_run(engine, run_id), reads.get_node_executions(engine, run_id)


def assert_stored_like(engine: Any, manager: WorkflowCycleManager) -> None:
    """The database holds exactly the manager's final records: final status, no duplicates."""
    expected_run = manager.execution
    assert expected_run is not None
    run, nodes = stored_state(engine, expected_run.id)
    assert run is not None, f"run {expected_run.id} missing"
    assert (run.status, run.seq) == (expected_run.status, expected_run.seq)
    assert run.outputs == expected_run.outputs
    expected_nodes = {n.id: n for n in manager.node_executions}
    assert sorted(n.id for n in nodes) == sorted(expected_nodes), "node executions missing or duplicated"
    for node in nodes:
        want = expected_nodes[node.id]
        assert (node.status, node.seq, node.outputs) == (want.status, want.seq, want.outputs)
        assert [a.error for a in node.attempts] == [a.error for a in want.attempts]


def all_stored(engine: Any, managers: list[WorkflowCycleManager]) -> bool:
    for manager in managers:
        assert manager.execution is not None
        run, nodes = stored_state(engine, manager.execution.id)
        if run is None or run.seq != manager.execution.seq:
            return False
        seqs = {n.id: n.seq for n in nodes}
        if any(seqs.get(n.id) != n.seq for n in manager.node_executions):
            return False
    return True
