"""The executable graph: node specs, edges, and the adjacency the scheduler walks."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from engine.nodes.base import BaseNodeData, Node

SOURCE_HANDLE = "source"
FAIL_BRANCH_HANDLE = "fail-branch"


@dataclass(frozen=True, slots=True)
class Edge:
    id: str
    source: str
    target: str
    source_handle: str = SOURCE_HANDLE


@dataclass(slots=True)
class NodeSpec:
    id: str
    type: str
    data: BaseNodeData
    node: Node
    parent_id: str | None = None  # the iteration/loop that contains it
    position: tuple[float, float] = (0.0, 0.0)

    @property
    def title(self) -> str:
        return self.data.title or self.id


@dataclass(slots=True)
class Graph:
    """One level of a workflow: the top level, or the body of a container."""

    nodes: dict[str, NodeSpec]
    edges: list[Edge]
    root_id: str
    in_edges: dict[str, list[Edge]] = field(init=False)
    out_edges: dict[str, list[Edge]] = field(init=False)
    #: derived, run-independent facts computed once by the scheduler (response templates, gates)
    cache: dict[str, Any] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.in_edges = {node_id: [] for node_id in self.nodes}
        self.out_edges = {node_id: [] for node_id in self.nodes}
        for edge in self.edges:
            self.out_edges[edge.source].append(edge)
            self.in_edges[edge.target].append(edge)

    def predecessors(self, node_id: str) -> list[str]:
        return [e.source for e in self.in_edges[node_id]]

    def successors(self, node_id: str) -> list[str]:
        return [e.target for e in self.out_edges[node_id]]


@dataclass(slots=True)
class VariableDecl:
    """An environment or conversation variable declared by the workflow."""

    name: str
    value_type: str
    value: Any = None
    description: str = ""
