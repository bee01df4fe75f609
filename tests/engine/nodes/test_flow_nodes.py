"""start, end, answer, iteration and loop: options and bad configuration."""

from __future__ import annotations

from typing import Any

import pytest

from engine import DslError, InputError, load_workflow, run_workflow
from engine.variables import VariablePool
from tests.engine.nodes.conftest import build, context


def workflow(*nodes: dict[str, Any], edges: list[tuple[str, str]] | None = None) -> dict[str, Any]:
    return {
        "nodes": list(nodes),
        "edges": [{"id": f"{a}-{b}", "source": a, "target": b} for a, b in (edges or [])],
    }


START = {
    "id": "start",
    "data": {"type": "start", "title": "Start", "variables": [{"variable": "q", "type": "text-input"}]},
}


def test_start_outputs_inputs_and_system_values() -> None:
    pool = VariablePool(system={"query": "hi"})
    pool.set_outputs("start", {"q": "question"})
    result = build(START["data"], "start").run(context("start", pool))
    assert result.outputs == {"q": "question", "sys.query": "hi"}


def test_end_reads_null_for_missing_and_keeps_declared_order() -> None:
    node = build(
        {
            "type": "end",
            "outputs": [
                {"variable": "b", "value_selector": ["x", "b"]},
                {"variable": "a", "value_selector": ["x", "missing"]},
            ],
        },
        "end",
    )
    pool = VariablePool()
    pool.set_outputs("x", {"b": 2})
    result = node.run(context("end", pool))
    assert list(result.outputs.items()) == [("b", 2), ("a", None)]


def test_answer_renders_markdown_and_keeps_missing_selector_text() -> None:
    node = build({"type": "answer", "answer": "{{#x.items#}} / {{#x.nope#}}"}, "answer")
    pool = VariablePool()
    pool.set_outputs("x", {"items": ["a", "b"]})
    result = node.run(context("answer", pool))
    assert result.outputs == {"answer": "- a\n- b / x.nope", "files": []}


def test_required_start_input_missing_is_an_input_error() -> None:
    wf = workflow(
        {
            "id": "start",
            "data": {
                "type": "start",
                "variables": [{"variable": "q", "type": "text-input", "required": True}],
            },
        },
        {"id": "end", "data": {"type": "end", "outputs": []}},
        edges=[("start", "end")],
    )
    with pytest.raises(InputError, match="q"):
        run_workflow(wf, {})


@pytest.mark.parametrize(
    ("node", "field"),
    [
        ({"id": "end", "data": {"type": "end", "outputs": "nope"}}, "data.outputs"),
        (
            {"id": "end", "data": {"type": "end", "outputs": [{"value_selector": ["start", "q"]}]}},
            "data.outputs.0.variable",
        ),
        ({"id": "end", "data": {"type": "answer", "answer": ["not", "text"]}}, "data.answer"),
        (
            {"id": "end", "data": {"type": "iteration", "iterator_selector": [], "start_node_id": "s"}},
            "data.iterator_selector",
        ),
        (
            {
                "id": "end",
                "data": {"type": "iteration", "iterator_selector": ["start", "q"], "parallel_nums": 0},
            },
            "data.parallel_nums",
        ),
        ({"id": "end", "data": {"type": "loop", "loop_count": -1}}, "data.loop_count"),
        ({"id": "end", "data": {"type": "loop", "logical_operator": "xor"}}, "data.logical_operator"),
        (
            {
                "id": "end",
                "data": {
                    "type": "iteration",
                    "iterator_selector": ["start", "q"],
                    "error_handle_mode": "ignore",
                },
            },
            "data.error_handle_mode",
        ),
    ],
)
def test_bad_configuration_names_node_and_field(node: dict[str, Any], field: str) -> None:
    with pytest.raises(DslError) as info:
        load_workflow(workflow(START, node, edges=[("start", "end")]))
    assert info.value.node_id == "end"
    assert info.value.field == field


def test_container_without_a_start_node_inside_is_rejected() -> None:
    wf = workflow(
        START,
        {
            "id": "it",
            "data": {"type": "iteration", "iterator_selector": ["start", "q"], "output_selector": ["x", "y"]},
        },
        edges=[("start", "it")],
    )
    with pytest.raises(DslError) as info:
        load_workflow(wf)
    assert info.value.node_id == "it"
