"""JSON exports: Dify's export API wrapper ``{"data": "<the YAML>"}`` and plain JSON app files.

PyYAML refuses JSON's surrogate-pair escapes (``\\ud83e\\udd16`` for 🤖), so before
this a JSON file named ``.yml`` or sent as text failed with ``found invalid Unicode
character escape code``.  The wrapper shape is the response of Dify's
``GET /console/api/apps/<id>/export`` (``{"data": dsl_yaml}``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from engine.dsl import load_workflow, source
from engine.errors import DslError
from engine.run import run_workflow
from tests.engine.dsl.conftest import END, START, app_document

ROBOT = "\U0001f916"  # json.dumps writes it as "\ud83e\udd16"


def _emoji_app() -> dict[str, Any]:
    doc = app_document()
    doc["app"]["name"] = f"{ROBOT} helper"
    doc["app"]["icon"] = ROBOT
    return doc


def _exported(doc: dict[str, Any]) -> str:
    """What Dify's export API returns: the YAML as a JSON string (ASCII escapes)."""
    return json.dumps({"data": yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)})


def test_the_yaml_parser_alone_refuses_the_surrogate_escapes() -> None:
    with pytest.raises(yaml.YAMLError, match="invalid Unicode character escape"):
        yaml.load(json.dumps(_emoji_app()), Loader=source._LOADER)  # the loader Flowdeck uses


@pytest.mark.parametrize("suffix", [".yml", ".json", ".txt"])
def test_api_export_file_loads_like_the_yaml(tmp_path: Path, suffix: str) -> None:
    text = _exported(_emoji_app())
    assert "\\ud83e\\udd16" in text
    path = tmp_path / f"export{suffix}"
    path.write_text(text, encoding="utf-8")
    wf = load_workflow(path)
    assert wf.name == f"{ROBOT} helper"
    assert wf.source == str(path)
    assert set(wf.graph.nodes) == {START["id"], END["id"]}


def test_plain_json_app_with_surrogate_pairs_as_text_and_bytes() -> None:
    text = json.dumps(_emoji_app())  # ensure_ascii: surrogate pairs in the text
    assert load_workflow(text).name == f"{ROBOT} helper"
    assert load_workflow(text.encode()).name == f"{ROBOT} helper"
    assert load_workflow("  \n" + text).name == f"{ROBOT} helper"


def test_wrapped_mapping_and_wrapped_app_mapping() -> None:
    assert load_workflow(json.loads(_exported(_emoji_app()))).name == f"{ROBOT} helper"
    assert load_workflow({"data": _emoji_app()}).name == f"{ROBOT} helper"


def test_wrapped_json_inside_data_is_read_as_json() -> None:
    inner = json.dumps(_emoji_app())
    assert load_workflow(json.dumps({"data": inner})).name == f"{ROBOT} helper"


def test_an_exported_workflow_runs(tmp_path: Path) -> None:
    path = tmp_path / "export.json"
    path.write_text(_exported(_emoji_app()), encoding="utf-8")
    result = run_workflow(path, {"q": f"hi {ROBOT}"}, timeout=30)
    assert result.outputs == {"out": f"hi {ROBOT}"}


def test_yaml_flow_mapping_that_is_not_json_still_loads() -> None:
    graph = f"{{nodes: {json.dumps([START, END])}, edges: [{{source: start, target: end}}]}}"
    app = "app: {mode: workflow, name: flow}"
    text = f"{{kind: app, version: '0.3.1', {app}, workflow: {{graph: {graph}}}}}"
    assert load_workflow(text).name == "flow"


@pytest.mark.parametrize(
    ("document", "fragment"),
    [
        ({"data": ["a", "list"]}, "'data' is a list"),
        ({"data": "just words"}, "'data' holds the text 'just words'"),
        ({"data": {"result": "success"}}, "'data' is a mapping with keys 'result'"),
        ({"data": json.dumps({"code": 401})}, "'data' holds a mapping with keys 'code'"),
    ],
)
def test_neither_an_app_nor_a_wrapped_export_names_the_file(
    tmp_path: Path, document: dict[str, Any], fragment: str
) -> None:
    path = tmp_path / "download.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(DslError) as caught:
        load_workflow(path)
    err = caught.value
    assert err.kind == "not-a-dify-app"
    assert err.source == str(path)
    assert str(err).startswith(f"{path}: neither a Dify app nor a wrapped export")
    assert fragment in err.message


def test_broken_json_names_the_file_and_position(tmp_path: Path) -> None:
    path = tmp_path / "cut.yml"
    path.write_text(_exported(_emoji_app())[:60], encoding="utf-8")
    with pytest.raises(DslError) as caught:
        load_workflow(path)
    assert caught.value.source == str(path)
    assert "not valid JSON at line 1" in str(caught.value)


def test_broken_yaml_inside_data_names_the_wrapper(tmp_path: Path) -> None:
    path = tmp_path / "export.json"
    path.write_text(json.dumps({"data": "app:\n  name: [unclosed\n  mode: workflow\n"}), encoding="utf-8")
    with pytest.raises(DslError) as caught:
        load_workflow(path)
    assert caught.value.source == f"{path} (its 'data' field)"
    assert "not valid YAML at line 3" in str(caught.value)
