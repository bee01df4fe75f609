"""Node and edge states of one frame, and the readiness rule.

A node is ready when every in-edge is resolved and at least one was taken; a
node whose in-edges are all resolved and none taken is skipped, and the skip
propagates.  Owned by the dispatcher thread only.  Node states are
:class:`~engine.status.NodeStatus` members and change only through :meth:`GraphState.set`,
which applies the one transition table (:data:`~engine.status.NODE_TRANSITIONS`).
"""

from __future__ import annotations

from typing import Any

from engine.graph import Graph
from engine.status import NODE_TRANSITIONS, NodeStatus, transition

EDGE_PENDING = 0
EDGE_TAKEN = 1
EDGE_SKIPPED = 2

_PENDING = NodeStatus.PENDING
_READY = NodeStatus.READY
_SKIPPED = NodeStatus.SKIPPED


class GraphState:
    __slots__ = ("edge", "graph", "node", "predecessor", "remaining", "taken")

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.node: dict[str, NodeStatus] = dict.fromkeys(graph.nodes, _PENDING)
        self.edge: dict[str, int] = dict.fromkeys([e.id for e in graph.edges], EDGE_PENDING)
        self.remaining: dict[str, int] = {n: len(edges) for n, edges in graph.in_edges.items()}
        self.taken: dict[str, int] = dict.fromkeys(graph.nodes, 0)
        self.predecessor: dict[str, str] = {}

    def set(self, node_id: str, target: NodeStatus) -> None:
        """Move ``node_id`` to ``target``; an illegal change raises ``engine.status.IllegalTransition``."""
        current = self.node[node_id]
        if target not in NODE_TRANSITIONS[current]:  # the table itself; transition() names the refusal
            transition(current, target, subject=f"node {node_id}")
        self.node[node_id] = target

    def resolve_out(self, node_id: str, handle: str, ready: list[str], skipped: list[str]) -> None:
        """Resolve ``node_id``'s out-edges for the chosen ``handle``.

        Appends newly ready nodes to ``ready`` and newly skipped ones (in
        propagation order) to ``skipped``.  (PENDING -> READY and PENDING ->
        SKIPPED are allowed transitions; checked here without a call per edge.)
        """
        stack: list[tuple[str, str | None]] = [(node_id, handle)]
        out_edges = self.graph.out_edges
        node = self.node
        remaining = self.remaining
        while stack:
            source, chosen = stack.pop()
            for edge in out_edges[source]:
                taken = chosen is not None and edge.source_handle == chosen
                self.edge[edge.id] = EDGE_TAKEN if taken else EDGE_SKIPPED
                target = edge.target
                remaining[target] -= 1
                if taken:
                    self.taken[target] += 1
                    self.predecessor.setdefault(target, source)
                if remaining[target] == 0 and node[target] is _PENDING:
                    if self.taken[target]:
                        node[target] = _READY
                        ready.append(target)
                    else:
                        node[target] = _SKIPPED
                        skipped.append(target)
                        stack.append((target, None))

    def to_dict(self) -> dict[str, Any]:
        return {
            "node": {k: str(v) for k, v in self.node.items()},
            "edge": dict(self.edge),
            "remaining": dict(self.remaining),
            "taken": dict(self.taken),
            "predecessor": dict(self.predecessor),
        }

    def load(self, data: dict[str, Any]) -> None:
        """A saved state, read back (a load, not a transition: the run continues where it was)."""
        self.node.update({k: NodeStatus(v) for k, v in data["node"].items()})
        self.edge.update(data["edge"])
        self.remaining.update(data["remaining"])
        self.taken.update(data["taken"])
        self.predecessor.update(data.get("predecessor", {}))
