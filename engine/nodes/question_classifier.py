"""question-classifier: ask the model which class a query belongs to, route by class id.

The model is asked for ``{"category_id": ..., "category_name": ...}``; the
reply is matched by id, then by name, then by a class name appearing in the
text; failing all that the first class is chosen (as Dify does).  The node
is a branch node: the taken edge handle is the class id.
"""

from __future__ import annotations

import json
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from engine.nodes.base import BaseNodeData, Node, NodeContext, NodeResult
from engine.nodes.fields import NoneAsEmptyStr, NoneAsEmptyText, StrList
from engine.nodes.model_reply import ask_model, instruction_line, prompt_messages, reply_result
from engine.providers.json_reply import extract_json_object
from engine.providers.model_config import MemoryConfig, ModelConfig
from engine.providers.protocol import Message
from engine.variables import Selector, as_selector, template_selectors, to_text


class ClassConfig(BaseModel):
    model_config = ConfigDict(extra="ignore")
    id: NoneAsEmptyText = Field(min_length=1)
    name: NoneAsEmptyText = ""


class QuestionClassifierNodeData(BaseNodeData):
    query_variable_selector: StrList = Field(min_length=1)
    model: ModelConfig
    classes: list[ClassConfig] = Field(min_length=1)
    instruction: NoneAsEmptyStr = ""
    memory: MemoryConfig | None = None

    @field_validator("classes")
    @classmethod
    def _unique(cls, value: list[ClassConfig]) -> list[ClassConfig]:
        ids = [c.id for c in value]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"class ids must be unique, repeated: {', '.join(dupes)}")
        return value


SYSTEM_PROMPT = """You are a text classification engine. Classify the user's input into exactly one \
of these categories:
{categories}
{instruction}Reply with a JSON object only, like {{"category_id": "...", "category_name": "..."}}."""


class QuestionClassifierNode(Node):
    type: ClassVar[str] = "question-classifier"
    data_model: ClassVar[type[BaseNodeData]] = QuestionClassifierNodeData
    is_branch: ClassVar[bool] = True
    data: QuestionClassifierNodeData

    def selectors(self) -> list[Selector]:
        return [as_selector(self.data.query_variable_selector), *template_selectors(self.data.instruction)]

    def handles(self) -> list[str] | None:
        return [c.id for c in self.data.classes]

    def build_messages(self, ctx: NodeContext, query: str) -> list[Message]:
        categories = json.dumps(
            [{"category_id": c.id, "category_name": c.name} for c in self.data.classes], ensure_ascii=False
        )
        system = SYSTEM_PROMPT.format(
            categories=categories, instruction=instruction_line(ctx.pool, self.data.instruction)
        )
        return prompt_messages(ctx, system, self.data.memory, query)

    def choose(self, reply: str) -> ClassConfig:
        classes = self.data.classes
        answer = extract_json_object(reply) or {}
        by_id = {c.id: c for c in classes}
        chosen = by_id.get(str(answer.get("category_id", "")))
        if chosen is not None:
            return chosen
        name = str(answer.get("category_name", "")).strip().lower()
        for c in classes:
            if name and c.name.strip().lower() == name:
                return c
        lowered = reply.lower()
        for c in sorted(classes, key=lambda c: -len(c.name)):
            if c.name and c.name.lower() in lowered:
                return c
        return classes[0]

    def run(self, ctx: NodeContext) -> NodeResult:
        query = to_text(ctx.pool.get(as_selector(self.data.query_variable_selector)))
        messages, reply = ask_model(ctx, self.data.model, query, self.build_messages)
        chosen = self.choose(reply.text)
        outputs = {"class_name": chosen.name, "class_id": chosen.id}
        return reply_result(query, messages, reply, outputs, "usage", edge_handle=chosen.id)
