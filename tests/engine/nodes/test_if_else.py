"""if-else: case order, handles, legacy form, failures and configuration errors."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from engine.errors import DslError, NodeError
from engine.nodes.if_else import IfElseNodeData
from engine.variables import VariablePool


def cond(selector: list[str], operator: str, value: Any = None) -> dict[str, Any]:
    return {
        "variable_selector": selector,
        "comparison_operator": operator,
        "value": value,
        "varType": "string",
    }


def data(*cases: dict[str, Any]) -> dict[str, Any]:
    return {"type": "if-else", "title": "IF", "cases": list(cases)}


def case(case_id: str, *conditions: dict[str, Any], op: str = "and") -> dict[str, Any]:
    return {"case_id": case_id, "id": case_id, "logical_operator": op, "conditions": list(conditions)}


def pool_with(**values: Any) -> VariablePool:
    pool = VariablePool()
    for name, value in values.items():
        pool.add(["start", name], value)
    return pool


def test_first_matching_case_wins(make_node, run_node) -> None:
    node = make_node(
        data(
            case("small", cond(["start", "n"], "<", "5")),
            case("mid", cond(["start", "n"], "<", "50")),
            case("also", cond(["start", "n"], "<", "500")),
        )
    )
    result = run_node(node, pool_with(n=10))
    assert result.edge_handle == "mid"
    assert result.outputs == {"result": True, "selected_case_id": "mid"}
    assert [r["final_result"] for r in result.process_data["condition_results"]] == [False, True]
    assert result.process_data["condition_results"][1]["group"]["case_id"] == "mid"
    assert result.inputs == {
        "conditions": [{"actual_value": 10, "expected_value": "50", "comparison_operator": "<"}]
    }


def test_no_match_takes_false(make_node, run_node) -> None:
    node = make_node(data(case("true", cond(["start", "q"], "contains", "hello"))))
    result = run_node(node, pool_with(q="Hello world"))  # contains is case-sensitive
    assert result.edge_handle == "false"
    assert result.outputs == {"result": False, "selected_case_id": "false"}


def test_or_case(make_node, run_node) -> None:
    node = make_node(
        data(case("x", cond(["start", "q"], "is", "a"), cond(["start", "q"], "end with", "z"), op="or"))
    )
    assert run_node(node, pool_with(q="xyz")).edge_handle == "x"
    assert run_node(node, pool_with(q="xy")).edge_handle == "false"


def test_handles_are_the_case_ids_plus_false(make_node) -> None:
    node = make_node(data(case("a"), case("b")))
    assert node.handles() == ["a", "b", "false"]
    assert node.is_branch and node.inline


def test_selectors_list_every_condition_variable(make_node) -> None:
    node = make_node(
        data(case("a", cond(["start", "x"], "null")), case("b", cond(["sys", "query"], "empty")))
    )
    assert node.selectors() == [("start", "x"), ("sys", "query")]


def test_legacy_single_case_form(make_node, run_node) -> None:
    node = make_node(
        {
            "type": "if-else",
            "logical_operator": "and",
            "conditions": [cond(["start", "q"], "start with", "he")],
        }
    )
    assert node.handles() == ["true", "false"]
    result = run_node(node, pool_with(q="hello"))
    assert result.edge_handle == "true"
    assert result.process_data["condition_results"][0]["group"] == "default"


def test_empty_case_list_is_false(make_node, run_node) -> None:
    assert run_node(make_node(data()), pool_with()).edge_handle == "false"


def test_number_value_written_as_a_number_in_yaml(make_node, run_node) -> None:
    node = make_node(data(case("eq", cond(["start", "n"], "=", 1))))
    assert run_node(node, pool_with(n=1)).edge_handle == "eq"


def test_missing_variable_fails_the_node(make_node, run_node) -> None:
    node = make_node(data(case("a", cond(["start", "absent"], "=", "1"))))
    with pytest.raises(NodeError, match=r"Variable \['start', 'absent'\] not found"):
        run_node(node, pool_with())


def test_type_error_fails_the_node_with_dify_message(make_node, run_node) -> None:
    node = make_node(data(case("a", cond(["start", "s"], ">", "1"))))
    with pytest.raises(NodeError, match="Invalid actual value type: number") as info:
        run_node(node, pool_with(s="text"))
    assert info.value.error_type == "ValueError"


def test_null_values_compare_without_failing(make_node, run_node) -> None:
    node = make_node(
        data(case("none", cond(["start", "x"], "null")), case("some", cond(["start", "x"], "not null")))
    )
    assert run_node(node, pool_with(x=None)).edge_handle == "none"
    assert run_node(node, pool_with(x=0)).edge_handle == "some"


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"cases": [{"case_id": "a", "logical_operator": "xor", "conditions": []}]}, "logical_operator"),
        ({"cases": [{"case_id": "a", "conditions": [cond(["s", "x"], "like", "1")]}]}, "comparison_operator"),
        ({"cases": [{"logical_operator": "and", "conditions": []}]}, "case_id"),
        ({"cases": [{"case_id": "a", "conditions": [{"comparison_operator": "null"}]}]}, "variable_selector"),
        ({"cases": "nope"}, "cases"),
    ],
)
def test_bad_configuration_names_the_field(bad: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError, match=field):
        IfElseNodeData.model_validate({"type": "if-else", **bad})


def test_bad_operator_in_a_workflow_is_a_dsl_error(load_single) -> None:
    bad = data(case("a", cond(["start", "q"], "looks like", "x")))
    with pytest.raises(DslError) as info:
        load_single(bad, node_id="branch")
    assert info.value.node_id == "branch"
    assert info.value.field == "data.cases.0.conditions.0.comparison_operator"
    assert info.value.kind == "bad-field"


def test_selector_to_a_missing_node_is_a_dsl_error(load_single) -> None:
    with pytest.raises(DslError, match="points at no node") as info:
        load_single(data(case("a", cond(["ghost", "q"], "empty"))), node_id="branch")
    assert info.value.node_id == "branch"


def test_good_workflow_loads(load_single) -> None:
    workflow = load_single(
        data(case("a", cond(["start", "q"], "contains", "x"))),
        start_vars=[{"variable": "q", "type": "text-input", "label": "q"}],
    )
    assert workflow.node("node").node.handles() == ["a", "false"]


def test_selectors_include_templates_in_expected_values(make_node) -> None:
    node = make_node(data(case("a", cond(["start", "x"], "is", "{{#other.value#}}!"))))
    assert node.selectors() == [("start", "x"), ("other", "value")]
