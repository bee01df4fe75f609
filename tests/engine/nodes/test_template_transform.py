"""template-transform: Jinja2 rendering in a sandbox, errors, the output cap."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from engine.errors import DslError, NodeError
from engine.nodes.template_transform import TemplateTransformNodeData, compile_template
from engine.variables import VariablePool


def data(template: str, **variables: list[str]) -> dict[str, Any]:
    return {
        "type": "template-transform",
        "template": template,
        "variables": [{"variable": name, "value_selector": sel} for name, sel in variables.items()],
    }


def pool_with(**values: Any) -> VariablePool:
    pool = VariablePool()
    for name, value in values.items():
        pool.add(["start", name], value)
    return pool


def test_renders_variables(make_node, run_node) -> None:
    node = make_node(data("Hello, {{ name }}! {{ n + 1 }}", name=["start", "name"], n=["start", "n"]))
    result = run_node(node, pool_with(name="Ada", n=41))
    assert result.outputs == {"output": "Hello, Ada! 42"}
    assert result.inputs == {"name": "Ada", "n": 41}


def test_loops_filters_and_objects(make_node, run_node) -> None:
    node = make_node(
        data(
            "{% for r in rows %}{{ r.name | upper }}{% if not loop.last %},{% endif %}{% endfor %}",
            rows=["s", "r"],
        )
    )
    pool = VariablePool()
    pool.add(["s", "r"], [{"name": "a"}, {"name": "b"}])
    assert run_node(node, pool).outputs["output"] == "A,B"


def test_missing_variable_is_none(make_node, run_node) -> None:
    node = make_node(data("[{{ x }}]{% if x is none %}!{% endif %}", x=["start", "absent"]))
    assert run_node(node, pool_with()).outputs["output"] == "[None]!"


def test_trailing_newline_is_dropped_as_jinja_does(make_node, run_node) -> None:
    assert run_node(make_node(data("line\n")), pool_with()).outputs["output"] == "line"


def test_sandbox_blocks_internals(make_node, run_node) -> None:
    node = make_node(data("{{ s.__class__.__mro__[1].__subclasses__() }}", s=["start", "s"]))
    with pytest.raises(NodeError, match="sandbox forbids") as info:
        run_node(node, pool_with(s="x"))
    assert info.value.error_type == "TemplateRenderError"


def test_syntax_error_fails_with_line(make_node, run_node) -> None:
    node = make_node(data("ok\n{% for x in %}"))
    with pytest.raises(NodeError, match=r"template error \(line 2\)"):
        run_node(node, pool_with())


def test_runtime_error_in_expression(make_node, run_node) -> None:
    node = make_node(data("{{ 1 / n }}", n=["start", "n"]))
    with pytest.raises(NodeError, match="ZeroDivisionError"):
        run_node(node, pool_with(n=0))


def test_output_over_400000_characters_fails(make_node, run_node) -> None:
    node = make_node(data("{{ 'x' * n }}", n=["start", "n"]))
    assert len(run_node(node, pool_with(n=400_000)).outputs["output"]) == 400_000
    with pytest.raises(NodeError, match="Output length exceeds 400000 characters"):
        run_node(node, pool_with(n=400_001))


def test_compiled_templates_are_cached() -> None:
    assert compile_template("{{ a }}-cache") is compile_template("{{ a }}-cache")


def test_selectors(make_node) -> None:
    node = make_node(data("{{ a }}{{ b }}", a=["start", "a"], b=["sys", "query"]))
    assert node.selectors() == [("start", "a"), ("sys", "query")]


def test_bad_configuration() -> None:
    with pytest.raises(ValidationError, match=r"variables\.0\.variable"):
        TemplateTransformNodeData.model_validate(
            {"type": "template-transform", "variables": [{"value_selector": []}]}
        )
    with pytest.raises(ValidationError, match="template"):
        TemplateTransformNodeData.model_validate({"type": "template-transform", "template": ["not", "text"]})


def test_bad_configuration_in_a_workflow(load_single) -> None:
    with pytest.raises(DslError) as info:
        load_single(
            {"type": "template-transform", "template": "x", "variables": [{"variable": 3}]}, node_id="tt"
        )
    assert (info.value.node_id, info.value.field) == ("tt", "data.variables.0.variable")
