"""What question-classifier and parameter-extractor share: the prompt shape, one model call, the result.

Both ask the model once (no streaming) with a system prompt, the memory
history and the query as the user message, and record the same inputs,
process data and token counts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine.nodes.base import NodeContext, NodeResult
from engine.providers.invoke import provider_for
from engine.providers.model_config import MemoryConfig, ModelConfig
from engine.providers.prompting import load_history
from engine.providers.protocol import Completion, Message, complete
from engine.variables import VariablePool


def instruction_line(pool: VariablePool, instruction: str) -> str:
    """``Instructions: <rendered instruction>`` and a newline, or ``""`` when it renders empty."""
    text = pool.render(instruction).strip()
    return f"Instructions: {text}\n" if text else ""


def prompt_messages(ctx: NodeContext, system: str, memory: MemoryConfig | None, query: str) -> list[Message]:
    """The system prompt, the memory history, then the query."""
    return [Message("system", system), *load_history(ctx, memory), Message("user", query)]


def ask_model(
    ctx: NodeContext,
    model: ModelConfig,
    query: str,
    build_messages: Callable[[NodeContext, str], list[Message]],
) -> tuple[list[Message], Completion]:
    """The messages sent and the whole reply (the model is resolved before the prompt is built)."""
    llm = provider_for(ctx, model)
    messages = build_messages(ctx, query)
    return messages, complete(llm, messages, model.completion_params, ctx.cancel)


def reply_result(
    query: str,
    messages: list[Message],
    reply: Completion,
    outputs: dict[str, Any],
    usage_key: str,
    edge_handle: str = "source",
) -> NodeResult:
    """The node's result: ``outputs`` plus the token usage under ``usage_key``."""
    usage = reply.usage.to_dict()
    return NodeResult(
        inputs={"query": query},
        process_data={"prompts": [m.to_dict() for m in messages], "reply": reply.text, "usage": usage},
        outputs={**outputs, usage_key: usage},
        edge_handle=edge_handle,
        total_tokens=reply.usage.total_tokens,
        metadata={"total_tokens": reply.usage.total_tokens},
    )
