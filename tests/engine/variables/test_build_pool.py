"""build_pool: the pool a run starts with (sys, env, conversation, validated start inputs)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from engine.dsl import load_workflow
from engine.errors import InputError
from engine.graph import Workflow
from engine.variables import build_pool, validate_inputs

VARIABLES: list[dict[str, Any]] = [
    {"variable": "name", "type": "text-input", "label": "Name", "required": True, "max_length": 5},
    {"variable": "bio", "type": "paragraph", "label": "Bio", "default": "n/a"},
    {"variable": "color", "type": "select", "label": "Color", "options": ["red", "blue"]},
    {"variable": "age", "type": "number", "label": "Age"},
    {"variable": "agree", "type": "checkbox", "label": "Agree"},
    {"variable": "doc", "type": "file", "label": "Doc"},
    {"variable": "docs", "type": "file-list", "label": "Docs", "max_length": 2},
    {"variable": "meta", "type": "json_object", "label": "Meta"},
]


def _workflow(mode: str = "workflow") -> Workflow:
    return load_workflow(
        {
            "kind": "app",
            "version": "0.5.0",
            "app": {"name": "inputs", "mode": mode},
            "workflow": {
                "environment_variables": [
                    {"name": "api_key", "value": "sk-live-42", "value_type": "secret"},
                    {"name": "empty_secret", "value": "", "value_type": "secret"},
                    {"name": "limit", "value": "7", "value_type": "number"},
                    {"name": "unset", "value": None, "value_type": "string"},
                ],
                "conversation_variables": [
                    {"name": "s", "value": None, "value_type": "string"},
                    {"name": "n", "value": None, "value_type": "number"},
                    {"name": "o", "value": None, "value_type": "object"},
                    {"name": "a", "value": None, "value_type": "array[string]"},
                    {"name": "b", "value": None, "value_type": "boolean"},
                    {"name": "kept", "value": ["x"], "value_type": "array[string]"},
                ],
                "graph": {
                    "nodes": [
                        {"id": "start", "data": {"type": "start", "title": "Start", "variables": VARIABLES}},
                        {"id": "end", "data": {"type": "end", "title": "End", "outputs": []}},
                    ],
                    "edges": [{"source": "start", "target": "end"}],
                },
            },
        }
    )


WORKFLOW = _workflow()


def test_environment_and_secrets() -> None:
    pool = build_pool(WORKFLOW, {"name": "Ada"})
    assert pool.namespace("env") == {"api_key": "sk-live-42", "empty_secret": "", "limit": 7, "unset": ""}
    assert pool.mask({"header": "Bearer sk-live-42"}) == {"header": "Bearer ******"}
    assert pool.secrets == frozenset({"sk-live-42"})


def test_conversation_defaults_by_type_and_overrides() -> None:
    pool = build_pool(WORKFLOW, {"name": "Ada"}, conversation={"s": "remembered"})
    assert pool.namespace("conversation") == {
        "s": "remembered",
        "n": 0,
        "o": {},
        "a": [],
        "b": False,
        "kept": ["x"],
    }


def test_declared_defaults_are_copied_per_run() -> None:
    first = build_pool(WORKFLOW, {"name": "Ada"})
    first.get(["conversation", "kept"]).append("mutated")
    assert build_pool(WORKFLOW, {"name": "Ada"}).get(["conversation", "kept"]) == ["x"]
    assert WORKFLOW.conversation[-1].value == ["x"]


def test_system_defaults() -> None:
    before = int(time.time())
    sys_values = build_pool(WORKFLOW, {"name": "Ada"}, run_id="run-1").namespace("sys")
    assert sys_values["workflow_run_id"] == "run-1"
    assert sys_values["workflow_id"] == sys_values["app_id"] == WORKFLOW.id
    assert sys_values["user_id"] == "flowdeck"
    assert sys_values["files"] == [] and sys_values["dialogue_count"] == 0
    assert before <= sys_values["timestamp"] <= int(time.time())
    assert "query" not in sys_values and "conversation_id" not in sys_values  # workflow mode
    other = build_pool(WORKFLOW, {"name": "Ada"}).namespace("sys")["workflow_run_id"]
    assert other != "run-1" and len(other) == 36


def test_chatflow_system_values_and_overrides() -> None:
    chat = _workflow("advanced-chat")
    sys_values = build_pool(
        chat, {"name": "Ada"}, {"query": "hello", "dialogue_count": "3", "user_id": 42, "invoke_from": "cli"}
    ).namespace("sys")
    assert sys_values["query"] == "hello"
    assert sys_values["dialogue_count"] == 3
    assert sys_values["user_id"] == "42"
    assert sys_values["invoke_from"] == "cli"
    assert len(sys_values["conversation_id"]) == 36
    assert build_pool(chat, {"name": "Ada"}).get(["sys", "query"]) == ""


@pytest.mark.parametrize(
    ("system", "variable"),
    [
        ({"dialogue_count": "many"}, "sys.dialogue_count"),
        ({"files": "a.txt"}, "sys.files"),
        ({"query": {}}, "sys.query"),
    ],
)
def test_bad_system_values(system: dict[str, Any], variable: str) -> None:
    with pytest.raises(InputError) as info:
        build_pool(WORKFLOW, {"name": "Ada"}, system)
    assert info.value.variable == variable  # type: ignore[attr-defined]
    assert variable in str(info.value)


def test_inputs_land_under_the_start_node_with_defaults_and_coercion() -> None:
    pool = build_pool(
        WORKFLOW,
        {
            "name": "A\x00da",
            "color": "blue",
            "age": "41",
            "agree": "yes",
            "doc": {"transfer_method": "remote_url", "url": "http://x"},
            "docs": [],
            "meta": '{"k": 1}',
            "undeclared": "kept",
        },
    )
    assert pool.namespace("start") == {
        "name": "Ada",
        "bio": "n/a",
        "color": "blue",
        "age": 41,
        "agree": True,
        "doc": {"transfer_method": "remote_url", "url": "http://x"},
        "docs": [],
        "meta": {"k": 1},
        "undeclared": "kept",
    }


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("2.5", 2.5), (" 7 ", 7), ("", None), (3, 3), (1.25, 1.25), ("1e3", 1000.0)],
)
def test_number_inputs(raw: Any, expected: Any) -> None:
    assert validate_inputs(WORKFLOW.start_variables, {"name": "A", "age": raw})["age"] == expected


@pytest.mark.parametrize(
    ("inputs", "variable", "fragment"),
    [
        ({}, "name", "is required"),
        ({"name": None}, "name", "is required"),
        ({"name": "toolong"}, "name", "at most 5 characters"),
        ({"name": 12}, "name", "must be text"),
        ({"name": "A", "color": "green"}, "color", "must be one of ['red', 'blue']"),
        ({"name": "A", "age": "old"}, "age", "must be a number"),
        ({"name": "A", "age": [1]}, "age", "must be a number"),
        ({"name": "A", "agree": "maybe"}, "agree", "true or false"),
        ({"name": "A", "doc": "a.txt"}, "doc", "must be a file"),
        ({"name": "A", "docs": [{}, {}, {}]}, "docs", "at most 2 files"),
        ({"name": "A", "docs": ["a"]}, "docs", "list of files"),
        ({"name": "A", "meta": [1]}, "meta", "JSON object"),
        ({"name": "A", "meta": "{not json"}, "meta", "not JSON"),
    ],
)
def test_bad_inputs_name_the_variable(inputs: dict[str, Any], variable: str, fragment: str) -> None:
    with pytest.raises(InputError) as info:
        build_pool(WORKFLOW, inputs)
    assert info.value.variable == variable  # type: ignore[attr-defined]
    assert f"input {variable!r}" in str(info.value)
    assert fragment in str(info.value)


def test_optional_file_given_as_empty_text_is_unset() -> None:
    assert validate_inputs(WORKFLOW.start_variables, {"name": "A", "doc": ""})["doc"] is None


def test_build_pool_is_fast() -> None:
    inputs = {"name": "Ada", "age": "3", "color": "red"}
    build_pool(WORKFLOW, inputs)
    started = time.perf_counter()
    for _ in range(1000):
        build_pool(WORKFLOW, inputs, {"query": "q"}, run_id="r")
    per_run = (time.perf_counter() - started) / 1000
    assert per_run < 200e-6, f"build_pool took {per_run * 1e6:.0f} µs"
