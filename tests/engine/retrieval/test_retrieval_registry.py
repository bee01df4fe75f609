"""Retriever registry and the in-memory retriever."""

from __future__ import annotations

import sys
import types
from collections.abc import Iterator
from importlib.metadata import EntryPoint

import pytest

from engine.nodes.cancel import CancelToken
from engine.retrieval import InMemoryRetriever, RetrievalQuery, RetrieverRegistry

DOCS = [
    {"content": "Employees get 25 vacation days.", "metadata": {"source": "handbook"}},
    {"content": "Vacation carry-over is capped.", "metadata": {"source": "policy"}},
    "Lunch is served at noon.",
]


def test_in_memory_retriever_ranks_by_word_overlap_and_filters() -> None:
    retriever = InMemoryRetriever(DOCS)
    hits = retriever.retrieve(RetrievalQuery("vacation days", top_k=5), CancelToken())
    assert [h["content"] for h in hits] == [
        "Employees get 25 vacation days.",
        "Vacation carry-over is capped.",
    ]
    assert hits[0]["score"] == 1.0 and hits[1]["score"] == 0.5
    only = retriever.retrieve(RetrievalQuery("vacation", filters={"source": ["policy"]}), CancelToken())
    assert [h["metadata"]["source"] for h in only] == ["policy"]
    assert (
        retriever.retrieve(RetrievalQuery("vacation days", score_threshold=0.75), CancelToken())[0]["score"]
        == 1.0
    )


def test_registry_prefers_a_dataset_specific_retriever() -> None:
    registry = RetrieverRegistry()
    general, special = InMemoryRetriever([]), InMemoryRetriever([])
    registry.register("general", general)
    registry.register("hr", special, datasets=["ds-hr"])
    assert registry.resolve(["ds-hr"]).retriever is special  # type: ignore[union-attr]
    assert registry.resolve(["ds-other"]).retriever is general  # type: ignore[union-attr]
    assert RetrieverRegistry().resolve(["x"]) is None


class StaticRetriever(InMemoryRetriever):
    def __init__(self) -> None:
        super().__init__(DOCS)


def register_one(registry: RetrieverRegistry) -> None:
    registry.register("reg", InMemoryRetriever([]), datasets=["d"])


@pytest.fixture
def plugin() -> Iterator[str]:
    module = types.ModuleType("flowdeck_test_retriever")
    module.Static = StaticRetriever  # type: ignore[attr-defined]
    module.register = register_one  # type: ignore[attr-defined]
    sys.modules[module.__name__] = module
    yield module.__name__
    del sys.modules[module.__name__]


def test_entry_points_register_retrievers(plugin: str) -> None:
    registry = RetrieverRegistry()
    registry.load_entry_points(
        [
            EntryPoint("static", f"{plugin}:Static", "flowdeck.retrievers"),
            EntryPoint("fn", f"{plugin}:register", "flowdeck.retrievers"),
            EntryPoint("bad", "no_such_module_abc:x", "flowdeck.retrievers"),
        ]
    )
    assert registry.names() == ["static", "reg"]
    entry = registry.resolve(["elsewhere"])
    assert entry is not None and isinstance(entry.retriever, StaticRetriever)
    assert len(registry.load_errors) == 1 and "no_such_module_abc" in registry.load_errors[0]
