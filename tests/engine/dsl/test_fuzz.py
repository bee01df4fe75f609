"""Fuzzing the loader: random damage to valid workflows gives a Workflow or a DslError, nothing else."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.dsl import load_workflow
from engine.errors import DslError
from tests.conftest import corpus_dir
from tests.engine.dsl.conftest import app_document, iteration_document

CORPUS_SAMPLES = (
    "conditional_hello_branching_workflow.yml",
    "test_complex_branch.yml",
    "increment_loop_with_break_condition_workflow.yml",
    "iteration_flatten_output_enabled_workflow.yml",
    "http_request_with_json_tool_workflow.yml",
    "test_streaming_conversation_variables.yml",
)


def _base_documents() -> list[Any]:
    docs: list[Any] = [
        app_document(
            environment_variables=[{"name": "key", "value": "k", "value_type": "secret"}],
            conversation_variables=[{"name": "memo", "value": [], "value_type": "array[string]"}],
        ),
        app_document()["workflow"]["graph"],
    ]
    corpus = corpus_dir()
    for name in CORPUS_SAMPLES:
        path = corpus / name if corpus is not None else None
        if path is not None and path.is_file():
            doc = yaml.safe_load(path.read_text(encoding="utf-8"))
            try:
                load_workflow(copy.deepcopy(doc))
            except DslError:
                continue  # a node type not written yet: fuzz only what loads
            docs.append(doc)
    try:
        load_workflow(iteration_document())
        docs.append(iteration_document())
    except DslError:
        pass
    return docs


BASES = _base_documents()

garbage = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12)
    | st.sampled_from(
        ["start", "end", "source", "sys", "env", "{{#start.q#}}", "iteration", "loop", "if-else"]
    ),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*prefix, index))
    return found


def _parent(document: Any, path: tuple[Any, ...]) -> Any:
    target = document
    for key in path[:-1]:
        target = target[key]
    return target


@st.composite
def damaged_documents(draw: st.DrawFn) -> Any:
    document = copy.deepcopy(draw(st.sampled_from(BASES)))
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        paths = _paths(document)
        path = draw(st.sampled_from(paths))
        action = draw(st.sampled_from(["delete", "replace", "insert", "duplicate"]))
        if not path:
            if action == "replace":
                document = draw(garbage)
            continue
        parent = _parent(document, path)
        key = path[-1]
        if action == "delete":
            del parent[key]
        elif action == "replace":
            parent[key] = draw(garbage)
        elif action == "insert" and isinstance(parent[key], dict):
            parent[key][draw(st.text(max_size=8))] = draw(garbage)
        elif action == "insert" and isinstance(parent[key], list):
            parent[key].insert(draw(st.integers(0, len(parent[key]))), draw(garbage))
        elif action == "duplicate" and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[key]))
    return document


def _load_or_dsl_error(source: Any) -> None:
    try:
        load_workflow(source)
    except DslError as exc:
        assert exc.kind != "internal", f"the loader's safety net caught a bug: {exc}"
        assert exc.message
        assert exc.source


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(damaged_documents())
def test_damaged_mappings_load_or_raise_dsl_error(document: Any) -> None:
    _load_or_dsl_error(document)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(damaged_documents())
def test_damaged_documents_as_yaml_text(document: Any) -> None:
    try:
        text = yaml.dump(document, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper), allow_unicode=True)
    except yaml.YAMLError:
        return
    _load_or_dsl_error(text)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200) | st.binary(max_size=200))
def test_random_text_and_bytes(source: str | bytes) -> None:
    _load_or_dsl_error(source)


@pytest.mark.parametrize("index", range(len(BASES)))
def test_fuzz_bases_are_valid(index: int) -> None:
    load_workflow(copy.deepcopy(BASES[index]))


def test_a_path_like_garbage_string(tmp_path: Path) -> None:
    _load_or_dsl_error(str(tmp_path / "missing" / "x.yml"))
    _load_or_dsl_error("\x00.yml")
