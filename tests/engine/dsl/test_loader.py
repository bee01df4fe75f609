"""Loading Dify DSL: every corpus file, every source form, DSL versions 0.1 to 0.6, containers."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from engine.dsl import load_workflow
from engine.errors import DslError
from engine.graph import Workflow
from tests.conftest import corpus_dir, in_ci

CORPUS = corpus_dir()
#: corpus files that must fail to load, with the DslError kind they must give
EXPECTED_FAILURES = {"minimal_not_an_app.yml": "not-a-dify-app"}

Doc = Callable[..., dict[str, Any]]


def _corpus_files() -> list[Any]:
    if CORPUS is None or not CORPUS.is_dir():
        reason = "Dify corpus not found: set FLOWDECK_DIFY_CORPUS or place it at ../shared/dify-dsl"
        marks = [] if in_ci() else [pytest.mark.skip(reason=reason)]  # under CI the test fails
        return [pytest.param(None, id="corpus-missing", marks=marks)]
    files = sorted(p for p in CORPUS.rglob("*.yml") if p.name != "cases.yaml")
    return [pytest.param(p, id=str(p.relative_to(CORPUS))) for p in files]


@pytest.mark.parametrize("path", _corpus_files())
def test_corpus_file_loads_or_fails_as_its_case_expects(path: Path | None) -> None:
    assert path is not None, "the Dify corpus is required under CI"
    expected_kind = EXPECTED_FAILURES.get(path.name)
    try:
        workflow = load_workflow(path)
    except DslError as exc:
        if expected_kind is not None:
            assert exc.kind == expected_kind
            assert exc.source == str(path)
            return
        raise
    assert expected_kind is None, f"{path.name} should fail with {expected_kind!r}"
    assert workflow.source == str(path)
    assert workflow.graph.nodes[workflow.graph.root_id].type == "start"
    assert all(node.type != "custom-note" for node in workflow.all_nodes().values())


def test_every_source_form_gives_the_same_workflow(tmp_path: Path, app_doc: Doc) -> None:
    document = app_doc()
    text = yaml.safe_dump(document, allow_unicode=True)
    yml = tmp_path / "flow.yml"
    yml.write_text(text, encoding="utf-8")
    as_json = tmp_path / "flow.json"
    as_json.write_text(json.dumps(document), encoding="utf-8")
    odd_suffix = tmp_path / "flow.dsl"
    odd_suffix.write_text(text, encoding="utf-8")

    loaded = [
        load_workflow(document),
        load_workflow(text),
        load_workflow(text.encode()),
        load_workflow(yml),
        load_workflow(str(yml)),
        load_workflow(as_json),
        load_workflow(str(odd_suffix)),  # an existing file is read whatever its suffix
    ]
    assert {w.graph_hash for w in loaded} == {loaded[0].graph_hash}
    assert [w.source for w in loaded] == [
        "<mapping>",
        "<string>",
        "<bytes>",
        str(yml),
        str(yml),
        str(as_json),
        str(odd_suffix),
    ]
    assert load_workflow(loaded[0]) is loaded[0]


def test_loaded_workflow_shape(app_doc: Doc) -> None:
    doc = app_doc(
        environment_variables=[
            {"name": "api_key", "value": "s3cr3t", "value_type": "secret"},
            {"name": "limit", "value": "10", "value_type": "number"},
            {"name": "ratio", "value": "0.5", "value_type": "number"},
        ],
        conversation_variables=[
            {
                "name": "fruits",
                "value": ["apple"],
                "value_type": "array[string]",
                "selector": ["conversation", "fruits"],
            },
            {"name": "count", "value": None, "value_type": "number"},
        ],
    )
    workflow = load_workflow(doc)
    assert isinstance(workflow, Workflow)
    assert (workflow.name, workflow.mode, workflow.dsl_version) == ("fixture app", "workflow", "0.3.1")
    assert workflow.start_node_id == "start"
    assert [v.variable for v in workflow.start_variables] == ["q"]
    assert [(e.source, e.target, e.source_handle) for e in workflow.graph.edges] == [
        ("start", "end", "source")
    ]
    assert [(v.name, v.value) for v in workflow.environment] == [
        ("api_key", "s3cr3t"),
        ("limit", 10),
        ("ratio", 0.5),
    ]
    assert [(v.name, v.value_type, v.value) for v in workflow.conversation] == [
        ("fruits", "array[string]", ["apple"]),
        ("count", "number", None),
    ]
    assert len(workflow.id) == 32 and workflow.version == workflow.graph_hash[:12]


def test_notes_are_dropped_and_edge_defaults_filled(app_doc: Doc) -> None:
    note = {
        "id": "note-1",
        "type": "custom-note",
        "data": {"type": "", "text": "remember me", "theme": "blue"},
    }
    from_conftest = app_doc()["workflow"]["graph"]["nodes"]
    doc = app_doc(
        [*from_conftest, note],
        [
            {"source": "start", "target": "end"},  # no id, no sourceHandle (old exports)
            {"source": "start", "target": "end"},  # a repeated edge adds nothing
        ],
    )
    workflow = load_workflow(doc)
    assert set(workflow.graph.nodes) == {"start", "end"}
    assert [(e.id, e.source_handle) for e in workflow.graph.edges] == [("edge-0", "source")]
    assert workflow.graph.in_edges["end"][0].source == "start"


def test_bare_graph_form(app_doc: Doc) -> None:
    graph = app_doc()["workflow"]["graph"]
    workflow = load_workflow(graph)
    assert workflow.dsl_version == "graph"
    assert workflow.mode == "workflow"
    assert set(workflow.graph.nodes) == {"start", "end"}


def test_caller_mapping_is_neither_shared_nor_mutated(app_doc: Doc) -> None:
    doc = app_doc()
    before = json.dumps(doc, sort_keys=True)
    workflow = load_workflow(doc)
    doc["workflow"]["graph"]["nodes"][0]["data"]["title"] = "changed later"
    assert workflow.graph_dict["nodes"][0]["data"]["title"] == "Start"
    doc["workflow"]["graph"]["nodes"][0]["data"]["title"] = "Start"
    assert json.dumps(doc, sort_keys=True) == before


@pytest.mark.parametrize(
    "version", ["0.1.0", "0.1.2", "0.1.5", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "0.5.0", "0.6.0"]
)
def test_dsl_versions_0_1_to_0_6_load(version: str, app_doc: Doc) -> None:
    workflow = load_workflow(app_doc(version=version))
    assert workflow.dsl_version == version


def test_oldest_export_shape_loads(app_doc: Doc) -> None:
    """0.1.x exports: no version key, no variable sections, no edge ids or handles, no error fields."""
    doc = app_doc(version=None)
    del doc["version"]
    del doc["kind"]
    for key in ("conversation_variables", "environment_variables", "features"):
        del doc["workflow"][key]
    doc["workflow"]["graph"]["edges"] = [{"source": "start", "target": "end"}]
    doc["workflow"]["graph"]["nodes"][1]["data"]["outputs"] = [
        {"variable": "out", "value_selector": ["start", "q"]}
    ]
    workflow = load_workflow(doc)
    assert workflow.dsl_version == "0.1.0"
    assert workflow.environment == [] and workflow.conversation == []


@pytest.mark.parametrize(("version", "expected"), [("9.9.9", "9.9.9"), (0.1, "0.1"), (1, "1"), ("", "0.1.0")])
def test_versions_outside_the_range_load_when_the_structure_is_fine(
    version: Any, expected: str, app_doc: Doc, recwarn: pytest.WarningsRecorder
) -> None:
    assert load_workflow(app_doc(version=version)).dsl_version == expected
    assert len(recwarn) == 0


def test_advanced_chat_mode(app_doc: Doc, node_lib: dict[str, dict[str, Any]]) -> None:
    nodes = [node_lib["start"], node_lib["answer"]]
    workflow = load_workflow(app_doc(nodes, [{"source": "start", "target": "answer"}], mode="advanced-chat"))
    assert workflow.is_chatflow


def test_container_body_is_a_subgraph_and_may_read_its_container(
    containers: None, iteration_doc: Callable[..., dict[str, Any]]
) -> None:
    workflow = load_workflow(iteration_doc())
    assert set(workflow.graph.nodes) == {"start", "iter", "end"}
    body = workflow.subgraphs["iter"]
    assert body.root_id == "iter-start"
    assert set(body.nodes) == {"iter-start", "echo"}
    assert workflow.node("echo").parent_id == "iter"
    assert set(workflow.all_nodes()) == {"start", "iter", "end", "iter-start", "echo"}


def test_old_container_without_a_start_node_roots_at_start_node_id(
    containers: None, iteration_doc: Callable[..., dict[str, Any]]
) -> None:
    workflow = load_workflow(iteration_doc(with_start_node=False))
    assert workflow.subgraphs["iter"].root_id == "echo"


def test_oldest_container_flags_its_first_body_node(
    containers: None, iteration_doc: Callable[..., dict[str, Any]]
) -> None:
    doc = iteration_doc(with_start_node=False)
    for node in doc["workflow"]["graph"]["nodes"]:
        if node["id"] == "iter":
            del node["data"]["start_node_id"]
        if node["id"] == "echo":
            node["data"]["isIterationStart"] = True
    assert load_workflow(doc).subgraphs["iter"].root_id == "echo"


def test_a_container_body_may_not_be_a_cycle(
    containers: None, iteration_doc: Callable[..., dict[str, Any]]
) -> None:
    doc = iteration_doc()
    doc["workflow"]["graph"]["nodes"].append(
        {"id": "again", "parentId": "iter", "data": {"type": "answer", "answer": "x", "iteration_id": "iter"}}
    )
    doc["workflow"]["graph"]["edges"] += [
        {"source": "echo", "target": "again"},
        {"source": "again", "target": "echo"},
    ]
    with pytest.raises(DslError) as info:
        load_workflow(doc)
    assert info.value.kind == "cycle"
    assert info.value.node_id in {"echo", "again"}
