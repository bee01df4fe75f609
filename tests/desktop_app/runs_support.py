"""Run records written straight into a test database, for the runs list's tests and benchmark."""

from __future__ import annotations

import time
from collections.abc import Iterable

from engine.api import Flowdeck, WorkflowExecution
from engine.persistence.sql import upsert_runs

GRAPH = {"nodes": [{"id": "start"}], "edges": []}
STATUSES = ("succeeded", "failed", "partial-succeeded", "terminated", "paused", "running")
WORKFLOWS = ("billing-sync", "nightly-etl", "report-llm")


def make_run(
    n: int,
    *,
    status: str = "succeeded",
    workflow: str = "billing-sync",
    started_at: float | None = None,
    elapsed: float = 12.0,
    **fields: object,
) -> WorkflowExecution:
    started = time.time() - 60.0 - n if started_at is None else started_at
    run = WorkflowExecution.new(
        id=f"run-{n:06d}",
        workflow_id=f"wf-{workflow}",
        workflow_name=workflow,
        version="1",
        graph=GRAPH,
        graph_hash="",
        inputs={"n": n},
        started_at=started,
        seq=1 if status == "running" else 10,
    )
    run.status = status
    if status != "running":
        run.finished_at = started + elapsed
        run.elapsed_time = elapsed
    run.total_steps = 3 + n % 7
    run.total_tokens = (n * 37) % 5000
    for key, value in fields.items():
        setattr(run, key, value)
    return run


def write_runs(flowdeck: Flowdeck, runs: Iterable[WorkflowExecution], batch: int = 5000) -> int:
    """Upsert ``runs`` into the Flowdeck's SQL database in a few transactions."""
    engine = flowdeck.repositories.executions.engine
    chunk: list[WorkflowExecution] = []
    written = 0
    for run in runs:
        chunk.append(run)
        if len(chunk) >= batch:
            written += upsert_runs(engine, chunk, validate=False)
            chunk = []
    if chunk:
        written += upsert_runs(engine, chunk, validate=False)
    return written


def mixed_runs(count: int) -> list[WorkflowExecution]:
    """``count`` runs of every status and workflow, run 0 the newest."""
    return [
        make_run(n, status=STATUSES[n % len(STATUSES)], workflow=WORKFLOWS[n % len(WORKFLOWS)])
        for n in range(count)
    ]
