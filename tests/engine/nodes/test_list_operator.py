"""list-operator: filter, extract, order, limit over strings, numbers, booleans and files."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from engine.errors import DslError, NodeError
from engine.nodes.list_operator import ListOperatorNodeData
from engine.variables import VariablePool


def data(**options: Any) -> dict[str, Any]:
    return {"type": "list-operator", "variable": ["start", "items"], **options}


def filtered(*conditions: dict[str, Any]) -> dict[str, Any]:
    return {"filter_by": {"enabled": True, "conditions": list(conditions)}}


def pool_with(items: Any) -> VariablePool:
    pool = VariablePool()
    pool.add(["start", "items"], items)
    pool.add(["start", "needle"], "an")
    pool.add(["start", "index"], 2)
    return pool


def file(name: str, size: int, type_: str = "document") -> dict[str, Any]:
    ext = "." + name.rsplit(".", 1)[1]
    return {
        "dify_model_identity": "__dify__file__",
        "filename": name,
        "extension": ext,
        "size": size,
        "type": type_,
        "mime_type": "x/y",
        "transfer_method": "local_file",
    }


FRUIT = ["banana", "apple", "mango", "cherry", ""]


@pytest.mark.parametrize(
    ("operator", "value", "expected"),
    [
        ("contains", "an", ["banana", "mango"]),
        ("contains", "{{#start.needle#}}", ["banana", "mango"]),
        ("not contains", "an", ["apple", "cherry", ""]),
        ("start with", "ch", ["cherry"]),
        ("end with", "o", ["mango"]),
        ("is", "apple", ["apple"]),
        ("is not", "apple", ["banana", "mango", "cherry", ""]),
        ("in", "applepie mango", ["apple", "mango", ""]),  # substring of the value, as Dify
        ("not in", "applepie", ["banana", "mango", "cherry"]),
        ("empty", "", [""]),
        ("not empty", "", ["banana", "apple", "mango", "cherry"]),
    ],
)
def test_string_filters(make_node, run_node, operator: str, value: str, expected: list[str]) -> None:
    node = make_node(data(**filtered({"comparison_operator": operator, "value": value})))
    result = run_node(node, pool_with(FRUIT))
    assert result.outputs["result"] == expected
    assert result.inputs == {"variable": FRUIT}


@pytest.mark.parametrize(
    ("operator", "value", "expected"),
    [
        ("=", "2", [2]),
        ("≠", "2", [1, 3.5]),
        (">", "1.5", [2, 3.5]),
        ("<", "2", [1]),
        ("≥", "2", [2, 3.5]),
        ("≤", 2, [1, 2]),
    ],
)
def test_number_filters(make_node, run_node, operator: str, value: Any, expected: list[float]) -> None:
    node = make_node(data(**filtered({"comparison_operator": operator, "value": value})))
    assert run_node(node, pool_with([1, 2, 3.5])).outputs["result"] == expected


def test_boolean_filter(make_node, run_node) -> None:
    node = make_node(data(**filtered({"comparison_operator": "is", "value": True})))
    assert run_node(node, pool_with([True, False, True])).outputs["result"] == [True, True]


def test_conditions_are_applied_in_turn(make_node, run_node) -> None:
    node = make_node(
        data(
            **filtered(
                {"comparison_operator": "contains", "value": "a"},
                {"comparison_operator": "end with", "value": "e"},
            )
        )
    )
    assert run_node(node, pool_with(FRUIT)).outputs["result"] == ["apple"]


def test_order_limit_and_records(make_node, run_node) -> None:
    node = make_node(
        data(order_by={"enabled": True, "key": "", "value": "desc"}, limit={"enabled": True, "size": 2})
    )
    result = run_node(node, pool_with([3, 1, 2, 5]))
    assert result.outputs == {"result": [5, 3], "first_record": 5, "last_record": 3}


def test_extract_by_serial_template(make_node, run_node) -> None:
    node = make_node(data(extract_by={"enabled": True, "serial": "{{#start.index#}}"}))
    assert run_node(node, pool_with(["a", "b", "c"])).outputs["result"] == ["b"]


@pytest.mark.parametrize(
    ("serial", "message"), [("0", "must be >= 1"), ("4", "must be <= 3"), ("x", "not an integer")]
)
def test_extract_out_of_range_fails(make_node, run_node, serial: str, message: str) -> None:
    node = make_node(data(extract_by={"enabled": True, "serial": serial}))
    with pytest.raises(NodeError, match=message):
        run_node(node, pool_with(["a", "b", "c"]))


def test_filter_then_extract_then_order_then_limit(make_node, run_node) -> None:
    node = make_node(
        data(
            **filtered({"comparison_operator": ">", "value": "1"}),
            extract_by={"enabled": True, "serial": "2"},
            order_by={"enabled": True, "value": "asc"},
            limit={"enabled": True, "size": 5},
        )
    )
    assert run_node(node, pool_with([9, 1, 7, 3])).outputs["result"] == [7]


def test_file_filters_and_order(make_node, run_node) -> None:
    files = [file("a.pdf", 30), file("b.png", 10, "image"), file("c.pdf", 20)]
    pdfs = make_node(
        data(
            **filtered({"key": "extension", "comparison_operator": "is", "value": ".pdf"}),
            order_by={"enabled": True, "key": "size", "value": "asc"},
        )
    )
    assert [f["filename"] for f in run_node(pdfs, pool_with(files)).outputs["result"]] == ["c.pdf", "a.pdf"]
    images = make_node(data(**filtered({"key": "type", "comparison_operator": "in", "value": ["image"]})))
    assert run_node(images, pool_with(files)).outputs["first_record"]["filename"] == "b.png"
    big = make_node(data(**filtered({"key": "size", "comparison_operator": "≥", "value": "20"})))
    assert len(run_node(big, pool_with(files)).outputs["result"]) == 2
    by_name = make_node(data(order_by={"enabled": True, "key": "name", "value": "desc"}))
    assert run_node(by_name, pool_with(files)).outputs["last_record"]["filename"] == "a.pdf"


def test_bad_file_key_fails(make_node, run_node) -> None:
    node = make_node(data(**filtered({"key": "colour", "comparison_operator": "is", "value": "red"})))
    with pytest.raises(NodeError, match="Invalid key: colour"):
        run_node(node, pool_with([file("a.pdf", 1)]))


def test_empty_or_null_input_gives_empty_result(make_node, run_node) -> None:
    node = make_node(data(**filtered({"comparison_operator": "contains", "value": "a"})))
    for empty in ([], None):
        result = run_node(node, pool_with(empty))
        assert result.outputs == {"result": [], "first_record": None, "last_record": None}


@pytest.mark.parametrize(
    ("value", "message"),
    [([{"a": 1}], "is not an array of strings"), ("text", "is not an array"), ([1, "a"], "is not an array")],
)
def test_unsupported_values_fail(make_node, run_node, value: Any, message: str) -> None:
    with pytest.raises(NodeError, match=message):
        run_node(make_node(data()), pool_with(value))


def test_missing_variable_fails(make_node, run_node) -> None:
    node = make_node({"type": "list-operator", "variable": ["start", "absent"]})
    with pytest.raises(NodeError, match="Variable not found for selector"):
        run_node(node, pool_with([]))


def test_filter_value_type_errors(make_node, run_node) -> None:
    node = make_node(data(**filtered({"comparison_operator": "is", "value": "true"})))
    with pytest.raises(NodeError, match="Boolean filter expects a boolean value"):
        run_node(node, pool_with([True]))
    node = make_node(data(**filtered({"comparison_operator": ">", "value": "many"})))
    with pytest.raises(NodeError, match="Cannot convert 'many' to number"):
        run_node(node, pool_with([1]))
    node = make_node(data(**filtered({"comparison_operator": "contains", "value": "1"})))
    with pytest.raises(NodeError, match="Invalid condition: contains"):
        run_node(node, pool_with([1]))


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"variable": ["only"]}, "variable"),
        (
            {"filter_by": {"enabled": True, "conditions": [{"comparison_operator": "like"}]}},
            "comparison_operator",
        ),
        ({"order_by": {"enabled": True, "value": "up"}}, "order_by.value"),
        ({"limit": {"enabled": True, "size": "ten"}}, "limit.size"),
        ({"extract_by": {"enabled": "sometimes"}}, "extract_by.enabled"),
    ],
)
def test_bad_configuration(bad: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError, match=field):
        ListOperatorNodeData.model_validate(data(**bad))


def test_bad_configuration_in_a_workflow(load_single) -> None:
    with pytest.raises(DslError) as info:
        load_single(data(order_by={"enabled": True, "value": "sideways"}), node_id="lo")
    assert (info.value.node_id, info.value.field) == ("lo", "data.order_by.value")


def test_selectors_include_templates(make_node) -> None:
    node = make_node(
        data(
            **filtered({"comparison_operator": "is", "value": "{{#start.needle#}}"}),
            extract_by={"enabled": True, "serial": "{{#start.index#}}"},
        )
    )
    assert node.selectors() == [("start", "items"), ("start", "needle"), ("start", "index")]
