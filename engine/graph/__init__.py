"""Graph structures built from a validated DSL."""

from engine.graph.graph import (
    FAIL_BRANCH_HANDLE,
    SOURCE_HANDLE,
    Edge,
    Graph,
    NodeSpec,
    VariableDecl,
)
from engine.graph.workflow import Workflow
from engine.nodes.start import StartVariable  # the start node owns it; re-exported for loaders

__all__ = [
    "FAIL_BRANCH_HANDLE",
    "SOURCE_HANDLE",
    "Edge",
    "Graph",
    "NodeSpec",
    "StartVariable",
    "VariableDecl",
    "Workflow",
]
