"""Where every node of a workflow is drawn: pure geometry, no Qt.

A Dify export carries every node's ``position`` (children of an iteration/loop relative to
their container, and containers a ``width``/``height``): it is drawn as its author drew it.
Only a level whose positions are all missing or ``(0, 0)`` (the bare form, generated graphs)
is laid out here: longest-path layering left to right, then barycentric ordering sweeps to
reduce crossings.  Containers are sized to hold their bodies.

Every rectangle is in scene coordinates (absolute), ``x, y`` its top-left corner.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from desktop_app import theme
from desktop_app.canvas.layering import layered_positions
from engine.api import Graph, NodeSpec, Workflow

CONTAINER_TYPES = frozenset({"iteration", "loop"})
START_MARKER_TYPES = frozenset({"iteration-start", "loop-start"})
CONTAINER_HEADER = 50.0  # the container's title strip (its card)
MARKER_SIZE = 44.0
PORT_SPACING = 18.0
PORTS_TOP = 31.0  # first out-port of a branch node (below the title row)


@dataclass(frozen=True, slots=True)
class Rect:
    x: float
    y: float
    w: float
    h: float

    @property
    def right(self) -> float:
        return self.x + self.w

    @property
    def bottom(self) -> float:
        return self.y + self.h

    def contains(self, other: Rect) -> bool:
        return (
            self.x <= other.x
            and self.y <= other.y
            and other.right <= self.right
            and other.bottom <= self.bottom
        )

    def overlaps(self, other: Rect) -> bool:
        return (
            self.x < other.right and other.x < self.right and self.y < other.bottom and other.y < self.bottom
        )


@dataclass(frozen=True, slots=True)
class NodeBox:
    node_id: str
    node_type: str
    title: str
    rect: Rect
    parent_id: str | None
    handles: tuple[str, ...]  # source handles, top to bottom on the right side
    handle_labels: tuple[str, ...]
    wired: frozenset[str]  # handles some edge leaves from
    fail_branch: bool  # error_strategy == "fail-branch"

    @property
    def is_container(self) -> bool:
        return self.node_type in CONTAINER_TYPES


@dataclass(frozen=True, slots=True)
class EdgeLine:
    edge_id: str
    source: str
    target: str
    handle: str


@dataclass(slots=True)
class CanvasLayout:
    nodes: dict[str, NodeBox] = field(default_factory=dict)
    edges: dict[str, EdgeLine] = field(default_factory=dict)
    laid_out: bool = False  # True when some level had no positions and was laid out in layers

    def bounds(self) -> Rect:
        if not self.nodes:
            return Rect(0.0, 0.0, 0.0, 0.0)
        rects = [b.rect for b in self.nodes.values()]
        x, y = min(r.x for r in rects), min(r.y for r in rects)
        return Rect(x, y, max(r.right for r in rects) - x, max(r.bottom for r in rects) - y)


# ------------------------------------------------------------------ handles
def source_handles(spec: NodeSpec, used: list[str]) -> tuple[list[str], list[str]]:
    """The out-ports of a node (the handles it can choose, then any only its edges name) and their labels."""
    ordered = list(spec.node.handles() or [])
    labels: list[str] = []
    if spec.type == "if-else":
        labels = ["IF" if i == 0 else "ELIF" for i in range(len(ordered) - 1)] + ["ELSE"]
    elif spec.type == "question-classifier":
        names = {str(c.id): str(c.name) for c in getattr(spec.data, "classes", [])}
        labels = [names.get(h) or h for h in ordered]
    else:
        labels = ["" for _ in ordered]
    if not ordered:
        ordered, labels = ["source"], [""]
    if getattr(spec.data, "error_strategy", None) == "fail-branch":
        if labels == [""]:
            labels = ["OK"]
        ordered.append("fail-branch")
        labels.append("FAIL")
    for handle in used:
        if handle not in ordered:
            ordered.append(handle)
            labels.append(handle[:12])
    return ordered, labels


def node_height(node_type: str, handle_count: int) -> float:
    if node_type in START_MARKER_TYPES:
        return MARKER_SIZE
    if handle_count < 2:
        return theme.NODE_HEIGHT
    return max(theme.NODE_HEIGHT, PORTS_TOP + PORT_SPACING * (handle_count - 1) + 16.0)


def node_width(node_type: str) -> float:
    return MARKER_SIZE if node_type in START_MARKER_TYPES else theme.NODE_WIDTH


# ------------------------------------------------------------------ layout
def layout_workflow(workflow: Workflow) -> CanvasLayout:
    """The whole picture of a workflow: every level, containers holding their bodies."""
    raw_sizes = _raw_sizes(workflow.graph_dict)
    result = CanvasLayout()
    _Level(workflow, workflow.graph, None, raw_sizes, result).place(0.0, 0.0)
    for graph in [workflow.graph, *workflow.subgraphs.values()]:
        for edge in graph.edges:
            result.edges[edge.id] = EdgeLine(edge.id, edge.source, edge.target, edge.source_handle)
    return result


def _raw_sizes(graph_dict: Mapping[str, Any]) -> dict[str, tuple[float, float]]:
    sizes: dict[str, tuple[float, float]] = {}
    for raw in graph_dict.get("nodes", []) or []:
        if not isinstance(raw, Mapping):
            continue
        width, height = raw.get("width"), raw.get("height")
        if isinstance(width, int | float) and isinstance(height, int | float):
            sizes[str(raw.get("id"))] = (float(width), float(height))
    return sizes


class _Level:
    """One graph level (top or a container's body), placed relative to an origin."""

    def __init__(
        self,
        workflow: Workflow,
        graph: Graph,
        parent_id: str | None,
        raw_sizes: dict[str, tuple[float, float]],
        result: CanvasLayout,
    ) -> None:
        self.workflow, self.graph, self.parent_id = workflow, graph, parent_id
        self.raw_sizes, self.result = raw_sizes, result

    def place(self, origin_x: float, origin_y: float) -> tuple[float, float]:
        """Place every node of this level; returns the extent (right, bottom) relative to the origin."""
        sizes = {node_id: self._size(node_id) for node_id in self.graph.nodes}
        positioned = any(spec.position != (0.0, 0.0) for spec in self.graph.nodes.values())
        if positioned:
            relative = {node_id: spec.position for node_id, spec in self.graph.nodes.items()}
        else:
            relative = layered_positions(self.graph, sizes, top=CONTAINER_HEADER if self.parent_id else 0.0)
            self.result.laid_out = True
        right = bottom = 0.0
        for node_id, spec in self.graph.nodes.items():
            rx, ry = relative[node_id]
            x, y = origin_x + rx, origin_y + ry
            w, h = sizes[node_id]
            if spec.type in CONTAINER_TYPES and spec.id in self.workflow.subgraphs:
                w, h = self._place_body(spec.id, x, y, w, h)
            self._add(spec.id, Rect(x, y, w, h))
            right, bottom = max(right, rx + w), max(bottom, ry + h)
        return right, bottom

    def _place_body(self, container_id: str, x: float, y: float, w: float, h: float) -> tuple[float, float]:
        body = _Level(
            self.workflow, self.workflow.subgraphs[container_id], container_id, self.raw_sizes, self.result
        )
        right, bottom = body.place(x, y)
        pad = theme.CONTAINER_PADDING / 2
        return max(w, right + pad), max(h, bottom + pad)

    def _size(self, node_id: str) -> tuple[float, float]:
        spec = self.graph.nodes[node_id]
        used = sorted({e.source_handle for e in self.graph.out_edges[node_id]})
        handles, _ = source_handles(spec, used)
        w, h = node_width(spec.type), node_height(spec.type, len(handles))
        if spec.type in CONTAINER_TYPES:
            raw_w, raw_h = self.raw_sizes.get(node_id, (0.0, 0.0))
            w, h = max(w, raw_w), max(CONTAINER_HEADER + theme.CONTAINER_PADDING, raw_h)
            if node_id in self.workflow.subgraphs:  # big enough for its body (a dry run of the body's layout)
                body = _Level(
                    self.workflow, self.workflow.subgraphs[node_id], node_id, self.raw_sizes, CanvasLayout()
                )
                right, bottom = body.place(0.0, 0.0)
                pad = theme.CONTAINER_PADDING / 2
                w, h = max(w, right + pad), max(h, bottom + pad)
        return w, h

    def _add(self, node_id: str, rect: Rect) -> None:
        spec = self.graph.nodes[node_id]
        used = sorted({e.source_handle for e in self.graph.out_edges[node_id]})
        handles, labels = source_handles(spec, used)
        self.result.nodes[node_id] = NodeBox(
            node_id=node_id,
            node_type=spec.type,
            title=spec.title,
            rect=rect,
            parent_id=self.parent_id,
            handles=tuple(handles),
            handle_labels=tuple(labels),
            wired=frozenset(used),
            fail_branch=getattr(spec.data, "error_strategy", None) == "fail-branch",
        )
