"""The variable pool: every value a run has produced, addressed by selector.

Namespaces: ``sys`` (system values), ``env`` (environment variables),
``conversation`` (conversation variables), the start node's id (user inputs)
and every other node's id (its outputs).  One dispatcher thread writes;
workers only read.

Copy-on-write: :meth:`copy` is O(1) and shares the namespaces; a write never
changes a dict another copy (or a worker) may be reading: it replaces the
namespace it writes (and the table of namespaces, once, after a copy).  So the
dispatcher hands each job a copy taken before the job leaves it, and the
container frames layer their pools over their parent's the same way.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from engine.variables.rendering import to_markdown, to_text
from engine.variables.selectors import (
    CONVERSATION,
    ENVIRONMENT,
    SYSTEM,
    TemplateVariable,
    parse_template,
)

_MISSING: Any = object()
MASK = "******"


class VariablePool:
    __slots__ = ("_secrets", "_shared", "_vars")

    def __init__(
        self,
        *,
        system: Mapping[str, Any] | None = None,
        environment: Mapping[str, Any] | None = None,
        conversation: Mapping[str, Any] | None = None,
        secrets: Iterable[str] = (),
    ) -> None:
        self._vars: dict[str, dict[str, Any]] = {
            SYSTEM: dict(system or {}),
            ENVIRONMENT: dict(environment or {}),
            CONVERSATION: dict(conversation or {}),
        }
        self._secrets: tuple[str, ...] = _secret_tuple(secrets)
        self._shared = False  # _vars is also another copy's: copy it before the next write

    # ------------------------------------------------------------- writing
    def _table(self) -> dict[str, dict[str, Any]]:
        if self._shared:
            self._vars = dict(self._vars)
            self._shared = False
        return self._vars

    def add(self, selector: Sequence[str], value: Any) -> None:
        """Set ``[namespace, name]`` (nested paths write into dicts, copied along the path)."""
        if len(selector) < 2:
            raise ValueError(f"selector {list(selector)!r} needs a namespace and a name")
        namespace, name, *path = selector
        table = self._table()
        scope = dict(table.get(namespace, ()))
        if path:
            value = _with_path(scope.get(name), path, value)
        scope[name] = value
        table[namespace] = scope

    def set_outputs(self, node_id: str, outputs: Mapping[str, Any]) -> None:
        self._table()[node_id] = dict(outputs)

    def remove(self, namespace: str) -> None:
        self._table().pop(namespace, None)

    # ------------------------------------------------------------- reading
    def get(self, selector: Sequence[str], default: Any = None) -> Any:
        value = self.lookup(selector)
        return default if value is _MISSING else value

    def has(self, selector: Sequence[str]) -> bool:
        return self.lookup(selector) is not _MISSING

    def lookup(self, selector: Sequence[str]) -> Any:
        """The value at ``selector`` or :data:`MISSING`."""
        if len(selector) < 2:
            return _MISSING
        scope = self._vars.get(selector[0])
        if scope is None:
            return _MISSING
        value = scope.get(selector[1], _MISSING)
        for key in selector[2:]:
            if value is _MISSING:
                return _MISSING
            value = _child(value, key)
        return value

    def namespace(self, name: str) -> dict[str, Any]:
        return dict(self._vars.get(name, {}))

    def render(self, template: str, *, markdown: bool = False) -> str:
        """Render ``{{#node.var(.key)*#}}`` as Dify's ``convert_template`` does.

        Values render as ``Segment.text`` (or ``.markdown`` with
        ``markdown=True``, what Answer nodes output); a variable that is not in
        the pool renders as its dotted selector text (``producer.output``).
        """
        convert = to_markdown if markdown else to_text
        out: list[str] = []
        for part in parse_template(template):
            if isinstance(part, TemplateVariable):
                value = self.lookup(part.selector)
                out.append(part.dotted if value is _MISSING else convert(value))
            else:
                out.append(part)
        return "".join(out)

    # ------------------------------------------------------------- secrets
    @property
    def secrets(self) -> frozenset[str]:
        return frozenset(self._secrets)

    @property
    def has_secrets(self) -> bool:
        return bool(self._secrets)

    def add_secret(self, value: str) -> None:
        """Mask ``value`` from now on (a secret environment value)."""
        self._secrets = _secret_tuple((*self._secrets, value))

    def mask(self, value: Any) -> Any:
        """``value`` (text, or dicts/lists of it) with every secret replaced by ``******``.

        Use it on anything shown or stored: events, records, logs, the console.
        """
        if not self._secrets:
            return value
        return _mask(value, self._secrets)

    # ------------------------------------------------------------ snapshot
    def copy(self) -> VariablePool:
        """An independent pool with the same values, in O(1) (copy-on-write)."""
        clone = VariablePool.__new__(VariablePool)
        clone._vars = self._vars
        clone._secrets = self._secrets
        clone._shared = self._shared = True
        return clone

    def to_dict(self) -> dict[str, Any]:
        return {"vars": copy.deepcopy(self._vars), "secrets": sorted(self._secrets)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> VariablePool:
        """The pool :meth:`to_dict` saved (raises ``ValueError`` on a malformed snapshot)."""
        raw = data.get("vars")
        if not isinstance(raw, Mapping) or not all(isinstance(v, Mapping) for v in raw.values()):
            raise ValueError("a variable pool snapshot needs a 'vars' mapping of namespaces")
        pool = cls(secrets=data.get("secrets") or ())
        pool._vars = {str(ns): dict(values) for ns, values in copy.deepcopy(dict(raw)).items()}
        for namespace in (SYSTEM, ENVIRONMENT, CONVERSATION):
            pool._vars.setdefault(namespace, {})
        return pool


MISSING = _MISSING


def _with_path(current: Any, path: Sequence[str], value: Any) -> Any:
    """``current`` (a dict, or nothing) with ``value`` at ``path``; copies, never changes ``current``."""
    node = dict(current) if isinstance(current, Mapping) else {}
    if len(path) == 1:
        node[path[0]] = value
    else:
        node[path[0]] = _with_path(node.get(path[0]), path[1:], value)
    return node


_PLAIN = (str, bytes, int, float, bool, list, tuple, set, frozenset)


def _child(value: Any, key: str) -> Any:
    """One step of a nested selector: into objects (dicts) only, as in Dify.

    Lists are not indexed (Dify reads ``[node, list, "0"]`` as missing); other
    objects (files) expose their attributes.
    """
    if isinstance(value, Mapping):
        return value.get(key, _MISSING)
    if value is None or isinstance(value, _PLAIN):
        return _MISSING
    return getattr(value, key, _MISSING)


def _secret_tuple(secrets: Iterable[Any]) -> tuple[str, ...]:
    """Distinct non-empty secrets, longest first (so a secret containing another masks whole)."""
    unique = {str(s) for s in secrets if s is not None and str(s) != ""}
    return tuple(sorted(unique, key=lambda s: (-len(s), s)))


def mask_secrets(value: Any, secrets: Iterable[str]) -> Any:
    """``value`` with each secret replaced by :data:`MASK`, through dicts, lists and tuples."""
    return _mask(value, _secret_tuple(secrets))


def _mask(value: Any, secrets: tuple[str, ...]) -> Any:
    if isinstance(value, str):
        for secret in secrets:
            if secret in value:
                value = value.replace(secret, MASK)
        return value
    if isinstance(value, Mapping):
        return {k: _mask(v, secrets) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_mask(v, secrets) for v in value]
    return value
