"""Runs a container's body (iteration round, loop round) on a child dispatcher."""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.nodes.base import SubgraphOutcome, SubgraphRunner
from engine.nodes.cancel import CancelToken
from engine.scheduler.node_runner import Attempt
from engine.variables import VariablePool

if TYPE_CHECKING:
    from engine.scheduler.dispatcher import Dispatcher

CONTAINER_TYPES = frozenset({"iteration", "loop"})


def subgraph_runner(d: Dispatcher, attempt: Attempt) -> SubgraphRunner | None:
    if d.graph.nodes[attempt.node_id].type not in CONTAINER_TYPES:
        return None

    def run_subgraph(
        subgraph_id: str, pool: VariablePool, *, index: int, cancel: CancelToken
    ) -> SubgraphOutcome:
        graph = d.run.workflow.subgraphs[subgraph_id]
        child = type(d)(d.run, graph, pool, container=(subgraph_id, index), cancel=cancel)
        unregister = cancel.on_cancel(child.wake)
        try:
            outcome = child.execute()
        finally:
            unregister()
        return SubgraphOutcome(
            status=outcome.status,
            pool=pool,
            error=outcome.error,
            error_type=outcome.error_type,
            loop_break=outcome.loop_break,
        )

    return run_subgraph
