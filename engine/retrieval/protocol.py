"""The retriever seam: a query in, ranked documents out.

A document is a JSON-ready dict: ``{"content": str, "score": float | None,
"metadata": dict, "title": str}`` (extra keys are kept).  The knowledge
retrieval nodes output the list as ``result``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from engine.nodes.cancel import CancelToken


@dataclass(frozen=True, slots=True)
class RetrievalQuery:
    query: str
    dataset_ids: tuple[str, ...] = ()
    top_k: int = 4
    score_threshold: float | None = None
    filters: Mapping[str, Any] = field(default_factory=dict)


class Retriever(Protocol):
    def retrieve(self, query: RetrievalQuery, cancel: CancelToken) -> list[dict[str, Any]]: ...


def normalise_document(doc: Any) -> dict[str, Any]:
    """A retriever's item as a document dict (a bare string becomes its content)."""
    if isinstance(doc, str):
        return {"content": doc, "score": None, "metadata": {}, "title": ""}
    if isinstance(doc, Mapping):
        out = dict(doc)
        out.setdefault("content", "")
        out.setdefault("score", None)
        out.setdefault("metadata", {})
        out.setdefault("title", "")
        return out
    raise TypeError(f"a retriever returned a {type(doc).__name__}, not a document dict")
