"""Reads of the run records: the runs list, its filters, one run, its nodes, trends, replay plans.

Every call is one short read on the caller's thread; none waits behind control work
(terminate verification runs on the control's own threads).
"""

from __future__ import annotations

from typing import Any

from engine.control.errors import UnknownRun
from engine.control.local_control import LocalControl
from engine.facade.workflows import WorkflowCache
from engine.graph import Workflow
from engine.lifecycle.records import NodeExecution, WorkflowExecution
from engine.persistence.protocols import DurationPoint, RunPage, RunQuery, RunSummaries
from engine.replay import ReplayMode, ReplayPlan, check_mode, plan_replay, replay_chain

REPLAYS_SCAN_LIMIT = 10_000


class Queries:
    def __init__(self, repositories: Any, local: LocalControl | None, workflows: WorkflowCache) -> None:
        self._repositories = repositories
        self._local = local
        self._workflows = workflows

    def list_runs(self, query: RunQuery | None = None) -> RunPage:
        if self._local is not None:
            self._local.keeper()  # a console that only watches still sweeps orphans
        return self._repositories.executions.list_runs(query or RunQuery())  # type: ignore[no-any-return]

    def workflow_names(self) -> list[str]:
        """Distinct workflow names of the recorded runs (the console's workflow filter)."""
        return self._summaries().workflow_names()

    def status_counts(self, query: RunQuery | None = None) -> dict[str, int]:
        """Runs per status among those ``query`` matches, its status filter ignored (one read)."""
        return self._summaries().status_counts(query or RunQuery())

    def get_run(self, run_id: str) -> WorkflowExecution:
        """The recorded run (UnknownRun when there is none)."""
        run = self.find_run(run_id)
        if run is None:
            raise UnknownRun(f"no recorded run {run_id}")
        return run

    def find_run(self, run_id: str) -> WorkflowExecution | None:
        """The recorded run, or None."""
        return self._repositories.executions.get_run(run_id)  # type: ignore[no-any-return]

    def node_executions(self, run_id: str) -> list[NodeExecution]:
        return self._repositories.node_executions.get_node_executions(run_id)  # type: ignore[no-any-return]

    def duration_history(self, workflow_id: str, limit: int = 200) -> list[DurationPoint]:
        return self._repositories.executions.duration_history(workflow_id, limit)  # type: ignore[no-any-return]

    def workflow_of(self, run: WorkflowExecution) -> Workflow:
        """The workflow a recorded run executed (from its graph snapshot; a few kept)."""
        return self._workflows.of(run)

    def replay_plan(self, run_id: str, mode: ReplayMode = "from-failure") -> ReplayPlan:
        """Which nodes a replay of ``run_id`` reuses and which run, and the time and tokens saved."""
        run = self.get_run(run_id)
        return plan_replay(self.workflow_of(run), self.node_executions(run_id), check_mode(mode))

    def replay_chain(self, run_id: str) -> list[WorkflowExecution]:
        """The original of ``run_id`` and every replay of it, transitively, oldest first."""
        return replay_chain(self.get_run(run_id), self.find_run, self._replays_of)

    def _replays_of(self, run_ids: list[str]) -> list[WorkflowExecution]:
        if self._local is not None:
            return self._local.replays_of(run_ids)
        wanted = set(run_ids)
        page = self._repositories.executions.list_runs(RunQuery(limit=REPLAYS_SCAN_LIMIT))
        return [r for r in page.items if r.replay_of in wanted]

    def _summaries(self) -> RunSummaries:
        executions = self._repositories.executions
        if not isinstance(executions, RunSummaries):
            raise TypeError(f"the run records ({type(executions).__name__}) offer no summaries")
        return executions
