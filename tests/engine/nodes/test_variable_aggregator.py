"""variable-aggregator: first available variable, groups, legacy type name, configuration errors."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from engine.errors import DslError
from engine.nodes.registry import node_class
from engine.nodes.variable_aggregator import VariableAggregatorNode, VariableAggregatorNodeData
from engine.variables import VariablePool


def pool_with(**values: Any) -> VariablePool:
    pool = VariablePool()
    for key, value in values.items():
        node, name = key.split("__")
        pool.add([node, name], value)
    return pool


def test_first_available_variable_wins(make_node, run_node) -> None:
    node = make_node(
        {"type": "variable-aggregator", "output_type": "string", "variables": [["a", "out"], ["b", "out"]]}
    )
    result = run_node(node, pool_with(b__out="from b"))
    assert result.outputs == {"output": "from b"}
    assert result.inputs == {"out": "from b"}
    assert run_node(node, pool_with(a__out="A", b__out="B")).outputs == {"output": "A"}


def test_null_is_passed_over_and_falsy_values_are_kept(make_node, run_node) -> None:
    node = make_node({"type": "variable-aggregator", "variables": [["a", "out"], ["b", "out"], ["c", "out"]]})
    assert run_node(node, pool_with(a__out=None, b__out=0, c__out=5)).outputs == {"output": 0}


def test_nothing_available_gives_no_output(make_node, run_node) -> None:
    node = make_node({"type": "variable-aggregator", "variables": [["a", "out"]]})
    assert run_node(node, pool_with()).outputs == {}


def test_nested_selector(make_node, run_node) -> None:
    node = make_node({"type": "variable-aggregator", "variables": [["a", "obj", "k"]]})
    result = run_node(node, pool_with(a__obj={"k": [1, 2]}))
    assert result.outputs == {"output": [1, 2]}
    assert result.inputs == {"obj.k": [1, 2]}


def test_groups(make_node, run_node) -> None:
    node = make_node(
        {
            "type": "variable-aggregator",
            "output_type": "string",
            "variables": [["ignored", "x"]],
            "advanced_settings": {
                "group_enabled": True,
                "groups": [
                    {"group_name": "text", "output_type": "string", "variables": [["a", "t"], ["b", "t"]]},
                    {"group_name": "num", "output_type": "number", "variables": [["a", "n"], ["b", "n"]]},
                    {"group_name": "none", "output_type": "number", "variables": [["z", "n"]]},
                ],
            },
        }
    )
    result = run_node(node, pool_with(b__t="bt", a__n=1, b__n=2, ignored__x="no"))
    assert result.outputs == {"text": {"output": "bt"}, "num": {"output": 1}}
    assert node.selectors() == [("a", "t"), ("b", "t"), ("a", "n"), ("b", "n"), ("z", "n")]


def test_groups_disabled_use_the_plain_variables(make_node, run_node) -> None:
    node = make_node(
        {
            "type": "variable-aggregator",
            "variables": [["a", "x"]],
            "advanced_settings": {
                "group_enabled": False,
                "groups": [{"group_name": "g", "variables": [["b", "y"]]}],
            },
        }
    )
    assert run_node(node, pool_with(a__x=1, b__y=2)).outputs == {"output": 1}
    assert node.selectors() == [("a", "x")]


def test_legacy_variable_assigner_type_is_the_aggregator(make_node, run_node) -> None:
    assert node_class("variable-assigner") is VariableAggregatorNode
    node = make_node({"type": "variable-assigner", "output_type": "string", "variables": [["a", "x"]]})
    assert run_node(node, pool_with(a__x="v")).outputs == {"output": "v"}


def test_is_inline(make_node) -> None:
    assert make_node({"type": "variable-aggregator", "variables": []}).inline


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"variables": "a.b"}, "variables"),
        ({"variables": [["a", 1]]}, "variables.0.1"),
        ({"output_type": "text"}, "output_type"),
        ({"advanced_settings": {"group_enabled": True, "groups": [{"variables": []}]}}, "group_name"),
        ({"advanced_settings": {"group_enabled": "maybe"}}, "group_enabled"),
    ],
)
def test_bad_configuration(bad: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError, match=field):
        VariableAggregatorNodeData.model_validate({"type": "variable-aggregator", **bad})


def test_bad_configuration_in_a_workflow(load_single) -> None:
    with pytest.raises(DslError) as info:
        load_single(
            {"type": "variable-aggregator", "output_type": "stringly", "variables": []}, node_id="agg"
        )
    assert (info.value.node_id, info.value.field) == ("agg", "data.output_type")
