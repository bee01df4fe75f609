"""assigner v1 and v2: every write mode and operation, returned as variable_writes."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from engine.errors import DslError, NodeError
from engine.nodes.assigner import AssignerNodeData
from engine.variables import VariablePool


def conversation(**values: Any) -> VariablePool:
    pool = VariablePool(conversation=values)
    pool.add(["start", "text"], "typed")
    pool.add(["start", "num"], 4)
    pool.add(["start", "list"], ["p", "q"])
    pool.add(["start", "nothing"], None)
    return pool


def v2(*items: dict[str, Any]) -> dict[str, Any]:
    return {"type": "assigner", "version": "2", "items": list(items)}


def item(name: str, operation: str, value: Any = None, input_type: str = "constant") -> dict[str, Any]:
    return {
        "variable_selector": ["conversation", name],
        "operation": operation,
        "input_type": input_type,
        "value": value,
        "write_mode": "over-write",
    }


@pytest.mark.parametrize(
    ("start", "operation", "value", "input_type", "expected"),
    [
        ("old", "over-write", "new", "constant", "new"),
        ("old", "over-write", ["start", "text"], "variable", "typed"),
        ("old", "set", "set", "constant", "set"),
        ("old", "clear", None, "constant", ""),
        (3, "clear", None, "variable", 0),
        (True, "clear", None, "constant", False),
        ({"a": 1}, "clear", None, "constant", {}),
        (["a"], "clear", None, "variable", []),
        (3, "+=", 2, "constant", 5),
        (3, "-=", 2, "constant", 1),
        (3, "*=", 2.5, "constant", 7.5),
        (3, "/=", 2, "constant", 1.5),
        (3, "set", 9, "constant", 9),
        (True, "over-write", False, "constant", False),
        ({"a": 1}, "set", '{"b": 2}', "constant", {"b": 2}),
        ({"a": 1}, "over-write", ["start", "nothing"], "variable", {"a": 1}),  # null source: no update
        (["a"], "append", ["start", "text"], "variable", ["a", "typed"]),
        (["a"], "extend", ["start", "list"], "variable", ["a", "p", "q"]),
        (["a"], "over-write", ["start", "list"], "variable", ["p", "q"]),
        (["a", "b", "c"], "remove-first", None, "variable", ["b", "c"]),
        (["a", "b", "c"], "remove-last", None, "variable", ["a", "b"]),
        ([], "remove-first", None, "variable", []),
        ([1, 2], "append", ["start", "num"], "variable", [1, 2, 4]),
    ],
)
def test_v2_operations(
    make_node, run_node, start: Any, operation: str, value: Any, input_type: str, expected: Any
) -> None:
    pool = conversation(v=start)
    result = run_node(make_node(v2(item("v", operation, value, input_type))), pool)
    if operation == "over-write" and value == ["start", "nothing"]:
        assert result.variable_writes == []
    else:
        assert result.variable_writes == [(("conversation", "v"), expected)]
    assert result.outputs == {}
    assert pool.get(["conversation", "v"]) == start  # the node never writes the pool itself


def test_v2_items_see_earlier_writes_and_each_variable_is_written_once(make_node, run_node) -> None:
    node = make_node(v2(item("n", "+=", 1), item("n", "*=", 10), item("s", "over-write", "x")))
    result = run_node(node, conversation(n=0, s=""))
    assert result.variable_writes == [(("conversation", "n"), 10), (("conversation", "s"), "x")]
    assert result.process_data["n"] == 10
    assert result.process_data["__updated_variables"][0] == {
        "name": "n",
        "selector": ["conversation", "n"],
        "value_type": "number",
        "new_value": 10,
    }


def test_v2_loop_variable_target(make_node, run_node) -> None:
    pool = VariablePool()
    pool.add(["loop1", "num"], 1)
    node = make_node(
        v2({"variable_selector": ["loop1", "num"], "operation": "+=", "input_type": "constant", "value": 1})
    )
    assert run_node(node, pool).variable_writes == [(("loop1", "num"), 2)]
    assert node.selectors() == [("loop1", "num")]


@pytest.mark.parametrize(
    ("start", "operation", "value", "input_type", "message", "error_type"),
    [
        (
            "text",
            "+=",
            1,
            "constant",
            r"Operation \+= is not supported for type string",
            "OperationNotSupportedError",
        ),
        (
            5,
            "append",
            1,
            "constant",
            "Operation append is not supported for type number",
            "OperationNotSupportedError",
        ),
        (
            5,
            "+=",
            ["start", "num"],
            "variable",
            r"Input type variable is not supported for operation \+=",
            None,
        ),
        (["a"], "append", "b", "constant", "Input type constant is not supported for operation append", None),
        (
            5,
            "+=",
            "2",
            "constant",
            "Invalid input value '2' for \\+= on a number variable",
            "InvalidInputValueError",
        ),
        (5, "/=", 0, "constant", "Invalid input value 0", "InvalidInputValueError"),
        ("text", "over-write", 5, "constant", "Invalid input value 5", "InvalidInputValueError"),
        (
            [1],
            "append",
            ["start", "text"],
            "variable",
            "Invalid input value 'typed'",
            "InvalidInputValueError",
        ),
        ({"a": 1}, "set", "{not json", "constant", "Invalid input value", "InvalidInputValueError"),
        (
            "x",
            "over-write",
            ["start", "absent"],
            "variable",
            r"Variable \['start', 'absent'\] not found",
            None,
        ),
    ],
)
def test_v2_type_errors(
    make_node,
    run_node,
    start: Any,
    operation: str,
    value: Any,
    input_type: str,
    message: str,
    error_type: str | None,
) -> None:
    node = make_node(v2(item("v", operation, value, input_type)))
    with pytest.raises(NodeError, match=message) as info:
        run_node(node, conversation(v=start))
    if error_type:
        assert info.value.error_type == error_type


def test_v2_missing_target_fails(make_node, run_node) -> None:
    with pytest.raises(NodeError, match=r"Variable \['conversation', 'ghost'\] not found"):
        run_node(make_node(v2(item("ghost", "over-write", "x"))), conversation())


def test_v2_selectors_include_sources(make_node) -> None:
    node = make_node(
        v2(item("a", "over-write", ["sys", "query"], "variable"), item("b", "clear", ["x", "y"], "variable"))
    )
    assert node.selectors() == [("conversation", "a"), ("sys", "query"), ("conversation", "b")]


def v1(mode: str, target: str = "v", source: list[str] | None = None) -> dict[str, Any]:
    return {
        "type": "assigner",
        "assigned_variable_selector": ["conversation", target],
        "input_variable_selector": source if source is not None else ["start", "text"],
        "write_mode": mode,
    }


def test_v1_over_write(make_node, run_node) -> None:
    result = run_node(make_node(v1("over-write")), conversation(v="old"))
    assert result.variable_writes == [(("conversation", "v"), "typed")]
    assert result.inputs == {"value": "typed"}
    assert result.process_data["__updated_variables"][0]["new_value"] == "typed"


def test_v1_append_and_clear(make_node, run_node) -> None:
    assert run_node(make_node(v1("append")), conversation(v=["a"])).variable_writes == [
        (("conversation", "v"), ["a", "typed"])
    ]
    assert run_node(make_node(v1("clear")), conversation(v=["a"])).variable_writes == [
        (("conversation", "v"), [])
    ]
    assert run_node(make_node(v1("clear")), conversation(v=7)).variable_writes == [(("conversation", "v"), 0)]


@pytest.mark.parametrize(
    ("data", "start", "message"),
    [
        (v1("append"), "not a list", "append mode requires an array variable"),
        (v1("over-write", target="ghost"), "x", "assigned variable not found"),
        (v1("over-write", source=["start", "absent"]), "x", "input value not found"),
    ],
)
def test_v1_failures(make_node, run_node, data: dict[str, Any], start: Any, message: str) -> None:
    with pytest.raises(NodeError, match=message):
        run_node(make_node(data), conversation(v=start))


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        (v2(item("v", "multiply", 2)), "items.0.operation"),
        (v2(item("v", "+=", 2, input_type="literal")), "items.0.input_type"),
        (
            v2({"variable_selector": ["v"], "operation": "clear", "input_type": "constant"}),
            "variable_selector",
        ),
        (v2(item("v", "over-write", "not-a-selector", input_type="variable")), "must be a selector"),
        (
            {"type": "assigner", "write_mode": "over-write", "input_variable_selector": ["a", "b"]},
            "assigned_variable",
        ),
        (v1("replace"), "write_mode"),
    ],
)
def test_bad_configuration(bad: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError, match=field):
        AssignerNodeData.model_validate(bad)


def test_bad_configuration_in_a_workflow(load_single) -> None:
    with pytest.raises(DslError) as info:
        load_single(v2(item("count", "increment", 1)), node_id="assign")
    assert (info.value.node_id, info.value.field) == ("assign", "data.items.0.operation")


def test_good_workflow_loads(load_single) -> None:
    workflow = load_single(v2(item("count", "+=", 1)), node_id="assign")
    assert workflow.node("assign").node.selectors() == [("conversation", "count")]
