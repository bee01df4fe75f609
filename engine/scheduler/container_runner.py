"""Runs a container's body (iteration round, loop round) on a child dispatcher.

A failed round of an iteration whose ``error_handle_mode`` tolerates it
(``continue-on-error``, ``remove-abnormal-output``) counts as an exception of
the run, as in Dify: the iteration succeeds and the run ends ``partial-succeeded``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.nodes.base import SubgraphOutcome, SubgraphRunner
from engine.nodes.cancel import CancelToken
from engine.scheduler.node_runner import Attempt
from engine.variables import VariablePool

if TYPE_CHECKING:
    from engine.scheduler.dispatcher import Dispatcher

CONTAINER_TYPES = frozenset({"iteration", "loop"})
TOLERANT_MODES = frozenset({"continue-on-error", "remove-abnormal-output"})


def subgraph_runner(d: Dispatcher, attempt: Attempt) -> SubgraphRunner | None:
    spec = d.graph.nodes[attempt.node_id]
    if spec.type not in CONTAINER_TYPES:
        return None
    tolerant = spec.type == "iteration" and getattr(spec.data, "error_handle_mode", None) in TOLERANT_MODES

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
        if tolerant and outcome.status == "failed":
            with d.run.lock:
                d.run.counters.exceptions += 1
        return SubgraphOutcome(
            status=outcome.status,
            pool=pool,
            error=outcome.error,
            error_type=outcome.error_type,
            loop_break=outcome.loop_break,
        )

    return run_subgraph
