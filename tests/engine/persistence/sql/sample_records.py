"""Small builders of run records for persistence tests."""

from __future__ import annotations

from typing import Any

from engine.lifecycle import NodeAttempt, NodeExecution, WorkflowExecution

GRAPH = {"nodes": [{"id": "start"}, {"id": "llm"}], "edges": [{"source": "start", "target": "llm"}]}


def run(run_id: str = "run-1", *, seq: int = 1, status: str = "running", **kw: Any) -> WorkflowExecution:
    record = WorkflowExecution.new(
        id=run_id,
        workflow_id=kw.pop("workflow_id", "wf-1"),
        workflow_name=kw.pop("workflow_name", "Summarise"),
        version="1",
        graph=kw.pop("graph", GRAPH),
        graph_hash=kw.pop("graph_hash", "hash-1"),
        inputs=kw.pop("inputs", {"q": "hello"}),
        started_at=kw.pop("started_at", 1_000.0),
        seq=seq,
    )
    record.status = status
    for key, value in kw.items():
        setattr(record, key, value)
    return record


def node(
    exec_id: str = "n-1",
    *,
    run_id: str = "run-1",
    seq: int = 2,
    status: str = "running",
    attempts: int = 0,
    **kw: Any,
) -> NodeExecution:
    record = NodeExecution(
        id=exec_id,
        run_id=run_id,
        index=kw.pop("index", 1),
        node_id=kw.pop("node_id", "llm"),
        node_type=kw.pop("node_type", "llm"),
        created_at=kw.pop("created_at", 1_000.5),
        status=status,
        seq=seq,
        attempts=[NodeAttempt(i, 1_000.5 + i, 1_000.9 + i, f"error {i}", "failed") for i in range(attempts)],
        **kw,
    )
    record.retry_count = attempts
    return record
