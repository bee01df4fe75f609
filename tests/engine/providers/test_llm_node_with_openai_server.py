"""The llm node end to end: settings -> provider registry -> fake OpenAI server -> streamed chunks."""

from __future__ import annotations

from engine.nodes.services import Services
from engine.settings import ModelSettings, Settings
from engine.variables import VariablePool
from tests.engine.nodes.external_node_support import Harness, build_node
from tests.engine.providers.fake_openai_server import FakeOpenAIServer


def test_llm_node_streams_server_chunks_and_counts_server_usage(openai_server: FakeOpenAIServer) -> None:
    model = ModelSettings(provider="openai", name="gpt-4o", base_url=openai_server.base_url, api_key="sk-1")
    pool = VariablePool()
    pool.add(("start", "query"), "Say hello")
    harness = Harness(pool=pool, services=Services(Settings(models=[model])))
    node = build_node(
        {
            "type": "llm",
            "model": {
                "provider": "langgenius/openai/openai",
                "name": "gpt-4o",
                "mode": "chat",
                "completion_params": {"temperature": 0.7},
            },
            "prompt_template": [{"role": "user", "text": "{{#start.query#}}"}],
        }
    )
    result = harness.run(node)
    assert harness.chunks == [("text", "Hello"), ("text", " from"), ("text", " fake")]
    assert result.outputs["text"] == "Hello from fake"
    assert result.outputs["usage"]["total_tokens"] == 10
    assert result.total_tokens == 10
    body = openai_server.requests[0]["body"]
    assert body["messages"] == [{"role": "user", "content": "Say hello"}]
    assert body["temperature"] == 0.7


def test_settings_from_the_environment_reach_the_node(openai_server: FakeOpenAIServer, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv(
        "FLOWDECK_MODELS",
        f'[{{"provider": "openai", "name": "gpt-4o", "base_url": "{openai_server.base_url}"}}]',
    )
    harness = Harness(services=Services(Settings()))
    node = build_node(
        {
            "type": "llm",
            "model": {"provider": "openai", "name": "gpt-4o"},
            "prompt_template": [{"role": "user", "text": "x"}],
        }
    )
    assert harness.run(node).outputs["text"] == "Hello from fake"
