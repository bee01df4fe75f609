"""parameter-extractor: typed parameters from the model's JSON (mock provider)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from engine.nodes.parameter_extractor import ParameterExtractorNodeData
from engine.nodes.services import Services
from engine.providers import Message, MockProvider
from engine.settings import Settings
from engine.variables import VariablePool
from tests.engine.nodes.external_node_support import Harness, build_node

PARAMETERS = [
    {"name": "city", "type": "string", "description": "destination", "required": True},
    {"name": "nights", "type": "number", "required": True},
    {"name": "breakfast", "type": "bool"},
    {"name": "room", "type": "select", "options": ["single", "double"]},
    {"name": "guests", "type": "array[string]"},
]


def pe_data(**extra: Any) -> dict[str, Any]:
    return {
        "type": "parameter-extractor",
        "model": {"provider": "openai", "name": "gpt-4o", "mode": "chat"},
        "query": ["start", "text"],
        "parameters": PARAMETERS,
        "instruction": "Dates are in {{#start.tz#}}",
        "reasoning_mode": "prompt",
        **extra,
    }


def run(reply: str) -> tuple[dict[str, Any], list[list[Message]]]:
    seen: list[list[Message]] = []
    pool = VariablePool()
    pool.add(("start", "text"), "Two nights in Paris for Ann and Bob, double room, breakfast please")
    pool.add(("start", "tz"), "CET")
    h = Harness(pool=pool, services=Services(Settings()))
    h.services.get("llm_providers").register(
        "openai", "gpt-4o", MockProvider(lambda m: seen.append(m) or reply)
    )
    return h.run(build_node(pe_data())).outputs, seen


def test_extracts_and_converts_typed_parameters() -> None:
    reply = (
        'Here: {"city": "Paris", "nights": "2", "breakfast": "yes", '
        '"room": "double", "guests": ["Ann", "Bob"]}'
    )
    out, seen = run(reply)
    assert out["city"] == "Paris" and out["nights"] == 2 and out["breakfast"] is True
    assert out["room"] == "double" and out["guests"] == ["Ann", "Bob"]
    assert out["__is_success"] == 1 and out["__reason"] is None
    assert out["__usage"]["total_tokens"] > 0
    system = seen[0][0].content
    assert '"nights": {"type": "number"' in system and "Dates are in CET" in system


def test_missing_required_parameter_is_reported() -> None:
    out, _ = run('{"city": "Paris"}')
    assert out["nights"] == 0 and out["guests"] == [] and out["breakfast"] is False
    assert out["__is_success"] == 0
    assert out["__reason"] == "required parameter 'nights' is missing"


def test_ill_typed_values_are_reported() -> None:
    out, _ = run('{"city": "Paris", "nights": "many", "room": "suite"}')
    assert out["__is_success"] == 0
    assert "'nights'" in out["__reason"] and "'room': expected one of single, double" in out["__reason"]


def test_reply_without_json_is_a_failed_extraction() -> None:
    out, _ = run("I cannot help with that.")
    assert out["__is_success"] == 0 and "no JSON object" in out["__reason"]
    assert out["city"] == ""


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"parameters": []}, "parameters"),
        ({"parameters": [{"name": "x", "type": "date"}]}, "parameters.0.type"),
        ({"parameters": [{"name": "bad name", "type": "string"}]}, "parameters.0.name"),
        ({"parameters": [{"name": "__reason", "type": "string"}]}, "parameters"),
        ({"query": []}, "query"),
        ({"reasoning_mode": "telepathy"}, "reasoning_mode"),
    ],
)
def test_bad_configuration_names_the_field(patch: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        ParameterExtractorNodeData.model_validate(pe_data(**patch))
    locs = [".".join(str(p) for p in e["loc"]) for e in info.value.errors()]
    assert any(loc.startswith(field) for loc in locs), locs
