"""question-classifier: routing by the model's answer (mock provider)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from engine.errors import NodeConfigError
from engine.nodes.question_classifier import QuestionClassifierNodeData
from engine.nodes.services import Services
from engine.providers import Message, MockProvider
from engine.settings import Settings
from engine.variables import VariablePool
from tests.engine.nodes.external_node_support import Harness, build_node


def qc_data(**extra: Any) -> dict[str, Any]:
    return {
        "type": "question-classifier",
        "query_variable_selector": ["start", "query"],
        "model": {"provider": "openai", "name": "gpt-4o", "mode": "chat"},
        "classes": [{"id": "1", "name": "Billing"}, {"id": "2", "name": "Technical support"}],
        "instruction": "Customer is {{#start.tier#}}",
        **extra,
    }


def run(reply: str, **extra: Any) -> tuple[Any, list[list[Message]]]:
    seen: list[list[Message]] = []
    pool = VariablePool()
    pool.add(("start", "query"), "My invoice is wrong")
    pool.add(("start", "tier"), "gold")
    h = Harness(pool=pool, services=Services(Settings()))
    h.services.get("llm_providers").register(
        "openai", "gpt-4o", MockProvider(lambda m: seen.append(m) or reply)
    )
    return h.run(build_node(qc_data(**extra))), seen


@pytest.mark.parametrize(
    ("reply", "class_id"),
    [
        ('{"category_id": "2", "category_name": "whatever"}', "2"),
        ('Sure! ```json\n{"category_name": "billing"}\n```', "1"),
        ("This is clearly Technical support.", "2"),
        ("no idea", "1"),
    ],
)
def test_routes_by_class_id(reply: str, class_id: str) -> None:
    result, _ = run(reply)
    assert result.edge_handle == class_id
    assert result.outputs["class_id"] == class_id
    assert result.outputs["class_name"] == {"1": "Billing", "2": "Technical support"}[class_id]
    assert result.outputs["usage"]["total_tokens"] == result.total_tokens > 0


def test_prompt_lists_classes_and_rendered_instruction() -> None:
    _, seen = run('{"category_id": "1"}')
    system, user = seen[0]
    assert '"category_id": "2", "category_name": "Technical support"' in system.content
    assert "Customer is gold" in system.content
    assert user == Message("user", "My invoice is wrong")


def test_handles_and_selectors() -> None:
    node = build_node(qc_data())
    assert node.is_branch
    assert node.handles() == ["1", "2"]
    assert set(node.selectors()) == {("start", "query"), ("start", "tier")}


def test_unconfigured_model_fails_at_run_time() -> None:
    pool = VariablePool()
    pool.add(("start", "query"), "x")
    with pytest.raises(NodeConfigError, match="openai/gpt-4o is not configured"):
        Harness(pool=pool).run(build_node(qc_data()))


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"classes": []}, "classes"),
        ({"classes": [{"id": "1", "name": "a"}, {"id": "1", "name": "b"}]}, "classes"),
        ({"classes": [{"name": "no id"}]}, "classes.0.id"),
        ({"query_variable_selector": []}, "query_variable_selector"),
        ({"model": {"mode": "edit"}}, "model.mode"),
    ],
)
def test_bad_configuration_names_the_field(patch: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        QuestionClassifierNodeData.model_validate(qc_data(**patch))
    locs = [".".join(str(p) for p in e["loc"]) for e in info.value.errors()]
    assert any(loc.startswith(field) for loc in locs), locs
