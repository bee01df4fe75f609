"""Flowdeck: the one facade the console and the CLI use.

It owns the settings, the run-record repositories and the live run handles:
start, terminate, pause, resume, replay, list and watch.  Everything it
returns is an engine dataclass; nothing here imports Qt, and no call blocks
on a run (the console calls it from worker threads anyway for database
reads).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from engine.dsl import load_workflow
from engine.events import EngineEvent
from engine.graph import Workflow
from engine.lifecycle.records import NodeExecution, WorkflowExecution
from engine.persistence.protocols import DurationPoint, RunPage, RunQuery
from engine.replay import ReplayPlan, plan_replay, replay_workflow
from engine.run import RunHandle, WorkflowSource, start_workflow
from engine.settings import Settings


class UnknownRun(LookupError):
    """No live or recorded run has this id."""


class Flowdeck:
    def __init__(self, settings: Settings | None = None, *, repositories: Any = None) -> None:
        self.settings = settings or Settings()
        if repositories is None:
            from engine.persistence.factory import build_repositories

            repositories = build_repositories(self.settings)
        self.repositories = repositories
        self._handles: dict[str, RunHandle] = {}
        self._workflows: dict[str, Workflow] = {}
        self._lock = threading.Lock()

    # ------------------------------------------------------------- running
    def start(
        self,
        workflow: WorkflowSource,
        inputs: Mapping[str, Any] | None = None,
        system: Mapping[str, Any] | None = None,
        mocks: Mapping[str, Any] | str | Path | None = None,
        *,
        listeners: list[Callable[[EngineEvent], None]] | None = None,
        **options: Any,
    ) -> RunHandle:
        wf = self._remember(load_workflow(workflow))
        handle = start_workflow(
            wf,
            inputs,
            system,
            mocks,
            settings=self.settings,
            listeners=listeners,
            execution_repository=self.repositories.executions,
            node_execution_repository=self.repositories.node_executions,
            **options,
        )
        with self._lock:
            self._handles[handle.run_id] = handle
        return handle

    def handle(self, run_id: str) -> RunHandle:
        with self._lock:
            handle = self._handles.get(run_id)
        if handle is None:
            raise UnknownRun(f"run {run_id} is not running in this process")
        return handle

    def terminate(self, run_id: str, reason: str = "terminated by the operator") -> None:
        self.handle(run_id).terminate(reason)

    def pause(self, run_id: str) -> None:
        self.handle(run_id).pause()

    def resume(self, run_id: str) -> None:
        self.handle(run_id).resume()

    # -------------------------------------------------------------- replay
    def plan_replay(self, run_id: str) -> ReplayPlan:
        run = self.get_run(run_id)
        return plan_replay(self._workflow_of(run), self.node_executions(run_id))

    def replay(
        self,
        run_id: str,
        *,
        from_failure: bool = True,
        inputs: Mapping[str, Any] | None = None,
        mocks: Mapping[str, Any] | None = None,
        **options: Any,
    ) -> RunHandle:
        run = self.get_run(run_id)
        handle = replay_workflow(
            self._workflow_of(run),
            run,
            self.node_executions(run_id),
            from_failure=from_failure,
            inputs=inputs,
            mocks=mocks,
            settings=self.settings,
            execution_repository=self.repositories.executions,
            node_execution_repository=self.repositories.node_executions,
            **options,
        )
        with self._lock:
            self._handles[handle.run_id] = handle
        return handle

    # --------------------------------------------------------------- reads
    def list_runs(self, query: RunQuery | None = None) -> RunPage:
        return self.repositories.executions.list_runs(query or RunQuery())

    def get_run(self, run_id: str) -> WorkflowExecution:
        run = self.repositories.executions.get_run(run_id)
        if run is None:
            raise UnknownRun(f"no recorded run {run_id}")
        return run

    def node_executions(self, run_id: str) -> list[NodeExecution]:
        return self.repositories.node_executions.get_node_executions(run_id)

    def duration_history(self, workflow_id: str, limit: int = 200) -> list[DurationPoint]:
        return self.repositories.executions.duration_history(workflow_id, limit)

    def workflow_of(self, run: WorkflowExecution) -> Workflow:
        """The workflow a recorded run executed (from its graph snapshot; cached per graph)."""
        return self._workflow_of(run)

    def close(self, timeout: float = 10.0) -> None:
        with self._lock:
            handles = list(self._handles.values())
        for handle in handles:
            if handle.status in ("running", "paused"):
                handle.terminate("the application is closing")
                handle.wait(timeout)
        self.repositories.close(timeout) if hasattr(self.repositories, "close") else None

    # ---------------------------------------------------------- internals
    def _remember(self, workflow: Workflow) -> Workflow:
        with self._lock:
            return self._workflows.setdefault(workflow.graph_hash, workflow)

    def _workflow_of(self, run: WorkflowExecution) -> Workflow:
        with self._lock:
            known = self._workflows.get(run.graph_hash)
        if known is not None:
            return known
        if not run.graph:
            raise UnknownRun(f"run {run.id} has no graph snapshot to replay")
        return self._remember(load_workflow(run.graph))
