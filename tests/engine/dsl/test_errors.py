"""Every kind of bad input gives a DslError that names the file, the node and the field."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from engine.dsl import load_workflow
from engine.errors import DslError
from tests.conftest import require_corpus

Doc = Callable[..., dict[str, Any]]


def _error(source: Any) -> DslError:
    with pytest.raises(DslError) as info:
        load_workflow(source)
    return info.value


def _write(tmp_path: Path, text: str | bytes, name: str = "flow.yml") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_not_yaml_names_the_file_and_the_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "app:\n  name: [unclosed\n  mode: workflow\n")
    err = _error(path)
    assert err.kind == "not-yaml"
    assert err.source == str(path)
    assert str(path) in str(err)
    assert "line 3" in str(err)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("a: &a [*a]\n", "bad-document"),  # recursive alias
        ("[" * 3000 + "]" * 3000, "not-yaml"),  # nests past the parser's limits
        (b"\xff\xfe\x00\x01binary", "not-yaml"),
    ],
)
def test_unusable_documents(tmp_path: Path, text: str | bytes, kind: str) -> None:
    path = _write(tmp_path, text)
    err = _error(path)
    assert (err.kind, err.source) == (kind, str(path))


def test_alias_bomb_is_refused_not_expanded(tmp_path: Path) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 8)]
    err = _error(_write(tmp_path, "\n".join(lines)))
    assert err.kind == "too-large"


def test_missing_file_and_directory(tmp_path: Path) -> None:
    assert _error(tmp_path / "nope.yml").kind == "not-found"
    assert _error(str(tmp_path / "nope.yaml")).kind == "not-found"
    assert _error(tmp_path).kind == "unreadable"


@pytest.mark.parametrize(
    ("document", "fragment"),
    [
        ("just some words", "single line of text"),
        ("- a\n- list\n", "list, not a mapping"),
        ("", "empty"),
        ({"kind": "dataset", "app": {"mode": "workflow"}}, "kind is 'dataset'"),
        (
            {"meta": {"name": "sketch"}, "nodes": [{"id": "a", "type": "start"}], "edges": []},
            "no kind/app/workflow",
        ),
        (
            {"kind": "app", "version": "0.3.1", "workflow": {"graph": {"nodes": [], "edges": []}}},
            "app section",
        ),
    ],
)
def test_not_a_dify_app(document: Any, fragment: str) -> None:
    err = _error(document)
    assert err.kind == "not-a-dify-app"
    assert fragment in err.message


def test_corpus_sketch_is_not_a_dify_app() -> None:
    corpus = require_corpus()
    path = corpus / "minimal_not_an_app.yml"
    err = _error(path)
    assert err.kind == "not-a-dify-app"
    assert str(err).startswith(f"{path}: not a Dify app: no kind/app/workflow section")


def test_a_chat_app_is_not_a_workflow(app_doc: Doc) -> None:
    err = _error(app_doc(mode="chat"))
    assert (err.kind, err.field) == ("unsupported-mode", "app.mode")


def test_unknown_node_type_names_node_and_field(tmp_path: Path, app_doc: Doc) -> None:
    doc = app_doc()
    doc["workflow"]["graph"]["nodes"][1]["data"]["type"] = "teleport"
    path = _write(tmp_path, __import__("yaml").safe_dump(doc))
    err = _error(path)
    assert (err.kind, err.node_id, err.field) == ("unknown-node-type", "end", "data.type")
    assert str(err).startswith(f"{path}: node 'end': field 'data.type': unknown node type 'teleport'")


def test_missing_start_node(app_doc: Doc, node_lib: dict[str, dict[str, Any]]) -> None:
    err = _error(app_doc([node_lib["end"]], []))
    assert err.kind == "missing-start"


def test_two_start_nodes(app_doc: Doc, node_lib: dict[str, dict[str, Any]]) -> None:
    second = {**node_lib["start"], "id": "start2"}
    err = _error(app_doc([node_lib["start"], second], []))
    assert (err.kind, err.node_id) == ("multiple-start", "start2")


def test_edge_to_a_missing_node(app_doc: Doc) -> None:
    doc = app_doc()
    doc["workflow"]["graph"]["edges"].append({"id": "e2", "source": "end", "target": "ghost"})
    err = _error(doc)
    assert (err.kind, err.node_id, err.field) == ("dangling-edge", "end", "edges[1].target")
    assert "'ghost'" in err.message


def test_edge_from_a_missing_node(app_doc: Doc) -> None:
    doc = app_doc()
    doc["workflow"]["graph"]["edges"][0]["source"] = "ghost"
    err = _error(doc)
    assert (err.kind, err.field) == ("dangling-edge", "edges[0].source")


def test_cycle_outside_loop_containers(app_doc: Doc, node_lib: dict[str, dict[str, Any]]) -> None:
    doc = app_doc(
        [node_lib["start"], node_lib["answer"], node_lib["end"]],
        [
            {"source": "start", "target": "answer"},
            {"source": "answer", "target": "end"},
            {"source": "end", "target": "answer"},
        ],
    )
    err = _error(doc)
    assert err.kind == "cycle"
    assert err.node_id in {"answer", "end"}
    assert "loop containers" in err.message


@pytest.mark.parametrize(
    ("selector", "fragment"),
    [
        (["nowhere", "text"], "points at no node"),
        (["env", "undeclared"], "environment variable that is not declared"),
        (["start"], "needs a node id and a variable name"),
    ],
)
def test_selector_that_points_at_no_node(app_doc: Doc, selector: list[str], fragment: str) -> None:
    doc = app_doc()
    doc["workflow"]["graph"]["nodes"][1]["data"]["outputs"][0]["value_selector"] = selector
    err = _error(doc)
    assert (err.kind, err.node_id) == ("bad-selector", "end")
    assert fragment in err.message


def test_template_selector_that_points_at_no_node(app_doc: Doc, node_lib: dict[str, dict[str, Any]]) -> None:
    node_lib["answer"]["data"]["answer"] = "{{#llm_gone.text#}}"
    doc = app_doc([node_lib["start"], node_lib["answer"]], [{"source": "start", "target": "answer"}])
    err = _error(doc)
    assert (err.kind, err.node_id) == ("bad-selector", "answer")


def test_system_env_and_conversation_selectors_are_valid(app_doc: Doc) -> None:
    doc = app_doc(
        environment_variables=[{"name": "base", "value": "x", "value_type": "string"}],
        conversation_variables=[{"name": "memory", "value": "", "value_type": "string"}],
    )
    doc["workflow"]["graph"]["nodes"][1]["data"]["outputs"] = [
        {"variable": "a", "value_selector": ["sys", "user_id"]},
        {"variable": "b", "value_selector": ["env", "base"]},
        {"variable": "c", "value_selector": ["conversation", "memory"]},
        {"variable": "d", "value_selector": ["start", "q", "nested", "key"]},
    ]
    assert load_workflow(doc).graph.nodes["end"].node.selectors()


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (("outputs",), "not a list", "data.outputs"),
        (("retry_config",), {"retry_enabled": True, "max_retries": "many"}, "data.retry_config.max_retries"),
        (("error_strategy",), "explode", "data.error_strategy"),
        (("title",), ["a", "list"], "data.title"),
    ],
)
def test_bad_value_for_a_typed_field(app_doc: Doc, path: tuple[str, ...], value: Any, field: str) -> None:
    doc = app_doc()
    data = doc["workflow"]["graph"]["nodes"][1]["data"]
    data[path[0]] = value
    err = _error(doc)
    assert (err.kind, err.node_id, err.field) == ("bad-field", "end", field)
    assert "got" in err.message


@pytest.mark.parametrize(
    ("variable", "field"),
    [
        ({"variable": "q", "type": "telepathy"}, "data.variables[0].type"),
        ({"variable": "q", "type": "text-input", "max_length": "long"}, "data.variables.0.max_length"),
    ],
)
def test_bad_start_variable(app_doc: Doc, variable: dict[str, Any], field: str) -> None:
    doc = app_doc()
    doc["workflow"]["graph"]["nodes"][0]["data"]["variables"] = [variable]
    err = _error(doc)
    assert (err.kind, err.node_id, err.field) == ("bad-field", "start", field)


@pytest.mark.parametrize(
    ("section", "entry", "field"),
    [
        ("environment_variables", {"name": "n", "value": "ten", "value_type": "number"}, "value"),
        ("environment_variables", {"name": "n", "value": {}, "value_type": "object"}, "value_type"),
        ("conversation_variables", {"name": "c", "value": "x", "value_type": "array[string]"}, "value"),
        ("conversation_variables", {"name": "c", "value": [1, "a"], "value_type": "array[number]"}, "value"),
        ("conversation_variables", {"name": "c", "value": 1, "value_type": "mystery"}, "value_type"),
        ("conversation_variables", {"value": 1, "value_type": "number"}, "name"),
    ],
)
def test_bad_declared_variables(app_doc: Doc, section: str, entry: dict[str, Any], field: str) -> None:
    err = _error(app_doc(**{section: [entry]}))
    assert (err.kind, err.field) == ("bad-field", f"workflow.{section}[0].{field}")


def test_version_that_is_not_a_string_or_number(app_doc: Doc) -> None:
    for bad in (["0.3"], {"v": 1}, True):
        err = _error(app_doc(version=bad))
        assert (err.kind, err.field) == ("bad-field", "version")


def test_duplicate_node_ids(app_doc: Doc, node_lib: dict[str, dict[str, Any]]) -> None:
    err = _error(app_doc([node_lib["start"], node_lib["end"], node_lib["end"]]))
    assert (err.kind, err.node_id) == ("duplicate-node", "end")


def test_node_in_a_container_that_is_not_a_container(app_doc: Doc) -> None:
    doc = app_doc()
    doc["workflow"]["graph"]["nodes"].append(
        {"id": "inner", "parentId": "end", "data": {"type": "answer", "answer": "x"}}
    )
    err = _error(doc)
    assert (err.kind, err.node_id, err.field) == ("dangling-parent", "inner", "parentId")


def test_container_without_a_start_node(
    containers: None, iteration_doc: Callable[..., dict[str, Any]]
) -> None:
    doc = iteration_doc()
    nodes = doc["workflow"]["graph"]["nodes"]
    doc["workflow"]["graph"]["nodes"] = [n for n in nodes if n["id"] != "iter-start"]
    doc["workflow"]["graph"]["edges"] = [
        e for e in doc["workflow"]["graph"]["edges"] if e["source"] != "iter-start"
    ]
    for node in doc["workflow"]["graph"]["nodes"]:
        if node["id"] == "iter":
            node["data"]["start_node_id"] = "gone"
    err = _error(doc)
    assert (err.kind, err.node_id) == ("missing-start", "iter")


def test_edge_across_a_container_boundary(
    containers: None, iteration_doc: Callable[..., dict[str, Any]]
) -> None:
    doc = iteration_doc()
    doc["workflow"]["graph"]["edges"].append({"source": "start", "target": "echo"})
    err = _error(doc)
    assert (err.kind, err.node_id) == ("bad-edge", "start")


def test_message_names_file_node_and_field_in_that_order(tmp_path: Path) -> None:
    err = DslError("boom", kind="bad-field", source="flows/a.yml", node_id="llm", field="data.model")
    assert str(err) == "flows/a.yml: node 'llm': field 'data.model': boom"
