"""Knowledge retrieval: the Retriever protocol, a registry and an in-memory retriever."""

from engine.retrieval.memory import InMemoryRetriever
from engine.retrieval.protocol import RetrievalQuery, Retriever, normalise_document
from engine.retrieval.registry import (
    ENTRY_POINT_GROUP,
    NO_RETRIEVER_HINT,
    RetrieverRegistry,
    build_registry,
)

__all__ = [
    "ENTRY_POINT_GROUP",
    "NO_RETRIEVER_HINT",
    "InMemoryRetriever",
    "RetrievalQuery",
    "Retriever",
    "RetrieverRegistry",
    "build_registry",
    "normalise_document",
]
