"""One raw DSL node -> a validated :class:`~engine.graph.NodeSpec` (or ``None`` for notes)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from engine.errors import DslError
from engine.graph import NodeSpec
from engine.nodes.registry import known_types, node_class

CONTAINER_TYPES = frozenset({"iteration", "loop"})
CONTAINER_START_TYPES = frozenset({"iteration-start", "loop-start"})
NOTE_TYPES = frozenset({"custom-note", "note"})


def build_node_spec(raw: Any, index: int, name: str) -> NodeSpec | None:
    if not isinstance(raw, Mapping):
        raise DslError(
            f"node #{index} is a {type(raw).__name__}, not a mapping",
            kind="bad-node",
            source=name,
            field=f"nodes[{index}]",
        )
    node_id = raw.get("id")
    if isinstance(node_id, bool) or not isinstance(node_id, str | int) or str(node_id).strip() == "":
        raise DslError(
            f"node #{index} has no usable id (got {node_id!r})"[:300],
            kind="bad-node",
            source=name,
            field=f"nodes[{index}].id",
        )
    node_id = str(node_id)
    data = raw.get("data")
    if _is_note(raw.get("type")) or (isinstance(data, Mapping) and _is_note(data.get("type"))):
        return None
    if not isinstance(data, Mapping):
        raise DslError(
            "the node has no data mapping", kind="bad-node", source=name, node_id=node_id, field="data"
        )
    node_type = data.get("type")
    if not isinstance(node_type, str) or not node_type:
        raise DslError(
            f"the node has no type (got {node_type!r})"[:300],
            kind="bad-node",
            source=name,
            node_id=node_id,
            field="data.type",
        )
    cls = node_class(node_type)
    if cls is None:
        raise DslError(
            f"unknown node type {node_type!r} (Flowdeck runs: {', '.join(known_types())})",
            kind="unknown-node-type",
            source=name,
            node_id=node_id,
            field="data.type",
        )
    try:
        model = cls.data_model.model_validate(dict(data))
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"])
        got = repr(first.get("input"))
        if len(got) > 80:
            got = got[:77] + "..."
        raise DslError(
            f"{first['msg']} (got {got})",
            kind="bad-field",
            source=name,
            node_id=node_id,
            field=f"data.{loc}" if loc else "data",
        ) from None
    except Exception as exc:  # a validator that raised something other than ValueError
        raise DslError(
            f"invalid node data: {exc}"[:400], kind="bad-field", source=name, node_id=node_id, field="data"
        ) from None
    parent = raw.get("parentId") or data.get("iteration_id") or data.get("loop_id")
    if parent is not None and (isinstance(parent, bool) or not isinstance(parent, str | int)):
        raise DslError(
            f"parentId must be a node id, not {parent!r}"[:300],
            kind="bad-node",
            source=name,
            node_id=node_id,
            field="parentId",
        )
    try:
        node = cls(node_id, model)
    except DslError as exc:
        raise DslError(exc.message, kind=exc.kind, source=name, node_id=node_id, field=exc.field) from None
    except Exception as exc:  # node constructors check their own config; any failure is a config error
        raise DslError(
            f"{exc}"[:400] or type(exc).__name__, kind="bad-field", source=name, node_id=node_id, field="data"
        ) from None
    return NodeSpec(
        id=node_id,
        type=node_type,
        data=model,
        node=node,
        parent_id=str(parent) if parent not in (None, "") else None,
        position=_position(raw.get("position")),
    )


def _is_note(node_type: Any) -> bool:
    return isinstance(node_type, str) and node_type in NOTE_TYPES


def _position(raw: Any) -> tuple[float, float]:
    if not isinstance(raw, Mapping):
        return (0.0, 0.0)
    try:
        x, y = float(raw.get("x", 0.0)), float(raw.get("y", 0.0))
    except (TypeError, ValueError):
        return (0.0, 0.0)
    if not (math.isfinite(x) and math.isfinite(y)):
        return (0.0, 0.0)
    return (x, y)
