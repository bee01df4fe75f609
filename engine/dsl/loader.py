"""Dify DSL -> validated :class:`~engine.graph.Workflow`.

Accepts Dify's exported app YAML (``kind: app``, modes ``workflow`` and
``advanced-chat``, DSL versions 0.1 to 0.6) and the bare ``{nodes, edges}``
graph form.  Every problem is a :class:`~engine.errors.DslError` naming the
file, node and field; nothing else escapes :func:`load_workflow`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from engine.dsl.document import WorkflowDocument, split_document
from engine.dsl.nodes import CONTAINER_START_TYPES, CONTAINER_TYPES, build_node_spec
from engine.dsl.source import read_document
from engine.dsl.validation import check_acyclic, check_selectors, check_start_variables
from engine.errors import DslError
from engine.graph import SOURCE_HANDLE, Edge, Graph, NodeSpec, Workflow
from engine.variables.pool import MASK


def load_workflow(source: str | Path | bytes | Mapping[str, Any] | Workflow) -> Workflow:
    """Load and validate a workflow; raises :class:`DslError` on any problem.

    ``source`` is a path, YAML (or JSON) text, bytes, a parsed mapping, or an
    already loaded :class:`Workflow` (returned as is).
    """
    if isinstance(source, Workflow):
        return source
    name = str(source) if isinstance(source, Path) else "<input>"
    try:
        document, name = read_document(source)
        doc = split_document(document, name)
        return _build(doc, name)
    except DslError:
        raise
    except RecursionError:
        raise DslError("the workflow nests too deeply to load", kind="too-large", source=name) from None
    except Exception as exc:  # a loader bug must still read as a load error, never a traceback
        raise DslError(
            f"cannot load the workflow ({type(exc).__name__}: {exc})"[:400], kind="internal", source=name
        ) from exc


def _build(doc: WorkflowDocument, name: str) -> Workflow:
    specs: dict[str, NodeSpec] = {}
    for index, raw in enumerate(doc.nodes):
        spec = build_node_spec(raw, index, name)
        if spec is None:
            continue
        if spec.id in specs:
            raise DslError(
                f"two nodes share this id (node #{index} repeats it)",
                kind="duplicate-node",
                source=name,
                node_id=spec.id,
                field="id",
            )
        specs[spec.id] = spec

    edges = _edges(doc.edges, specs, name)
    levels = _levels(specs, name)
    level_edges: dict[str | None, list[Edge]] = {level: [] for level in levels}
    for edge in edges:
        src, dst = specs[edge.source], specs[edge.target]
        if src.parent_id != dst.parent_id:
            raise DslError(
                f"edge {edge.id!r} crosses a container boundary ({edge.source!r} -> {edge.target!r})",
                kind="bad-edge",
                source=name,
                node_id=edge.source,
                field="edges",
            )
        level_edges.setdefault(src.parent_id, []).append(edge)

    top_nodes = levels.get(None, {})
    starts = [s.id for s in top_nodes.values() if s.type == "start"]
    if not starts:
        raise DslError(
            "the workflow has no start node (a node with data.type 'start' outside any container)",
            kind="missing-start",
            source=name,
        )
    if len(starts) > 1:
        raise DslError(
            f"the workflow has {len(starts)} start nodes ({', '.join(map(repr, starts[:5]))})",
            kind="multiple-start",
            source=name,
            node_id=starts[1],
        )
    graph = Graph(top_nodes, level_edges.get(None, []), starts[0])

    subgraphs: dict[str, Graph] = {}
    for container_id, spec in specs.items():
        if spec.type not in CONTAINER_TYPES:
            continue
        body = levels.get(container_id, {})
        root = _container_root(spec, body, name)
        subgraphs[container_id] = Graph(body, level_edges.get(container_id, []), root)

    for level_graph in [graph, *subgraphs.values()]:
        check_acyclic(level_graph, name)
    check_selectors(specs, doc, name)
    start_spec = graph.nodes[graph.root_id]
    start_variables = check_start_variables(start_spec, name)

    graph_dict = snapshot_document(doc)
    graph_hash = hashlib.sha256(
        json.dumps(graph_dict, sort_keys=True, ensure_ascii=False, default=str).encode()
    ).hexdigest()
    return Workflow(
        name=doc.name,
        mode=doc.mode,
        dsl_version=doc.version,
        source=name,
        graph=graph,
        subgraphs=subgraphs,
        environment=doc.environment,
        conversation=doc.conversation,
        start_variables=start_variables,
        graph_dict=graph_dict,
        graph_hash=graph_hash,
    )


def snapshot_document(doc: WorkflowDocument) -> dict[str, Any]:
    """The bare graph form of ``doc``, self-contained for records and replay.

    Mode, name and declared variables travel with the nodes and edges so a run can be
    replayed from its record alone; secret values are masked (a replay from the record
    needs them configured again).
    """
    snapshot: dict[str, Any] = {"name": doc.name, "mode": doc.mode, "nodes": doc.nodes, "edges": doc.edges}
    if doc.environment:
        snapshot["environment_variables"] = [
            {
                "name": v.name,
                "value_type": v.value_type,
                "value": MASK if v.value_type == "secret" else v.value,
                "description": v.description,
            }
            for v in doc.environment
        ]
    if doc.conversation:
        snapshot["conversation_variables"] = [
            {"name": v.name, "value_type": v.value_type, "value": v.value, "description": v.description}
            for v in doc.conversation
        ]
    return snapshot


def _levels(specs: dict[str, NodeSpec], name: str) -> dict[str | None, dict[str, NodeSpec]]:
    """Nodes grouped by the container that holds them (``None`` = top level)."""
    levels: dict[str | None, dict[str, NodeSpec]] = {None: {}}
    for spec in specs.values():
        parent = spec.parent_id
        if parent is not None:
            container = specs.get(parent)
            if container is None:
                raise DslError(
                    f"its container {parent!r} does not exist",
                    kind="dangling-parent",
                    source=name,
                    node_id=spec.id,
                    field="parentId",
                )
            if container.type not in CONTAINER_TYPES or parent == spec.id:
                raise DslError(
                    f"its parent {parent!r} is a {container.type!r} node, not an iteration or loop",
                    kind="dangling-parent",
                    source=name,
                    node_id=spec.id,
                    field="parentId",
                )
        levels.setdefault(parent, {})[spec.id] = spec
    return levels


def _edges(raw_edges: list[Any], specs: dict[str, NodeSpec], name: str) -> list[Edge]:
    edges: list[Edge] = []
    seen: set[tuple[str, str, str]] = set()
    for index, raw in enumerate(raw_edges):
        where = f"edges[{index}]"
        if not isinstance(raw, Mapping):
            raise DslError(
                f"edge #{index} is a {type(raw).__name__}, not a mapping",
                kind="bad-edge",
                source=name,
                field=where,
            )
        edge_id = raw.get("id")
        edge_id = str(edge_id) if isinstance(edge_id, str | int) and edge_id != "" else f"edge-{index}"
        ends: dict[str, str] = {}
        for end in ("source", "target"):
            value = raw.get(end)
            if isinstance(value, bool) or not isinstance(value, str | int) or str(value) not in specs:
                raise DslError(
                    f"edge {edge_id!r} points at a missing node {value!r}"[:300],
                    kind="dangling-edge",
                    source=name,
                    node_id=ends.get("source"),
                    field=f"{where}.{end}",
                )
            ends[end] = str(value)
        handle = raw.get("sourceHandle")
        if handle is None or handle == "":
            handle = SOURCE_HANDLE
        elif isinstance(handle, bool) or not isinstance(handle, str | int):
            raise DslError(
                f"sourceHandle must be text, not {handle!r}"[:300],
                kind="bad-edge",
                source=name,
                node_id=ends["source"],
                field=f"{where}.sourceHandle",
            )
        key = (ends["source"], ends["target"], str(handle))
        if key in seen:  # a repeated edge adds nothing to routing
            continue
        seen.add(key)
        edges.append(Edge(edge_id, ends["source"], ends["target"], str(handle)))
    return edges


def _container_root(container: NodeSpec, body: dict[str, NodeSpec], name: str) -> str:
    """The body's entry: ``start_node_id`` when it names a body node (old exports
    point it at the first real node), else the single iteration-/loop-start child,
    else the node flagged ``isIterationStart``/``isLoopStart`` (0.1.x exports)."""
    start_id = getattr(container.data, "start_node_id", None)
    if isinstance(start_id, str | int) and str(start_id) in body:
        return str(start_id)
    starts = [s.id for s in body.values() if s.type in CONTAINER_START_TYPES]
    if not starts:  # 0.1.x exports flag the first body node instead
        starts = [s.id for s in body.values() if _flagged_first(s)]
    if len(starts) == 1:
        return starts[0]
    problem = "has no start node inside" if not starts else f"has {len(starts)} start nodes inside"
    raise DslError(
        f"the {container.type} {problem}",
        kind="missing-start",
        source=name,
        node_id=container.id,
        field="data.start_node_id",
    )


def _flagged_first(spec: NodeSpec) -> bool:
    return any(getattr(spec.data, flag, None) is True for flag in ("isIterationStart", "isLoopStart"))
