"""How a model node reaches its provider through ``ctx.services``."""

from __future__ import annotations

from engine.nodes.base import NodeContext
from engine.providers.model_config import ModelConfig
from engine.providers.protocol import LLMProvider
from engine.providers.registry import ProviderRegistry


def registry_for(ctx: NodeContext) -> ProviderRegistry:
    registry = ctx.services.get("llm_providers")
    if registry is None:
        registry = ProviderRegistry(ctx.services.settings)
    return registry


def provider_for(ctx: NodeContext, model: ModelConfig) -> LLMProvider:
    """The configured provider; :class:`NodeConfigError` naming what to configure otherwise."""
    return registry_for(ctx).get(model.provider, model.name)
