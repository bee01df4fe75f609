"""The mock provider and the provider registry."""

from __future__ import annotations

import pytest

from engine.errors import NodeConfigError
from engine.nodes.cancel import CancelToken
from engine.nodes.services import Services
from engine.providers import (
    Message,
    MockProvider,
    OpenAICompatibleProvider,
    ProviderRegistry,
    Usage,
    complete,
)
from engine.providers.mock import split_words
from engine.settings import ModelSettings, Settings


def test_mock_streams_word_by_word_deterministically() -> None:
    llm = MockProvider("The quick  brown fox")
    first = list(llm.stream_chat([Message("user", "q")], {}, CancelToken()))
    second = list(llm.stream_chat([Message("user", "q")], {}, CancelToken()))
    assert first == second
    assert [c.text for c in first if c.text] == ["The ", "quick  ", "brown ", "fox"]
    assert first[-1].usage == Usage(1, 4, 5) and first[-1].finish_reason == "stop"


def test_mock_echoes_the_last_user_message_by_default() -> None:
    messages = [Message("system", "s"), Message("user", "first"), Message("user", "last one")]
    assert complete(MockProvider(), messages, {}, CancelToken()).text == "last one"


def test_split_words_round_trips() -> None:
    text = "  leading, middle\n\nend  "
    assert "".join(split_words(text)) == text


def test_registry_matches_dify_provider_paths_and_kinds() -> None:
    settings = Settings(
        models=[
            ModelSettings(provider="openai", name="gpt-4o", base_url="http://127.0.0.1:1/v1"),
            ModelSettings(provider="local", name="m", kind="mock"),
        ]
    )
    registry = ProviderRegistry(settings)
    assert isinstance(registry.get("langgenius/openai/openai", "gpt-4o"), OpenAICompatibleProvider)
    assert isinstance(registry.get("local", "m"), MockProvider)
    assert registry.describe("openai", "gpt-4o") == (True, "openai-compatible at http://127.0.0.1:1/v1")
    available, detail = registry.describe("openai", "gpt-5")
    assert not available and "[[models]]" in detail


def test_registry_explains_a_missing_base_url_and_an_unknown_kind() -> None:
    settings = Settings(models=[ModelSettings(provider="p", name="m")])
    assert registry_detail(settings) == (False, "model p/m has no base_url in its [[models]] entry")
    registry = ProviderRegistry(settings, kinds={})
    with pytest.raises(NodeConfigError, match="unknown kind 'openai-compatible'"):
        registry.get("p", "m")


def registry_detail(settings: Settings) -> tuple[bool, str]:
    return ProviderRegistry(settings).describe("p", "m")


def test_code_registered_providers_win_over_settings() -> None:
    registry = ProviderRegistry(Settings())
    fixed = MockProvider("fixed")
    registry.register("openai", "gpt-4o", fixed)
    assert registry.get("langgenius/openai/openai", "gpt-4o") is fixed
    assert registry.describe("openai", "gpt-4o") == (True, "registered in code")


def test_services_build_the_registry_lazily() -> None:
    services = Services(Settings())
    registry = services.get("llm_providers")
    assert isinstance(registry, ProviderRegistry)
    assert services.get("llm_providers") is registry
