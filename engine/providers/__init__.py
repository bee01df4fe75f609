"""Model providers: the protocol, the ``mock`` and ``openai-compatible`` kinds, the registry.

Configure models in flowdeck.toml::

    [[models]]
    provider = "openai"          # the DSL's model.provider (or its last path part)
    name = "gpt-4o"              # the DSL's model.name
    kind = "openai-compatible"   # or "mock"
    base_url = "https://api.openai.com/v1"
    api_key = "sk-..."
    model = ""                   # name the server knows, defaults to name

or ``FLOWDECK_MODELS='[{"provider": "openai", "name": "gpt-4o", ...}]'``.
Code can bypass settings: ``services.get("llm_providers").register(provider, name, llm)``.
"""

from engine.providers.mock import MockProvider
from engine.providers.openai_compatible import OpenAICompatibleProvider
from engine.providers.protocol import Chunk, Completion, LLMProvider, Message, Usage, complete
from engine.providers.registry import ProviderRegistry, build_registry, missing_model_message

__all__ = [
    "Chunk",
    "Completion",
    "LLMProvider",
    "Message",
    "MockProvider",
    "OpenAICompatibleProvider",
    "ProviderRegistry",
    "Usage",
    "build_registry",
    "complete",
    "missing_model_message",
]
