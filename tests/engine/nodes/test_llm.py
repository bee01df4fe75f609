"""llm node: prompts, context, memory, streaming and model configuration (mock provider)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from engine.dsl import load_workflow
from engine.errors import NodeCancelled, NodeConfigError
from engine.nodes.llm import LLMNodeData
from engine.nodes.services import Services
from engine.providers import Message, MockProvider
from engine.settings import ModelSettings
from engine.variables import VariablePool
from tests.conftest import require_corpus
from tests.engine.nodes.external_node_support import Harness, build_node, settings_with

CORPUS = Path(__file__).resolve().parents[3].parent / "shared" / "dify-dsl"
MOCK_MODEL = ModelSettings(provider="openai", name="gpt-4o", kind="mock")


def llm_data(**extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "type": "llm",
        "title": "LLM",
        "model": {"provider": "langgenius/openai/openai", "name": "gpt-4o", "mode": "chat"},
        "prompt_template": [
            {"role": "system", "text": "Be brief."},
            {"role": "user", "text": "{{#start.query#}}"},
        ],
    }
    data.update(extra)
    return data


def harness(pool: VariablePool | None = None, reply: Any = None) -> Harness:
    h = Harness(pool=pool or VariablePool(), services=Services(settings_with(MOCK_MODEL)))
    if reply is not None:
        h.services.get("llm_providers").register("openai", "gpt-4o", MockProvider(reply))
    return h


def pool_with(**start: Any) -> VariablePool:
    pool = VariablePool()
    for key, value in start.items():
        pool.add(("start", key), value)
    return pool


def test_streams_word_by_word_and_outputs_text_usage_finish_reason() -> None:
    h = harness(pool_with(query="hello there world"))
    result = h.run(build_node(llm_data()))
    assert [c for _, c in h.chunks] == ["hello ", "there ", "world"]
    assert {name for name, _ in h.chunks} == {"text"}
    assert result.outputs["text"] == "hello there world"
    assert result.outputs["finish_reason"] == "stop"
    assert result.outputs["usage"] == {"prompt_tokens": 5, "completion_tokens": 3, "total_tokens": 8}
    assert result.total_tokens == 8


def test_chat_prompt_renders_templates_and_drops_empty_messages() -> None:
    seen: list[list[Message]] = []
    h = harness(pool_with(query="q?"), reply=lambda msgs: seen.append(msgs) or "ok")
    data = llm_data(
        prompt_template=[{"role": "system", "text": ""}, {"role": "user", "text": "Ask: {{#start.query#}}"}]
    )
    h.run(build_node(data))
    assert seen[0] == [Message("user", "Ask: q?")]


def test_jinja2_edition_uses_prompt_config_variables() -> None:
    seen: list[list[Message]] = []
    h = harness(pool_with(items=["a", "b"]), reply=lambda msgs: seen.append(msgs) or "ok")
    data = llm_data(
        prompt_template=[
            {
                "role": "user",
                "edition_type": "jinja2",
                "text": "",
                "jinja2_text": "{% for i in items %}<{{ i }}>{% endfor %}",
            }
        ],
        prompt_config={"jinja2_variables": [{"variable": "items", "value_selector": ["start", "items"]}]},
    )
    node = build_node(data)
    assert ("start", "items") in node.selectors()
    h.run(node)
    assert seen[0] == [Message("user", "<a><b>")]


def test_completion_prompt_becomes_one_user_message_with_histories() -> None:
    seen: list[list[Message]] = []
    pool = pool_with(query="now")
    pool.add(
        ("sys", "history"), [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]
    )
    h = harness(pool, reply=lambda msgs: seen.append(msgs) or "ok")
    data = llm_data(
        model={"provider": "openai", "name": "gpt-4o", "mode": "completion"},
        prompt_template={"text": "{{#histories#}}\nHuman: {{#start.query#}}"},
        memory={"window": {"enabled": True, "size": 5}},
    )
    h.run(build_node(data))
    assert seen[0] == [Message("user", "Human: hi\nAssistant: hello\nHuman: now")]


def test_context_is_inserted_where_the_prompt_says() -> None:
    seen: list[list[Message]] = []
    pool = VariablePool()
    pool.add(("kr", "result"), [{"content": "Doc one."}, {"content": "Doc two."}])
    h = harness(pool, reply=lambda msgs: seen.append(msgs) or "ok")
    data = llm_data(
        prompt_template=[{"role": "system", "text": "Use: {{#context#}}"}],
        context={"enabled": True, "variable_selector": ["kr", "result"]},
    )
    node = build_node(data)
    assert ("kr", "result") in node.selectors()
    h.run(node)
    assert seen[0] == [Message("system", "Use: Doc one.\nDoc two.")]


def test_chatflow_memory_window_keeps_the_last_turns_then_the_query() -> None:
    seen: list[list[Message]] = []
    pool = VariablePool(system={"query": "third?"})
    history = []
    for i in range(3):
        history += [{"role": "user", "content": f"u{i}"}, {"role": "assistant", "content": f"a{i}"}]
    pool.add(("sys", "history"), history)
    h = harness(pool, reply=lambda msgs: seen.append(msgs) or "ok")
    data = llm_data(
        prompt_template=[{"role": "system", "text": "sys"}],
        memory={
            "window": {"enabled": True, "size": 1},
            "query_prompt_template": "{{#sys.query#}}\n\n{{#userinput.files#}}",
        },
    )
    node = build_node(data)
    assert node.selectors() == []  # the memory query template is not a load-time dependency
    h.run(node)
    assert seen[0] == [
        Message("system", "sys"),
        Message("user", "u2"),
        Message("assistant", "a2"),
        Message("user", "third?"),
    ]


def test_memory_history_may_come_from_a_service() -> None:
    class History:
        def recent(self, conversation_id: str | None, limit: int | None) -> list[dict[str, str]]:
            return [{"role": "user", "content": f"{conversation_id}:{limit}"}]

    seen: list[list[Message]] = []
    pool = VariablePool(system={"query": "q", "conversation_id": "c1"})
    h = harness(pool, reply=lambda msgs: seen.append(msgs) or "ok")
    h.services.set("conversation_history", History())
    h.run(build_node(llm_data(prompt_template=[], memory={"window": {"enabled": True, "size": 2}})))
    assert seen[0] == [Message("user", "c1:4"), Message("user", "q")]


def test_unconfigured_model_fails_at_run_time_saying_what_to_configure() -> None:
    node = build_node(llm_data(model={"provider": "anthropic", "name": "claude", "mode": "chat"}))
    with pytest.raises(NodeConfigError) as info:
        harness(pool_with(query="x")).run(node)
    message = str(info.value)
    assert "anthropic/claude is not configured" in message
    assert "[[models]]" in message and 'name = "claude"' in message and "FLOWDECK_MODELS" in message


def test_empty_model_names_load_but_fail_when_run() -> None:
    node = build_node(llm_data(model={"provider": "", "name": "", "mode": "chat", "completion_params": None}))
    with pytest.raises(NodeConfigError, match="not configured"):
        harness().run(node)


def test_cancel_stops_streaming() -> None:
    h = harness(pool_with(query="one two three four five six"))
    h.services.get("llm_providers").register("openai", "gpt-4o", MockProvider(delay_s=0.01))
    node = build_node(llm_data())
    ctx = h.context()
    chunks: list[str] = []

    def stream(name: str, chunk: str) -> None:
        chunks.append(chunk)
        if len(chunks) == 2:
            h.cancel.cancel("terminated")

    ctx.stream = stream
    with pytest.raises(NodeCancelled):
        node.run(ctx)
    assert chunks == ["one ", "two "]


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"model": None}, "model"),
        ({"model": {"provider": "p", "name": "n", "mode": "edit"}}, "model.mode"),
        ({"prompt_template": [{"role": "robot", "text": "x"}]}, "prompt_template"),
        ({"prompt_template": [{"role": "user", "text": "x", "edition_type": "mustache"}]}, "prompt_template"),
        ({"memory": {"window": {"enabled": True, "size": 0}}}, "memory.window.size"),
        ({"context": {"enabled": "sometimes"}}, "context.enabled"),
    ],
)
def test_bad_configuration_names_the_field(patch: dict[str, Any], field: str) -> None:
    data = llm_data(**patch)
    with pytest.raises(ValidationError) as info:
        LLMNodeData.model_validate(data)
    locs = [".".join(str(p) for p in e["loc"]) for e in info.value.errors()]
    assert any(loc.startswith(field) for loc in locs), locs


def test_every_corpus_llm_node_validates() -> None:
    require_corpus(CORPUS)
    import yaml

    count = 0
    for path in sorted(CORPUS.rglob("*.yml")):
        document = yaml.safe_load(path.read_text())
        graph = ((document or {}).get("workflow") or {}).get("graph") or {}
        for raw in graph.get("nodes") or []:
            if (raw.get("data") or {}).get("type") == "llm":
                build_node(raw["data"], raw["id"])
                count += 1
    assert count >= 10
    load_workflow(CORPUS / "basic_llm_chat_workflow.yml")
