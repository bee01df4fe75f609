"""Graph structures built from a validated DSL."""

from engine.graph.graph import (
    FAIL_BRANCH_HANDLE,
    SOURCE_HANDLE,
    Edge,
    Graph,
    NodeSpec,
    StartVariable,
    VariableDecl,
)
from engine.graph.workflow import Workflow

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
