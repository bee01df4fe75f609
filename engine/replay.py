"""Replay a recorded run: whole (a rerun), or from its failure reusing what succeeded.

:func:`plan_replay` says, before anything runs, which nodes will be reused and
which will run (the console shows it for confirmation); :func:`replay_workflow`
starts the new run, linked to the original through ``replay_of``.

A node is reused when it succeeded in the original run and every node that fed
it is reused too; nodes that write variables (assigners) and containers run
again, because their writes to conversation variables are not part of their
outputs and the replay starts from the original's initial values.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from engine.dsl import load_workflow
from engine.graph import Workflow
from engine.lifecycle.records import NodeExecution, WorkflowExecution
from engine.run import RunHandle, WorkflowSource, start_workflow
from engine.status import NodeStatus

NEVER_REUSED = frozenset({"assigner", "variable-assigner", "iteration", "loop"})
ReplayMode = Literal["rerun", "from-failure"]
REPLAY_MODES: tuple[str, ...] = ("rerun", "from-failure")


@dataclass(slots=True)
class ReplayPlan:
    reused: dict[str, dict[str, Any]] = field(default_factory=dict)  # node id -> original record
    rerun: list[str] = field(default_factory=list)  # node ids that will run (if reached)
    mode: ReplayMode = "from-failure"
    saved_time_s: float = 0.0  # elapsed time of the reused records, summed
    saved_tokens: int = 0  # tokens of the reused records, summed


def check_mode(mode: str) -> ReplayMode:
    """``mode`` if it is a replay mode, else ValueError naming the choices."""
    if mode not in REPLAY_MODES:
        raise ValueError(f"unknown replay mode {mode!r}: expected one of {', '.join(REPLAY_MODES)}")
    return mode  # type: ignore[return-value]


def plan_replay(
    workflow: Workflow, node_executions: Iterable[NodeExecution], mode: ReplayMode = "from-failure"
) -> ReplayPlan:
    """Which top-level nodes of ``workflow`` a replay reuses, which run, and what reuse saves.

    ``rerun`` reuses nothing.  ``from-failure`` reuses every node that succeeded
    and whose feeders are all reused; the failed, terminated, unfinished and
    downstream nodes run.
    """
    if check_mode(mode) == "rerun":
        return ReplayPlan(rerun=_topological(workflow), mode="rerun")
    last: dict[str, NodeExecution] = {}
    for execution in node_executions:  # skipped records: the node never ran, as if it had no record
        if execution.metadata.get("container_id") is None and execution.status != NodeStatus.SKIPPED:
            last[execution.node_id] = execution
    graph = workflow.graph
    order = _topological(workflow)
    plan = ReplayPlan()
    for node_id in order:
        record = last.get(node_id)
        feeders = [e.source for e in graph.in_edges[node_id] if e.source in last]
        reusable = (
            record is not None
            and record.status == NodeStatus.SUCCEEDED
            and graph.nodes[node_id].type not in NEVER_REUSED
            and all(f in plan.reused for f in feeders)
        )
        if reusable and record is not None:
            plan.reused[node_id] = {
                "id": record.id,
                "outputs": record.outputs,
                "edge_handle": record.metadata.get("edge_handle", "source"),
                "elapsed_time": record.elapsed_time,
                "total_tokens": _tokens(record.metadata),
            }
            plan.saved_time_s += record.elapsed_time
            plan.saved_tokens += _tokens(record.metadata)
        else:
            plan.rerun.append(node_id)
    return plan


def replay_workflow(
    workflow: WorkflowSource,
    original: WorkflowExecution,
    node_executions: Iterable[NodeExecution] = (),
    *,
    from_failure: bool = True,
    inputs: Mapping[str, Any] | None = None,
    system: Mapping[str, Any] | None = None,
    **options: Any,
) -> RunHandle:
    """Start the replay of ``original``; ``inputs`` may be edited only for a whole rerun."""
    wf = load_workflow(workflow)
    if from_failure and inputs is not None and dict(inputs) != dict(original.inputs):
        raise ValueError(
            "a replay from failure reuses outputs computed from the original inputs: rerun instead"
        )
    reused = plan_replay(wf, node_executions).reused if from_failure else {}
    return start_workflow(
        wf,
        original.inputs if inputs is None else inputs,
        system,
        replay_of=original.id,
        reused=reused,
        **options,
    )


def replay_chain(
    run: WorkflowExecution,
    get_run: Callable[[str], WorkflowExecution | None],
    replays_of: Callable[[list[str]], list[WorkflowExecution]],
) -> list[WorkflowExecution]:
    """The original of ``run`` (following ``replay_of`` up) and every replay of it, oldest first."""
    root, seen = run, {run.id}
    while root.replay_of and root.replay_of not in seen:
        parent = get_run(root.replay_of)
        if parent is None:
            break
        seen.add(parent.id)
        root = parent
    chain = {root.id: root}
    frontier = [root.id]
    while frontier:
        children = [r for r in replays_of(frontier) if r.id not in chain]
        chain.update((r.id, r) for r in children)
        frontier = [r.id for r in children]
    return sorted(chain.values(), key=lambda r: (r.started_at, r.id))


def _tokens(metadata: Mapping[str, Any]) -> int:
    value = metadata.get("total_tokens", 0)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _topological(workflow: Workflow) -> list[str]:
    graph = workflow.graph
    indegree = {n: len(edges) for n, edges in graph.in_edges.items()}
    order: list[str] = []
    ready = [n for n, d in indegree.items() if d == 0]
    while ready:
        node_id = ready.pop(0)
        order.append(node_id)
        for edge in graph.out_edges[node_id]:
            indegree[edge.target] -= 1
            if indegree[edge.target] == 0:
                ready.append(edge.target)
    return order
