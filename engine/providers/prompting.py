"""Turning DSL prompt templates into chat messages.

- ``basic`` edition: ``{{#node.var#}}`` rendered from the pool; ``{{#context#}}``
  is the node's context text and ``{{#histories#}}`` (completion prompts) the
  conversation history as ``Human:``/``Assistant:`` lines.
- ``jinja2`` edition: ``jinja2_text`` rendered in a sandbox with the node's
  ``prompt_config.jinja2_variables``.
- Memory (chatflows): history comes from the ``conversation_history``
  service (any object with ``recent(conversation_id, limit) -> list``) or,
  without one, from ``sys.history`` (a list of ``{role, content}``); a
  window of N keeps the last N turns.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jinja2 import TemplateError
from jinja2.sandbox import SandboxedEnvironment

from engine.errors import NodeError
from engine.nodes.base import NodeContext
from engine.providers.model_config import MemoryConfig, VariableMapping, history_limit
from engine.providers.protocol import Message
from engine.variables import MISSING, TemplateVariable, VariablePool, parse_template, to_text

CONTEXT_PLACEHOLDER = "{{#context#}}"
HISTORIES_PLACEHOLDER = "{{#histories#}}"
DEFAULT_QUERY_TEMPLATE = "{{#sys.query#}}"

_jinja = SandboxedEnvironment(autoescape=False, keep_trailing_newline=True)


def render_basic(pool: VariablePool, text: str, specials: Mapping[str, str] | None = None) -> str:
    for placeholder, value in (specials or {}).items():
        text = text.replace(placeholder, value)
    return pool.render(text)


def render_lenient(pool: VariablePool, text: str) -> str:
    """Like ``pool.render`` but a missing variable renders as nothing."""
    out: list[str] = []
    for part in parse_template(text):
        if isinstance(part, TemplateVariable):
            value = pool.lookup(part.selector)
            out.append("" if value is MISSING else to_text(value))
        else:
            out.append(part)
    return "".join(out)


def render_jinja2(template: str, pool: VariablePool, variables: list[VariableMapping]) -> str:
    values = {v.variable: pool.get(v.selector) for v in variables}
    try:
        return _jinja.from_string(template).render(**values)
    except TemplateError as exc:
        raise NodeError(f"jinja2 prompt failed: {exc}", "TemplateRenderError") from exc


def context_text(value: Any) -> str:
    """The text a context variable contributes (retrieval results are joined by content)."""
    if value is None:
        return ""
    if isinstance(value, list):
        return "\n".join(context_text(item) for item in value)
    if isinstance(value, Mapping) and "content" in value:
        return to_text(value["content"])
    return to_text(value)


def load_history(ctx: NodeContext, memory: MemoryConfig | None) -> list[Message]:
    if memory is None:
        return []
    limit = history_limit(memory)
    service = ctx.services.get("conversation_history")
    if service is not None:
        raw = service.recent(ctx.pool.get(("sys", "conversation_id")), limit)
    else:
        raw = ctx.pool.get(("sys", "history")) or []
    messages = [_as_message(item) for item in raw]
    messages = [m for m in messages if m is not None]
    return messages[-limit:] if limit else messages


def _as_message(item: Any) -> Message | None:
    if isinstance(item, Message):
        return item
    if isinstance(item, Mapping):
        role = str(item.get("role") or "user")
        if role not in ("system", "user", "assistant"):
            return None
        return Message(role, to_text(item.get("content") or item.get("text") or ""))  # type: ignore[arg-type]
    return None


def histories_text(history: list[Message], memory: MemoryConfig | None) -> str:
    prefix = memory.role_prefix if memory is not None else None
    human = (prefix.user if prefix else "") or "Human"
    assistant = (prefix.assistant if prefix else "") or "Assistant"
    return "\n".join(f"{human if m.role == 'user' else assistant}: {m.content}" for m in history)


def query_text(pool: VariablePool, memory: MemoryConfig | None) -> str:
    """The user turn a chatflow appends after the history (empty in workflows)."""
    if memory is None:
        return ""
    template = memory.query_prompt_template or DEFAULT_QUERY_TEMPLATE
    if not pool.has(("sys", "query")):
        return ""
    return render_lenient(pool, template).strip()
