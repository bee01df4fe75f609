"""Node and edge states of one graph level, and the readiness rule.

A node is ready when every in-edge is resolved and at least one was taken; a
node whose in-edges are all resolved and none taken is skipped, and the skip
propagates.  Owned by the dispatcher thread only.
"""

from __future__ import annotations

from typing import Any

from engine.graph import Graph

PENDING = "pending"
READY = "ready"
RUNNING = "running"
RETRYING = "retrying"
SUCCEEDED = "succeeded"
EXCEPTION = "exception"
FAILED = "failed"
SKIPPED = "skipped"
TERMINATED = "terminated"


EDGE_PENDING = 0
EDGE_TAKEN = 1
EDGE_SKIPPED = 2


class GraphState:
    __slots__ = ("edge", "graph", "node", "predecessor", "remaining", "taken")

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.node: dict[str, str] = dict.fromkeys(graph.nodes, PENDING)
        self.edge: dict[str, int] = {e.id: EDGE_PENDING for e in graph.edges}
        self.remaining: dict[str, int] = {n: len(edges) for n, edges in graph.in_edges.items()}
        self.taken: dict[str, int] = dict.fromkeys(graph.nodes, 0)
        self.predecessor: dict[str, str] = {}

    def resolve_out(self, node_id: str, handle: str, ready: list[str], skipped: list[str]) -> None:
        """Resolve ``node_id``'s out-edges for the chosen ``handle``.

        Appends newly ready nodes to ``ready`` and newly skipped ones (in
        propagation order) to ``skipped``.
        """
        stack: list[tuple[str, str | None]] = [(node_id, handle)]
        out_edges = self.graph.out_edges
        while stack:
            source, chosen = stack.pop()
            for edge in out_edges[source]:
                taken = chosen is not None and edge.source_handle == chosen
                self.edge[edge.id] = EDGE_TAKEN if taken else EDGE_SKIPPED
                target = edge.target
                self.remaining[target] -= 1
                if taken:
                    self.taken[target] += 1
                    self.predecessor.setdefault(target, source)
                if self.remaining[target] == 0 and self.node[target] == PENDING:
                    if self.taken[target]:
                        self.node[target] = READY
                        ready.append(target)
                    else:
                        self.node[target] = SKIPPED
                        skipped.append(target)
                        stack.append((target, None))

    def to_dict(self) -> dict[str, Any]:
        return {
            "node": dict(self.node),
            "edge": dict(self.edge),
            "remaining": dict(self.remaining),
            "taken": dict(self.taken),
            "predecessor": dict(self.predecessor),
        }

    def load(self, data: dict[str, Any]) -> None:
        self.node.update(data["node"])
        self.edge.update(data["edge"])
        self.remaining.update(data["remaining"])
        self.taken.update(data["taken"])
        self.predecessor.update(data.get("predecessor", {}))
