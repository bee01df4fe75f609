"""knowledge-retrieval (v1 and v2) nodes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from engine.dsl import load_workflow
from engine.errors import NodeError
from engine.nodes.knowledge_retrieval import KnowledgeRetrievalNodeData
from engine.retrieval import InMemoryRetriever, RetrievalQuery, RetrieverRegistry
from engine.variables import VariablePool
from tests.conftest import require_corpus
from tests.engine.nodes.external_node_support import Harness, build_node

CORPUS = Path(__file__).resolve().parents[3].parent / "shared" / "dify-dsl"
DOCS = [
    {"content": "Employees get 25 days of vacation.", "metadata": {"node_kind": "section"}},
    {"content": "Vacation carry-over is capped at 5 days.", "metadata": {"node_kind": "section"}},
    {"content": "Vacation parking is free.", "metadata": {"node_kind": "note"}},
]


def v2_data(**extra: Any) -> dict[str, Any]:
    return {
        "type": "knowledge-retrieval-v2",
        "query_variable_selector": ["start", "query"],
        "control_space_ids": ["space-1"],
        "top_n": 2,
        **extra,
    }


def harness(retrievers: RetrieverRegistry | None) -> Harness:
    pool = VariablePool()
    pool.add(("start", "query"), "vacation days")
    h = Harness(pool=pool)
    h.services.set("retrievers", retrievers if retrievers is not None else RetrieverRegistry())
    return h


def test_v2_returns_the_top_documents_as_result() -> None:
    registry = RetrieverRegistry()
    registry.register("memory", InMemoryRetriever(DOCS))
    result = harness(registry).run(build_node(v2_data()))
    contents = [d["content"] for d in result.outputs["result"]]
    assert contents == ["Employees get 25 days of vacation.", "Vacation carry-over is capped at 5 days."]
    assert result.process_data["retriever"] == "memory"


def test_v1_passes_datasets_top_k_threshold_and_filters() -> None:
    seen: list[RetrievalQuery] = []

    class Spy:
        def retrieve(self, query: RetrievalQuery, cancel: object) -> list[Any]:
            seen.append(query)
            return ["plain text hit"]

    registry = RetrieverRegistry()
    registry.register("spy", Spy(), datasets=["ds1"])
    data = {
        "type": "knowledge-retrieval",
        "query_variable_selector": ["start", "query"],
        "dataset_ids": ["ds1", "ds2"],
        "retrieval_mode": "multiple",
        "multiple_retrieval_config": {"top_k": 3, "score_threshold": 0.5},
        "metadata_filters": {"tag": "x"},
    }
    result = harness(registry).run(build_node(data))
    assert seen == [RetrievalQuery("vacation days", ("ds1", "ds2"), 3, 0.5, {"tag": "x"})]
    assert result.outputs["result"] == [
        {"content": "plain text hit", "score": None, "metadata": {}, "title": ""}
    ]


def test_without_a_retriever_the_node_fails_clearly() -> None:
    with pytest.raises(NodeError, match="no retriever is configured") as info:
        harness(None).run(build_node(v2_data()))
    assert "space-1" in str(info.value)
    assert info.value.error_type == "RetrieverNotConfigured"


def test_retriever_errors_become_node_errors() -> None:
    class Down:
        def retrieve(self, query: RetrievalQuery, cancel: object) -> list[Any]:
            raise ConnectionError("index offline")

    registry = RetrieverRegistry()
    registry.register("down", Down())
    with pytest.raises(NodeError, match="retriever 'down' failed: index offline"):
        harness(registry).run(build_node(v2_data()))


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"query_variable_selector": []}, "query_variable_selector"),
        ({"top_n": 0}, "top_n"),
        ({"retrieval_mode": "sometimes"}, "retrieval_mode"),
        ({"multiple_retrieval_config": {"top_k": "many"}}, "multiple_retrieval_config.top_k"),
    ],
)
def test_bad_configuration_names_the_field(patch: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        KnowledgeRetrievalNodeData.model_validate(v2_data(**patch))
    locs = [".".join(str(p) for p in e["loc"]) for e in info.value.errors()]
    assert any(loc.startswith(field) for loc in locs), locs


def test_corpus_workflow_loads() -> None:
    require_corpus(CORPUS)
    workflow = load_workflow(CORPUS / "knowledge_retrieval_v2_workflow.yml")
    spec = workflow.node("retrieval-v2")
    assert spec.data.top_k == 5  # type: ignore[attr-defined]
