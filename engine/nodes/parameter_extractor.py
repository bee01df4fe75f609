"""parameter-extractor: ask the model for typed parameters found in a text.

The model is asked for one JSON object (``reasoning_mode`` is accepted but the
prompt mode is always used).  Each parameter becomes an output of its type;
a missing or ill-typed one gets its type's empty value and makes
``__is_success`` 0 with ``__reason`` saying why (1 and ``None`` otherwise).
``__usage`` holds the token usage.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from engine.nodes.base import BaseNodeData, Node, NodeContext, NodeResult
from engine.nodes.fields import NoneAsEmptyList, NoneAsEmptyStr, StrList, falsy_as
from engine.nodes.model_reply import ask_model, instruction_line, prompt_messages, reply_result
from engine.providers.json_reply import extract_json_object
from engine.providers.model_config import MemoryConfig, ModelConfig
from engine.providers.protocol import Message
from engine.variables import Selector, as_selector, template_selectors, to_text

ParamType = Literal[
    "string", "number", "bool", "boolean", "select", "object",
    "array[string]", "array[number]", "array[object]", "array[bool]", "array[boolean]",
]  # fmt: skip
RESERVED = frozenset({"__is_success", "__reason", "__usage"})


class ParameterConfig(BaseModel):
    model_config = ConfigDict(extra="ignore")
    name: str = Field(min_length=1, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    type: ParamType = "string"
    description: NoneAsEmptyStr = ""
    required: bool = False
    options: NoneAsEmptyList[str] = Field(default_factory=list)

    @property
    def empty(self) -> Any:
        if self.type == "number":
            return 0
        if self.type in ("bool", "boolean"):
            return False
        if self.type.startswith("array"):
            return []
        if self.type == "object":
            return {}
        return ""


class ParameterExtractorNodeData(BaseNodeData):
    model: ModelConfig
    query: StrList = Field(min_length=1)
    parameters: list[ParameterConfig] = Field(min_length=1)
    instruction: NoneAsEmptyStr = ""
    reasoning_mode: Annotated[Literal["prompt", "function_call"], falsy_as("prompt")] = "prompt"
    memory: MemoryConfig | None = None

    @field_validator("parameters")
    @classmethod
    def _names(cls, value: list[ParameterConfig]) -> list[ParameterConfig]:
        names = [p.name for p in value]
        bad = sorted({n for n in names if names.count(n) > 1 or n in RESERVED})
        if bad:
            raise ValueError(f"parameter names must be unique and not reserved: {', '.join(bad)}")
        return value


def convert(param: ParameterConfig, value: Any) -> Any:
    """``value`` as ``param``'s type; ``ValueError`` if it cannot be."""
    kind = param.type
    if kind.startswith("array"):
        if not isinstance(value, list):
            raise ValueError("expected an array")
        item = ParameterConfig(name=param.name, type=kind[6:-1])  # type: ignore[arg-type]
        return [convert(item, v) for v in value]
    if kind == "number":
        if isinstance(value, bool):
            raise ValueError("expected a number")
        if isinstance(value, int | float):
            return value
        number = float(str(value).strip())
        return int(number) if number.is_integer() and "." not in str(value) else number
    if kind in ("bool", "boolean"):
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("true", "yes", "1"):
            return True
        if text in ("false", "no", "0"):
            return False
        raise ValueError("expected true or false")
    if kind == "object":
        if not isinstance(value, dict):
            raise ValueError("expected an object")
        return value
    text = value if isinstance(value, str) else to_text(value)
    if kind == "select" and param.options and text not in param.options:
        raise ValueError(f"expected one of {', '.join(param.options)}")
    return text


SYSTEM_PROMPT = """You extract structured parameters from the user's text.
Parameters (JSON schema): {schema}
{instruction}Reply with one JSON object holding the parameters you found; leave out the ones you \
cannot find."""


class ParameterExtractorNode(Node):
    type: ClassVar[str] = "parameter-extractor"
    data_model: ClassVar[type[BaseNodeData]] = ParameterExtractorNodeData
    data: ParameterExtractorNodeData

    def selectors(self) -> list[Selector]:
        return [as_selector(self.data.query), *template_selectors(self.data.instruction)]

    def schema(self) -> dict[str, Any]:
        props: dict[str, Any] = {}
        for p in self.data.parameters:
            prop: dict[str, Any] = {"type": p.type, "description": p.description}
            if p.options:
                prop["enum"] = p.options
            props[p.name] = prop
        required = [p.name for p in self.data.parameters if p.required]
        return {"type": "object", "properties": props, "required": required}

    def build_messages(self, ctx: NodeContext, query: str) -> list[Message]:
        system = SYSTEM_PROMPT.format(
            schema=json.dumps(self.schema(), ensure_ascii=False),
            instruction=instruction_line(ctx.pool, self.data.instruction),
        )
        return prompt_messages(ctx, system, self.data.memory, query)

    def extract(self, reply: str) -> tuple[dict[str, Any], list[str]]:
        found = extract_json_object(reply)
        problems: list[str] = [] if found is not None else ["the model's reply holds no JSON object"]
        found = found or {}
        values: dict[str, Any] = {}
        for p in self.data.parameters:
            raw = found.get(p.name)
            if raw is None:
                values[p.name] = p.empty
                if p.required and not problems:
                    problems.append(f"required parameter {p.name!r} is missing")
                continue
            try:
                values[p.name] = convert(p, raw)
            except (ValueError, TypeError) as exc:
                values[p.name] = p.empty
                problems.append(f"parameter {p.name!r}: {exc} (got {raw!r})")
        return values, problems

    def run(self, ctx: NodeContext) -> NodeResult:
        query = to_text(ctx.pool.get(as_selector(self.data.query)))
        messages, reply = ask_model(ctx, self.data.model, query, self.build_messages)
        values, problems = self.extract(reply.text)
        outputs = {
            **values,
            "__is_success": 0 if problems else 1,
            "__reason": "; ".join(problems) if problems else None,
        }
        return reply_result(query, messages, reply, outputs, "__usage")
