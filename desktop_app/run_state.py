"""What the console knows about one run: its record and the latest state of each node.

Pure Python (no Qt), fed in the GUI thread.  A run followed live is fed its engine
events, which a private :class:`engine.api.RunFold` turns into the very records the
engine stores; a run read from the database is fed those records.  Either way every
view (canvas, inspector, charts) reads :class:`NodeView` built from records, so what
the screen shows is what the engine recorded.

``apply_*`` return the ids of the nodes whose view changed, so the canvas recolours
only those.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from desktop_app.states import NODE_ACTIVE
from engine.api import (
    EngineEvent,
    NodeExecution,
    NodeSkippedEvent,
    NodeStatus,
    RunFold,
    RunStartedEvent,
    RunStatus,
    Workflow,
    WorkflowExecution,
)


@dataclass(slots=True)
class NodeView:
    """The newest execution of one node, and how to draw it."""

    node_id: str
    state: NodeStatus = NodeStatus.PENDING  # its look: a key of desktop_app.theme.NODE_STATES
    retries: int = 0  # failed attempts so far (the badge shows attempts = retries + 1)
    executions: int = 0  # how many executions (iteration/loop children run once per round)
    record: NodeExecution | None = None

    @property
    def attempts(self) -> int:
        return self.retries + 1 if self.record is not None else 0


def display_state(record: NodeExecution | None, *, run_status: str = RunStatus.RUNNING) -> NodeStatus:
    """The state a node is drawn in, from its newest execution record."""
    if record is None:
        return NodeStatus.PENDING
    status = NodeStatus(record.status)
    if status == NodeStatus.RUNNING:
        if run_status == RunStatus.PAUSED:
            return NodeStatus.PAUSED
        return NodeStatus.RETRYING if _waiting_for_retry(record) else NodeStatus.RUNNING
    if status == NodeStatus.SUCCEEDED and record.metadata.get("reused_from"):
        return NodeStatus.REUSED
    return status


def _waiting_for_retry(record: NodeExecution) -> bool:
    """A failed attempt is the newest one: the node waits for its retry timer."""
    return bool(record.attempts) and record.attempts[-1].finished_at is not None and record.retry_count > 0


@dataclass(slots=True)
class RunState:
    run_id: str
    workflow: Workflow | None = None
    run: WorkflowExecution | None = None
    nodes: dict[str, NodeView] = field(default_factory=dict)
    events_seen: int = 0
    _fold: RunFold | None = None
    _records: dict[str, NodeExecution] = field(default_factory=dict)  # execution id -> record
    # live path: node id -> execution id -> the fold's record, in creation order
    _live_by_node: dict[str, dict[str, NodeExecution]] = field(default_factory=dict)

    # ------------------------------------------------------------- live path
    def apply_events(self, events: Iterable[EngineEvent]) -> set[str]:
        """Feed engine events (seq order); returns the node ids whose view changed."""
        changed: set[str] = set()
        fold = self._fold
        run_level = False
        for event in events:
            if fold is None:
                if self.workflow is None:
                    continue  # nothing to build records against
                fold = self._fold = RunFold(self.workflow)
            record = fold.apply(event)
            self.events_seen += 1
            if isinstance(event, NodeSkippedEvent):
                # the "skipped" record, as the database holds it
                if record is not None and record.id not in self._records:
                    self._records[record.id] = record
                view = self._view(event.node_id)
                if view.record is None:
                    view.state = NodeStatus.SKIPPED
                changed.add(event.node_id)
                continue
            execution_id = getattr(event, "node_execution_id", None)
            node_id = getattr(event, "node_id", None)
            if execution_id is not None and node_id is not None:
                # the fold's record replaces one read from the database (a run followed by its
                # records first, then by its events)
                if record is not None and self._records.get(execution_id) is not record:
                    self._records[execution_id] = record
                    self._live_by_node.setdefault(node_id, {})[execution_id] = record
                changed.add(node_id)
            elif not isinstance(event, RunStartedEvent):
                run_level = True  # ended, paused, resumed: running nodes may change look
        if fold is None:
            return changed
        self.run = fold.execution
        if run_level:
            changed.update(n for n, v in self.nodes.items() if v.state in NODE_ACTIVE)
        for node_id in changed:
            records = self._live_by_node.get(node_id)
            if records:
                self._refresh(node_id, list(records.values()))
        return changed

    # ----------------------------------------------------------- record path
    def apply_records(self, run: WorkflowExecution, records: Iterable[NodeExecution]) -> set[str]:
        """Replace what is known with records read from the database."""
        self.run = run
        by_node: dict[str, list[NodeExecution]] = {}
        for record in records:
            self._records[record.id] = record
        for record in self._records.values():
            by_node.setdefault(record.node_id, []).append(record)
        changed: set[str] = set()
        for node_id, node_records in by_node.items():
            before = self._signature(self.nodes.get(node_id))
            self._refresh(node_id, node_records)
            if self._signature(self.nodes[node_id]) != before:
                changed.add(node_id)
        # the run's status changes how running nodes look (paused)
        changed.update(n for n, v in self.nodes.items() if v.state in NODE_ACTIVE)
        for node_id in changed:
            if node_id in by_node:
                self._refresh(node_id, by_node[node_id])
        return changed

    # -------------------------------------------------------------- queries
    @property
    def status(self) -> RunStatus:
        return RunStatus(self.run.status) if self.run is not None else RunStatus.RUNNING

    def records(self) -> list[NodeExecution]:
        """Every node execution known, in index order."""
        return sorted(self._records.values(), key=lambda r: r.index)

    def view(self, node_id: str) -> NodeView:
        return self.nodes.get(node_id) or NodeView(node_id)

    def executions_of(self, node_id: str) -> list[NodeExecution]:
        return [r for r in self.records() if r.node_id == node_id]

    # ------------------------------------------------------------ internals
    def _view(self, node_id: str) -> NodeView:
        view = self.nodes.get(node_id)
        if view is None:
            view = self.nodes[node_id] = NodeView(node_id)
        return view

    def _refresh(self, node_id: str, records: list[NodeExecution]) -> None:
        view = self._view(node_id)
        if not records:
            return
        live = self._fold is not None  # live lists hold no skipped records, in creation order
        newest = records[-1] if live else max(records, key=lambda r: (r.index, r.seq))
        view.record = newest
        view.executions = (
            len(records) if live else sum(1 for r in records if r.status != NodeStatus.SKIPPED)
        )
        view.retries = newest.retry_count
        view.state = display_state(newest, run_status=self.status)

    @staticmethod
    def _signature(view: NodeView | None) -> tuple[Any, ...]:
        if view is None or view.record is None:
            return ()
        return (view.state, view.retries, view.executions, view.record.seq)
