"""Variable pool, selectors, templates and Dify's text rendering."""

from engine.variables.pool import MISSING, VariablePool, mask_secrets
from engine.variables.rendering import to_markdown, to_text
from engine.variables.selectors import (
    CONVERSATION,
    ENVIRONMENT,
    RESERVED_NAMESPACES,
    SYSTEM,
    Selector,
    TemplateVariable,
    as_selector,
    parse_template,
    template_selectors,
)
from engine.variables.setup import build_pool, system_values, validate_inputs

__all__ = [
    "CONVERSATION",
    "ENVIRONMENT",
    "MISSING",
    "RESERVED_NAMESPACES",
    "SYSTEM",
    "Selector",
    "TemplateVariable",
    "VariablePool",
    "as_selector",
    "build_pool",
    "mask_secrets",
    "parse_template",
    "system_values",
    "template_selectors",
    "to_markdown",
    "to_text",
    "validate_inputs",
]
