"""The workflows of recorded runs, rebuilt from their graph snapshots, a bounded few kept."""

from __future__ import annotations

import threading
from collections import OrderedDict

from engine.control.errors import UnknownRun
from engine.dsl import load_workflow
from engine.graph import Workflow
from engine.lifecycle.records import WorkflowExecution

WORKFLOWS_KEPT = 64


class WorkflowCache:
    def __init__(self, limit: int = WORKFLOWS_KEPT) -> None:
        self._limit = limit
        self._by_hash: OrderedDict[str, Workflow] = OrderedDict()
        self._lock = threading.Lock()

    def remember(self, workflow: Workflow) -> Workflow:
        """``workflow``, or the equal one already kept (same graph hash)."""
        with self._lock:
            known = self._by_hash.setdefault(workflow.graph_hash, workflow)
            self._by_hash.move_to_end(workflow.graph_hash)
            while len(self._by_hash) > self._limit:
                self._by_hash.popitem(last=False)
            return known

    def of(self, run: WorkflowExecution) -> Workflow:
        """The workflow a recorded run executed (UnknownRun when it has no graph snapshot)."""
        with self._lock:
            known = self._by_hash.get(run.graph_hash)
        if known is not None:
            return known
        if not run.graph:
            raise UnknownRun(f"run {run.id} has no graph snapshot to replay")
        return self.remember(load_workflow(run.graph))
