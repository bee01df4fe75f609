"""Selectors (``[node_id, name, *path]``) and ``{{#node.var#}}`` templates."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

Selector = tuple[str, ...]

SYSTEM = "sys"
ENVIRONMENT = "env"
CONVERSATION = "conversation"
RESERVED_NAMESPACES = frozenset({SYSTEM, ENVIRONMENT, CONVERSATION})

VARIABLE_PATTERN = re.compile(r"\{\{#([a-zA-Z0-9_]{1,50}(?:\.[a-zA-Z_][a-zA-Z0-9_]{0,29}){1,10})#\}\}")


def as_selector(value: Sequence[str] | str) -> Selector:
    if isinstance(value, str):
        return tuple(value.split("."))
    return tuple(str(part) for part in value)


@dataclass(frozen=True, slots=True)
class TemplateVariable:
    selector: Selector

    @property
    def dotted(self) -> str:
        return ".".join(self.selector)


TemplatePart = str | TemplateVariable


@lru_cache(maxsize=4096)
def parse_template(text: str) -> tuple[TemplatePart, ...]:
    """Split a template into literal strings and variables, in order."""
    parts: list[TemplatePart] = []
    pos = 0
    for match in VARIABLE_PATTERN.finditer(text):
        if match.start() > pos:
            parts.append(text[pos : match.start()])
        parts.append(TemplateVariable(tuple(match.group(1).split("."))))
        pos = match.end()
    if pos < len(text):
        parts.append(text[pos:])
    return tuple(parts)


def template_selectors(text: str) -> list[Selector]:
    return [p.selector for p in parse_template(text) if isinstance(p, TemplateVariable)]
