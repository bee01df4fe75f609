"""Which :class:`LLMProvider` serves a DSL ``model.provider`` / ``model.name``.

Models come from Flowdeck's settings (``[[models]]`` in flowdeck.toml or the
``FLOWDECK_MODELS`` JSON list); each entry's ``kind`` picks the
implementation.  Code can also register a provider object for one model
(tests, embedding applications) or a factory for a new kind.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from engine.errors import NodeConfigError
from engine.providers.mock import MockProvider
from engine.providers.openai_compatible import OpenAICompatibleProvider
from engine.providers.protocol import LLMProvider
from engine.settings import ModelSettings, Settings

if TYPE_CHECKING:
    from engine.nodes.services import Services

KindFactory = Callable[[ModelSettings], LLMProvider]

DEFAULT_KINDS: dict[str, KindFactory] = {
    "mock": lambda model: MockProvider(),
    "openai-compatible": OpenAICompatibleProvider,
}


def missing_model_message(provider: str, name: str) -> str:
    short = provider.rsplit("/", 1)[-1] or "<provider>"
    return (
        f"model {provider or '<empty>'!s}/{name or '<empty>'!s} is not configured: add "
        f'[[models]] provider = "{short}", name = "{name or "<model>"}", '
        'base_url = "https://.../v1", api_key = "..." to flowdeck.toml '
        "(or list it in the FLOWDECK_MODELS environment variable as JSON)"
    )


class ProviderRegistry:
    def __init__(self, settings: Settings, kinds: dict[str, KindFactory] | None = None) -> None:
        self.settings = settings
        self._kinds = dict(DEFAULT_KINDS if kinds is None else kinds)
        self._explicit: dict[tuple[str, str], LLMProvider] = {}

    def register_kind(self, kind: str, factory: KindFactory) -> None:
        self._kinds[kind] = factory

    def register(self, provider: str, name: str, llm: LLMProvider) -> None:
        """Serve ``provider``/``name`` with ``llm`` whatever the settings say."""
        self._explicit[(provider, name)] = llm

    def _explicit_for(self, provider: str, name: str) -> LLMProvider | None:
        for (p, n), llm in self._explicit.items():
            if n == name and (p == provider or provider.endswith("/" + p)):
                return llm
        return None

    def describe(self, provider: str, name: str) -> tuple[bool, str]:
        """``(available, detail)`` without building anything (for ``flowdeck check``)."""
        if self._explicit_for(provider, name) is not None:
            return True, "registered in code"
        model = self.settings.find_model(provider, name) if name else None
        if model is None:
            return False, missing_model_message(provider, name)
        if model.kind not in self._kinds:
            return False, f"unknown model kind {model.kind!r} (known: {', '.join(sorted(self._kinds))})"
        if model.kind == "openai-compatible" and not model.base_url:
            return False, f"model {provider}/{name} has no base_url in its [[models]] entry"
        where = f" at {model.base_url}" if model.base_url else ""
        return True, f"{model.kind}{where}"

    def get(self, provider: str, name: str) -> LLMProvider:
        """The provider for a DSL model; :class:`NodeConfigError` saying what to configure."""
        llm = self._explicit_for(provider, name)
        if llm is not None:
            return llm
        model = self.settings.find_model(provider, name) if name else None
        if model is None:
            raise NodeConfigError(missing_model_message(provider, name), "ModelNotConfigured")
        factory = self._kinds.get(model.kind)
        if factory is None:
            raise NodeConfigError(
                f"model {provider}/{name} has unknown kind {model.kind!r} "
                f"(known: {', '.join(sorted(self._kinds))})",
                "ModelNotConfigured",
            )
        return factory(model)


def build_registry(services: Services) -> ProviderRegistry:
    """Service factory for ``llm_providers`` (see engine/nodes/services.py)."""
    return ProviderRegistry(services.settings)
