"""Turning a parsed document into plain JSON-like data before anything reads it.

YAML can produce things no workflow needs and every later step would trip
over: recursive aliases (``&a [*a]``), alias bombs, dates, binary blobs, sets
and non-string mapping keys.  :func:`to_plain` copies the document into dicts
with string keys, lists and scalars, or raises a :class:`DslError` that names
the path of the offending value.  The copy also means a caller's mapping is
never shared with (or mutated through) a loaded workflow.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from engine.errors import DslError

#: more values than any real workflow has (Dify caps DSL files at 10 MB)
MAX_VALUES = 500_000
#: deeper than any real workflow nests
MAX_DEPTH = 200


def to_plain(document: Any, name: str) -> Any:
    """A plain copy of ``document`` (dict/list/str/int/float/bool/None only)."""
    return _Copier(name).copy(document, "", 0)


class _Copier:
    __slots__ = ("active", "count", "name")

    def __init__(self, name: str) -> None:
        self.name = name
        self.count = 0
        self.active: set[int] = set()

    def fail(self, message: str, path: str, kind: str = "bad-document") -> DslError:
        return DslError(message, kind=kind, source=self.name, field=path or None)

    def copy(self, value: Any, path: str, depth: int) -> Any:
        self.count += 1
        if self.count > MAX_VALUES:
            raise self.fail(f"the document holds more than {MAX_VALUES:,} values", path, "too-large")
        if value is None or isinstance(value, str | bool | int | float):
            return value
        if isinstance(value, dt.datetime | dt.date | dt.time):
            return value.isoformat()
        if depth >= MAX_DEPTH:
            raise self.fail(f"the document nests deeper than {MAX_DEPTH} levels", path, "too-large")
        if isinstance(value, Mapping | list | tuple | set | frozenset):
            marker = id(value)
            if marker in self.active:
                raise self.fail("a YAML alias refers to itself (recursive structure)", path)
            self.active.add(marker)
            try:
                if isinstance(value, Mapping):
                    return {
                        str(key): self.copy(item, _join(path, key), depth + 1) for key, item in value.items()
                    }
                items = sorted(value, key=repr) if isinstance(value, set | frozenset) else value
                return [self.copy(item, f"{path}[{i}]", depth + 1) for i, item in enumerate(items)]
            finally:
                self.active.discard(marker)
        if isinstance(value, bytes | bytearray):
            raise self.fail("binary values are not supported in a workflow", path, "bad-field")
        raise self.fail(f"a {type(value).__name__} value is not supported in a workflow", path, "bad-field")


def _join(path: str, key: Any) -> str:
    return f"{path}.{key}" if path else str(key)
