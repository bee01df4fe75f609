"""A loaded workflow: immutable, shareable between runs and threads."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from engine.graph.graph import Graph, NodeSpec, VariableDecl
from engine.nodes.start import StartVariable


@dataclass(slots=True)
class Workflow:
    name: str
    mode: str  # "workflow" | "advanced-chat"
    dsl_version: str
    source: str  # file path or "<string>" / "<mapping>"
    graph: Graph  # top level
    subgraphs: dict[str, Graph]  # container node id -> its body
    environment: list[VariableDecl] = field(default_factory=list)
    conversation: list[VariableDecl] = field(default_factory=list)
    start_variables: list[StartVariable] = field(default_factory=list)
    graph_dict: dict[str, Any] = field(default_factory=dict)  # the DSL graph, for snapshots
    graph_hash: str = ""

    @property
    def id(self) -> str:
        """Stable id of this exact graph (content hash)."""
        return self.graph_hash[:32]

    @property
    def version(self) -> str:
        return self.graph_hash[:12]

    @property
    def is_chatflow(self) -> bool:
        return self.mode == "advanced-chat"

    @property
    def start_node_id(self) -> str:
        return self.graph.root_id

    def all_nodes(self) -> dict[str, NodeSpec]:
        nodes = dict(self.graph.nodes)
        for sub in self.subgraphs.values():
            nodes.update(sub.nodes)
        return nodes

    def node(self, node_id: str) -> NodeSpec:
        spec = self.graph.nodes.get(node_id)
        if spec is not None:
            return spec
        for sub in self.subgraphs.values():
            if node_id in sub.nodes:
                return sub.nodes[node_id]
        raise KeyError(node_id)
