"""iteration-start / loop-start mark a container body's entry; loop-end breaks the loop."""

from __future__ import annotations

from typing import ClassVar

from engine.nodes.base import Node, NodeContext, NodeResult


class ContainerStartNode(Node):
    type: ClassVar[str] = "iteration-start"
    inline: ClassVar[bool] = True

    def run(self, ctx: NodeContext) -> NodeResult:
        return NodeResult()


class LoopEndNode(Node):
    """Reaching it ends the loop after the current round (the scheduler checks its type)."""

    type: ClassVar[str] = "loop-end"
    inline: ClassVar[bool] = True

    def run(self, ctx: NodeContext) -> NodeResult:
        return NodeResult()
