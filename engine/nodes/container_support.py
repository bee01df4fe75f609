"""What iteration and loop share: running a body round and carrying variables back."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine.errors import NodeCancelled, NodeError
from engine.nodes.base import Node, NodeContext, SubgraphOutcome
from engine.variables import CONVERSATION, VariablePool


def run_round(ctx: NodeContext, pool: VariablePool, index: int) -> SubgraphOutcome:
    """Run the container body once on ``pool``; raise when the run is being stopped."""
    if ctx.run_subgraph is None:
        raise NodeError("this node can only run inside the Flowdeck scheduler", "ContainerError")
    ctx.cancel.raise_if_cancelled()
    outcome = ctx.run_subgraph(ctx.node_id, pool, index=index, cancel=ctx.cancel)
    if outcome.status == "terminated":
        raise NodeCancelled(outcome.error or ctx.cancel.reason)
    return outcome


def container_emitter(ctx: NodeContext, node: Node) -> Callable[..., None]:
    """``emit(EventClass, **fields)`` for the container's own events (its identity filled in)."""
    if ctx.emit is None:
        return lambda *args, **kwargs: None
    emit = ctx.emit
    ids = {
        "node_execution_id": ctx.execution_id,
        "node_id": node.id,
        "node_type": node.type,
        "title": node.title,
    }

    def emit_container_event(cls: type, **fields: Any) -> None:
        emit(cls, **ids, **fields)

    return emit_container_event


def conversation_writes(before: VariablePool, after: VariablePool) -> list[tuple[tuple[str, ...], Any]]:
    """Conversation variables the body changed, as writes for the parent pool."""
    old = before.namespace(CONVERSATION)
    return [
        ((CONVERSATION, name), value)
        for name, value in after.namespace(CONVERSATION).items()
        if name not in old or old[name] != value
    ]
