"""The variable pool: namespaces, nested selectors, templates, secrets, snapshots."""

from __future__ import annotations

import json

import pytest

from engine.variables import MISSING, TemplateVariable, VariablePool, mask_secrets, parse_template


@pytest.fixture
def pool() -> VariablePool:
    pool = VariablePool(
        system={"query": "hi", "user_id": "u1"},
        environment={"base": "https://api.example", "token": "tok-123456"},
        conversation={"memory": ["a"]},
        secrets=["tok-123456"],
    )
    pool.set_outputs("llm", {"text": "Hello", "usage": {"tokens": {"in": 3, "out": None}}, "items": [1, 2]})
    pool.set_outputs("start", {"q": "why?", "n": None})
    return pool


def test_namespaces_and_outputs(pool: VariablePool) -> None:
    assert pool.get(["sys", "query"]) == "hi"
    assert pool.get(("env", "base")) == "https://api.example"
    assert pool.get(["conversation", "memory"]) == ["a"]
    assert pool.get(["start", "q"]) == "why?"
    assert pool.namespace("llm")["text"] == "Hello"
    assert pool.namespace("nobody") == {}


def test_nested_selectors_go_into_objects_only(pool: VariablePool) -> None:
    assert pool.get(["llm", "usage", "tokens", "in"]) == 3
    assert pool.lookup(["llm", "usage", "tokens", "out"]) is None  # present, null
    assert pool.lookup(["llm", "usage", "tokens", "out", "deeper"]) is MISSING
    assert pool.lookup(["llm", "usage", "nope"]) is MISSING
    assert pool.lookup(["llm", "items", "0"]) is MISSING  # Dify does not index lists
    assert pool.lookup(["llm", "text", "upper"]) is MISSING  # nor read attributes of text
    assert pool.lookup(["llm"]) is MISSING
    assert pool.get(["ghost", "x"], "fallback") == "fallback"
    assert pool.has(["start", "n"]) and not pool.has(["start", "m"])


def test_add_writes_nested_paths(pool: VariablePool) -> None:
    pool.add(["conversation", "profile", "name"], "Ada")
    pool.add(["loop", "i"], 2)
    assert pool.get(["conversation", "profile"]) == {"name": "Ada"}
    assert pool.get(["loop", "i"]) == 2
    with pytest.raises(ValueError, match="namespace and a name"):
        pool.add(["only"], 1)


def test_render_uses_segment_text_and_missing_variables_render_as_their_selector(pool: VariablePool) -> None:
    template = "{{#start.q#}} {{#llm.usage.tokens#}} [{{#start.n#}}] {{#producer.output#}} {{#llm.items#}}"
    assert pool.render(template) == 'why? {"in": 3, "out": null} [] producer.output [1, 2]'


def test_render_markdown_is_what_answer_nodes_show(pool: VariablePool) -> None:
    pool.add(["kr", "result"], ["first", "second"])
    assert pool.render("Found:\n{{#kr.result#}}", markdown=True) == "Found:\n- first\n- second"
    assert pool.render("{{#kr.result#}}") == '["first", "second"]'


def test_template_parsing() -> None:
    parts = parse_template("a {{#node_1.out.key#}} b {{#sys.query#}}{{# bad #}}{{#x#}}")
    assert parts == (
        "a ",
        TemplateVariable(("node_1", "out", "key")),
        " b ",
        TemplateVariable(("sys", "query")),
        "{{# bad #}}{{#x#}}",
    )
    assert parts[1].dotted == "node_1.out.key"  # type: ignore[union-attr]


def test_secrets_are_masked_wherever_they_appear(pool: VariablePool) -> None:
    shown = pool.mask({"url": "https://api.example?t=tok-123456", "list": ["tok-123456", 5], "n": 3})
    assert shown == {"url": "https://api.example?t=******", "list": ["******", 5], "n": 3}
    assert pool.mask("nothing secret") == "nothing secret"
    assert "tok-123456" not in json.dumps(pool.mask(pool.namespace("env")))


def test_longer_secrets_mask_first() -> None:
    pool = VariablePool(secrets=["abc", "abcdef", "", None])  # type: ignore[list-item]
    assert pool.mask("xabcdefx abc") == "x******x ******"
    assert pool.secrets == frozenset({"abc", "abcdef"})
    assert mask_secrets(["abcdef"], {"abc", "abcdef"}) == ["******"]


def test_add_secret_later() -> None:
    pool = VariablePool()
    assert pool.mask("pw=hunter2") == "pw=hunter2"
    pool.add_secret("hunter2")
    assert pool.mask("pw=hunter2") == "pw=******"


def test_copy_is_independent(pool: VariablePool) -> None:
    clone = pool.copy()
    clone.add(["iter", "item"], 1)
    clone.set_outputs("llm", {"text": "changed"})
    assert not pool.has(["iter", "item"])
    assert pool.get(["llm", "text"]) == "Hello"
    assert clone.mask("tok-123456") == "******"


def test_snapshot_round_trip_through_json(pool: VariablePool) -> None:
    restored = VariablePool.from_dict(json.loads(json.dumps(pool.to_dict())))
    assert restored.to_dict() == pool.to_dict()
    assert restored.get(["llm", "usage", "tokens", "in"]) == 3
    assert restored.mask("tok-123456") == "******"
    with pytest.raises(ValueError, match="vars"):
        VariablePool.from_dict({"secrets": []})
