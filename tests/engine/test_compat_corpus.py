"""The Dify compatibility corpus, table-driven: every case of cases.yaml by name.

Each case runs through the public API (``run_workflow``) with its inputs,
system values and mocks, and must match what Dify's own engine produced.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from engine import DslError, load_workflow, run_workflow
from engine.nodes.registry import node_class
from tests.conftest import corpus_dir, in_ci

CORPUS = corpus_dir()


def _cases() -> list[Any]:
    if CORPUS is None or not (CORPUS / "cases.yaml").is_file():
        return [pytest.param(None, id="corpus-missing")]
    cases = yaml.safe_load((CORPUS / "cases.yaml").read_text(encoding="utf-8"))
    return [pytest.param(case, id=case["name"]) for case in cases]


def _node_types(path: Path) -> set[str]:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(doc, dict):
        return set()
    graph = (doc.get("workflow") or {}).get("graph") or doc
    nodes = graph.get("nodes") or []
    return {str(n["data"]["type"]) for n in nodes if isinstance(n, dict) and isinstance(n.get("data"), dict)}


@pytest.mark.parametrize("case", _cases())
def test_case(case: dict[str, Any] | None) -> None:
    if case is None:
        reason = "Dify corpus not found: set FLOWDECK_DIFY_CORPUS or place it at ../shared/dify-dsl"
        if in_ci():
            pytest.fail(f"{reason} (required under CI)")
        pytest.skip(reason)
    path = CORPUS / case["workflow"]  # type: ignore[operator]
    expect = case["expect"]
    missing = sorted(t for t in _node_types(path) if t and node_class(t) is None)
    if missing:
        pytest.skip(f"deferred: needs node type(s) {', '.join(missing)}")

    if "error" in expect:
        with pytest.raises(DslError) as info:
            load_workflow(path)
        assert info.value.kind == expect["error"].split(":", 1)[0]
        return

    result = run_workflow(
        path, case.get("inputs") or {}, case.get("system") or {}, case.get("mocks") or {}, timeout=60
    )
    assert result.status == expect["status"], result.error
    if "outputs_any_of" in expect:
        assert result.outputs in expect["outputs_any_of"]
    else:
        assert result.outputs == expect["outputs"]
    if "stream" in expect:
        assert result.stream == expect["stream"]
    if "error_message" in expect:
        assert expect["error_message"] in result.error
    if "exceptions_count" in expect:
        assert result.exceptions_count == expect["exceptions_count"]
    if "retries" in expect:
        assert result.retries() == expect["retries"]

    workflow = load_workflow(path)
    statuses = result.node_status()
    expected_status = expect.get("node_status") or {}
    for node_id in workflow.graph.nodes:
        want = expected_status.get(node_id, "succeeded")
        got = statuses.get(node_id, "skipped")
        assert got == want, f"node {node_id}: {got} (expected {want})"
