"""answer: a chatflow's reply, rendered from its template."""

from __future__ import annotations

from typing import ClassVar

from engine.nodes.base import BaseNodeData, Node, NodeContext, NodeResult
from engine.variables import Selector, template_selectors


class AnswerNodeData(BaseNodeData):
    answer: str = ""


class AnswerNode(Node):
    type: ClassVar[str] = "answer"
    data_model: ClassVar[type[BaseNodeData]] = AnswerNodeData
    inline: ClassVar[bool] = True
    data: AnswerNodeData

    def selectors(self) -> list[Selector]:
        return template_selectors(self.data.answer)

    def run(self, ctx: NodeContext) -> NodeResult:
        text = ctx.pool.render(self.data.answer, markdown=True)
        return NodeResult(outputs={"answer": text, "files": []})
