"""An in-memory retriever: keyword overlap over a fixed list of documents.

Useful for tests, demos and small static knowledge bases; a document's
``metadata`` may be filtered with ``filters`` (every key must match).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from engine.nodes.cancel import CancelToken
from engine.retrieval.protocol import RetrievalQuery, normalise_document

_WORD = re.compile(r"\w+", re.UNICODE)


def _words(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text)}


class InMemoryRetriever:
    def __init__(self, documents: Iterable[Mapping[str, Any] | str]) -> None:
        self.documents = [normalise_document(d) for d in documents]

    def retrieve(self, query: RetrievalQuery, cancel: CancelToken) -> list[dict[str, Any]]:
        cancel.raise_if_cancelled()
        wanted = _words(query.query)
        scored: list[dict[str, Any]] = []
        for doc in self.documents:
            metadata = doc.get("metadata") or {}
            if any(_mismatch(metadata.get(k), v) for k, v in query.filters.items()):
                continue
            words = _words(str(doc.get("content", "")) + " " + str(doc.get("title", "")))
            score = len(wanted & words) / len(wanted) if wanted else 0.0
            if score <= 0 or (query.score_threshold is not None and score < query.score_threshold):
                continue
            scored.append({**doc, "score": round(score, 4)})
        scored.sort(key=lambda d: -d["score"])
        return scored[: query.top_k]


def _mismatch(actual: Any, wanted: Any) -> bool:
    if isinstance(wanted, list):
        values = actual if isinstance(actual, list) else [actual]
        return not any(v in values for v in wanted)
    return actual != wanted
