"""Retrievers by name, each serving some datasets (or all of them).

Sources: code (``registry.register(name, retriever, datasets=[...])``) and
entry points in the ``flowdeck.retrievers`` group, whose object is a
retriever (registered under the entry point's name for every dataset), a
retriever class with a no-argument constructor, or a function
``register(registry)``.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from typing import TYPE_CHECKING, Any

from engine.retrieval.protocol import Retriever

if TYPE_CHECKING:
    from engine.nodes.services import Services

ENTRY_POINT_GROUP = "flowdeck.retrievers"

NO_RETRIEVER_HINT = (
    "no retriever is configured for knowledge retrieval: install a package that provides one "
    "(entry point group 'flowdeck.retrievers') or register one in code "
    "(services.get('retrievers').register(name, retriever))"
)


@dataclass(frozen=True, slots=True)
class Registration:
    name: str
    retriever: Retriever
    datasets: frozenset[str] | None  # None = every dataset


class RetrieverRegistry:
    def __init__(self) -> None:
        self._entries: list[Registration] = []
        self.load_errors: list[str] = []

    def register(self, name: str, retriever: Retriever, datasets: Iterable[str] | None = None) -> None:
        self._entries = [e for e in self._entries if e.name != name]
        self._entries.append(Registration(name, retriever, None if datasets is None else frozenset(datasets)))

    def names(self) -> list[str]:
        return [e.name for e in self._entries]

    def resolve(self, dataset_ids: Iterable[str]) -> Registration | None:
        """The retriever for these datasets: one naming any of them first, else a catch-all."""
        wanted = set(dataset_ids)
        for entry in self._entries:
            if entry.datasets is not None and entry.datasets & wanted:
                return entry
        for entry in self._entries:
            if entry.datasets is None:
                return entry
        return None

    def load_entry_points(self, points: Iterable[EntryPoint] | None = None) -> None:
        for point in entry_points(group=ENTRY_POINT_GROUP) if points is None else points:
            try:
                obj: Any = point.load()
                if inspect.isclass(obj):
                    obj = obj()
                if hasattr(obj, "retrieve"):
                    self.register(point.name, obj)
                elif callable(obj):
                    obj(self)
                else:
                    raise TypeError(f"{obj!r} is neither a retriever nor a register(registry) function")
            except Exception as exc:
                self.load_errors.append(f"{point.name} ({point.value}): {type(exc).__name__}: {exc}")


def build_registry(services: Services) -> RetrieverRegistry:
    """Service factory for ``retrievers`` (see engine/nodes/services.py)."""
    registry = RetrieverRegistry()
    registry.load_entry_points()
    return registry
