"""Dify's comparison operators, one by one, and condition groups."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from engine.nodes.conditions import Condition, compare, evaluate_conditions, file_attribute, list_filter
from engine.variables import VariablePool


def file(name: str, *, type_: str = "document", size: int = 10, ext: str = ".pdf") -> dict[str, Any]:
    return {
        "dify_model_identity": "__dify__file__",
        "filename": name,
        "type": type_,
        "size": size,
        "extension": ext,
        "mime_type": "application/pdf",
        "transfer_method": "local_file",
        "remote_url": None,
        "url": f"http://files/{name}",
        "related_id": "r1",
    }


@pytest.mark.parametrize(
    ("operator", "actual", "expected", "result"),
    [
        ("contains", "hello world", "hello", True),
        ("contains", "Hello world", "hello", False),  # case-sensitive
        ("contains", ["a", "b"], "b", True),
        ("contains", "", "x", False),
        ("not contains", "hello", "x", True),
        ("not contains", "hello", "ell", False),
        ("not contains", "", "x", True),
        ("start with", "hello", "he", True),
        ("start with", "hello", "lo", False),
        ("end with", "hello", "lo", True),
        ("end with", "", "lo", False),
        ("is", "abc", "abc", True),
        ("is", "abc", "abd", False),
        ("is", None, "abc", False),
        ("is not", "abc", "abd", True),
        ("is not", None, "abd", False),
        ("empty", "", None, True),
        ("empty", [], None, True),
        ("empty", "x", None, False),
        ("not empty", [1], None, True),
        ("not empty", None, None, False),
        ("in", "b", ["a", "b"], True),
        ("in", "c", ["a", "b"], False),
        ("in", None, ["a"], False),
        ("not in", "c", ["a", "b"], True),
        ("not in", None, ["a"], True),
        ("all of", ["a", "b", "c"], ["a", "c"], True),
        ("all of", ["a", "b"], ["a", "z"], False),
        ("all of", "abc", ["a", "c"], True),
        ("all of", [], ["a"], False),
        ("=", 3, "3", True),
        ("=", 3.5, "3.5", True),
        ("=", 3, "4", False),
        ("≠", 3, "4", True),
        ("≠", None, "4", False),
        (">", 5, "4", True),
        (">", 4, "4.5", False),
        (">", 4.6, "4.5", True),
        ("<", 3, "4", True),
        ("≥", 4, "4", True),
        ("≥", 3.9, "4", False),
        ("≤", 4, "4.0", True),
        ("≤", None, "1", False),
        ("null", None, None, True),
        ("null", 0, None, False),
        ("not null", 0, None, True),
        ("exists", {"x": 1}, None, True),
        ("not exists", None, None, True),
    ],
)
def test_operator(operator: str, actual: Any, expected: Any, result: bool) -> None:
    assert compare(operator, actual, expected) is result


@pytest.mark.parametrize(
    ("operator", "actual", "expected", "message"),
    [
        (">", "5", "4", "Invalid actual value type: number"),
        (">", 5, "many", "Cannot convert 'many' to number"),
        ("=", 5, "5.5", "invalid literal for int()"),  # Dify compares an int with int(expected)
        ("=", "a", "a", "Invalid actual value type: number or boolean"),
        ("contains", 5, "5", "Invalid actual value type: string or array"),
        ("start with", ["a"], "a", "Invalid actual value type: string"),
        ("in", "a", "abc", "Invalid expected value type: array"),
        ("all of", ["a"], "a", "homogeneous list"),
        ("is", 5, "5", "Invalid actual value type: string or boolean"),
        ("nonsense", 5, "5", "Unsupported operator"),
    ],
)
def test_operator_type_errors(operator: str, actual: Any, expected: Any, message: str) -> None:
    with pytest.raises((TypeError, ValueError), match=message.replace("(", r"\(").replace(")", r"\)")):
        compare(operator, actual, expected)


def conditions(*raw: dict[str, Any]) -> list[Condition]:
    return [Condition.model_validate(c) for c in raw]


def test_and_short_circuits_and_records_inputs() -> None:
    pool = VariablePool()
    pool.add(["n", "x"], 5)
    pool.add(["n", "s"], "abc")
    check = evaluate_conditions(
        pool,
        conditions(
            {"variable_selector": ["n", "x"], "comparison_operator": ">", "value": "9"},
            {"variable_selector": ["n", "missing"], "comparison_operator": "=", "value": "1"},
        ),
        "and",
    )
    assert check.final_result is False
    assert check.group_results == [False]  # the second (missing) variable was never read
    assert check.inputs == [{"actual_value": 5, "expected_value": "9", "comparison_operator": ">"}]


def test_or_takes_the_first_true() -> None:
    pool = VariablePool()
    pool.add(["n", "s"], "abc")
    check = evaluate_conditions(
        pool,
        conditions(
            {"variable_selector": ["n", "s"], "comparison_operator": "is", "value": "x"},
            {"variable_selector": ["n", "s"], "comparison_operator": "start with", "value": "ab"},
        ),
        "or",
    )
    assert check.final_result is True
    assert check.group_results == [False, True]


def test_missing_variable_is_an_error_naming_it() -> None:
    with pytest.raises(ValueError, match=r"Variable \['n', 'gone'\] not found"):
        evaluate_conditions(
            VariablePool(),
            conditions({"variable_selector": ["n", "gone"], "comparison_operator": "null"}),
            "and",
        )


def test_expected_value_is_a_template_over_the_pool() -> None:
    pool = VariablePool()
    pool.add(["n", "a"], "hello")
    pool.add(["m", "b"], "hello")
    check = evaluate_conditions(
        pool,
        conditions({"variable_selector": ["n", "a"], "comparison_operator": "is", "value": "{{#m.b#}}"}),
        "and",
    )
    assert check.final_result is True


@pytest.mark.parametrize(
    ("expected", "result"), [("true", True), ("false", False), ("1", True), (True, True)]
)
def test_boolean_variables_parse_the_expected_value(expected: Any, result: bool) -> None:
    pool = VariablePool()
    pool.add(["n", "flag"], True)
    check = evaluate_conditions(
        pool,
        conditions({"variable_selector": ["n", "flag"], "comparison_operator": "is", "value": expected}),
        "and",
    )
    assert check.final_result is result


def test_numbers_in_yaml_become_text() -> None:
    (condition,) = conditions({"variable_selector": ["n", "x"], "comparison_operator": "=", "value": 5})
    assert condition.value == "5"


def test_unknown_operator_is_rejected_at_validation() -> None:
    with pytest.raises(ValidationError, match="comparison_operator"):
        Condition.model_validate({"variable_selector": ["n", "x"], "comparison_operator": "like"})


def _file_condition(operator: str, *subs: dict[str, Any], logical: str = "and") -> list[Condition]:
    return conditions(
        {
            "variable_selector": ["sys", "files"],
            "comparison_operator": operator,
            "sub_variable_condition": {"logical_operator": logical, "conditions": list(subs)},
        }
    )


def test_file_sub_conditions() -> None:
    pool = VariablePool(system={"files": [file("a.pdf", size=10), file("b.png", type_="image", ext="png")]})
    by_type = _file_condition("contains", {"key": "type", "comparison_operator": "in", "value": ["image"]})
    assert evaluate_conditions(pool, by_type, "and").final_result is True
    ext = _file_condition("contains", {"key": "extension", "comparison_operator": "is", "value": "png"})
    assert evaluate_conditions(pool, ext, "and").final_result is True  # dot added on both sides
    # "not" operators need every file to match
    not_name = _file_condition(
        "not contains", {"key": "name", "comparison_operator": "not contains", "value": "a"}
    )
    assert evaluate_conditions(pool, not_name, "and").final_result is False
    size = _file_condition(
        "contains",
        {"key": "size", "comparison_operator": ">", "value": "100"},
        {"key": "name", "comparison_operator": "start with", "value": "a"},
        logical="or",
    )
    assert evaluate_conditions(pool, size, "and").final_result is True


def test_file_array_without_sub_conditions_fails() -> None:
    pool = VariablePool(system={"files": [file("a.pdf")]})
    with pytest.raises(ValueError, match="Sub variable is required"):
        evaluate_conditions(
            pool,
            conditions({"variable_selector": ["sys", "files"], "comparison_operator": "contains"}),
            "and",
        )


def test_object_arrays_take_sub_conditions_by_key() -> None:
    pool = VariablePool()
    pool.add(["n", "rows"], [{"name": "x", "size": 3}, {"name": "y", "size": 30}])
    check = _file_condition("contains", {"key": "size", "comparison_operator": "≥", "value": "30"})
    check[0].variable_selector = ["n", "rows"]
    assert evaluate_conditions(pool, check, "and").final_result is True


def test_file_attribute_maps_dify_names() -> None:
    f = file("doc.pdf")
    assert file_attribute(f, "name") == "doc.pdf"
    assert file_attribute(f, "url") == "http://files/doc.pdf"
    assert file_attribute(f, "size") == 10


def test_list_filters() -> None:
    assert list_filter("string", "in", "abcdef")("cd") is True  # substring, as Dify's list operator
    assert list_filter("string", "empty", "")("") is True
    assert list_filter("number", "≥", 2.0)(2) is True
    assert list_filter("number", "=", 2.5)(2) is False
    assert list_filter("boolean", "is not", True)(False) is True
    with pytest.raises(ValueError, match="Invalid condition"):
        list_filter("number", "contains", 1.0)
