"""Building and running one node outside the scheduler (tests of the external-service nodes)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.nodes.base import Node, NodeContext, NodeResult
from engine.nodes.cancel import CancelToken
from engine.nodes.registry import node_class
from engine.nodes.services import Services
from engine.settings import ModelSettings, Settings
from engine.variables import VariablePool


def build_node(data: Mapping[str, Any], node_id: str = "node") -> Node:
    cls = node_class(str(data["type"]))
    assert cls is not None, data["type"]
    return cls(node_id, cls.data_model.model_validate(dict(data)))


def settings_with(*models: ModelSettings) -> Settings:
    return Settings(models=list(models))


@dataclass
class Harness:
    pool: VariablePool = field(default_factory=VariablePool)
    services: Services = field(default_factory=lambda: Services(Settings()))
    cancel: CancelToken = field(default_factory=CancelToken)
    chunks: list[tuple[str, str]] = field(default_factory=list)

    def context(self, node_id: str = "node") -> NodeContext:
        return NodeContext(
            run_id="run-1",
            node_id=node_id,
            execution_id="exec-1",
            attempt=1,
            pool=self.pool,
            cancel=self.cancel,
            services=self.services,
            stream=lambda name, chunk: self.chunks.append((name, chunk)),
        )

    def run(self, node: Node) -> NodeResult:
        return node.run(self.context(node.id))
