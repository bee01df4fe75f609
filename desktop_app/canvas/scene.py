"""The scene of one workflow: items built once from its layout, then only recoloured."""

from __future__ import annotations

import time
from collections.abc import Mapping

from PySide6.QtCore import QObject, QTimer, Slot
from PySide6.QtWidgets import QGraphicsItem, QGraphicsScene

from desktop_app import theme
from desktop_app.canvas.container import ContainerItem
from desktop_app.canvas.edges import ENDED_STATES, EdgeItem, edge_state
from desktop_app.canvas.items import NodeItem, format_elapsed
from desktop_app.canvas.layout import CanvasLayout, layout_workflow
from desktop_app.canvas.styles import CanvasStyle, EdgeState
from desktop_app.run_state import NodeView, display_state
from desktop_app.states import NODE_WORKING
from engine.api import NodeStatus, Workflow

ANIMATION_INTERVAL_MS = 60
_DASH_STEP = 1.5
_SCENE_MARGIN = 1500.0  # room to pan past the graph (an open canvas, not a clipped page)


class RunningAnimator(QObject):
    """One timer for every running node: a border starts moving only after the theme's delay."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.items: set[NodeItem] = set()
        self._timer = QTimer(self)
        self._timer.setInterval(ANIMATION_INTERVAL_MS)
        self._timer.timeout.connect(self._tick)

    def track(self, item: NodeItem, running: bool) -> None:
        if running:
            if item.running_since is None:
                item.running_since = time.monotonic()
            self.items.add(item)
            if not self._timer.isActive():
                self._timer.start()
            return
        item.running_since = None
        if item.phase >= 0:
            item.phase = -1.0
            item.update()
        self.items.discard(item)
        if not self.items:
            self._timer.stop()

    @Slot()
    def _tick(self) -> None:
        ready = time.monotonic() - theme.RUNNING_ANIMATION_DELAY_MS / 1000
        for item in self.items:
            if item.running_since is not None and item.running_since <= ready:
                item.phase = (max(item.phase, 0.0) + _DASH_STEP) % 12.0
                item.update()


class GraphScene(QGraphicsScene):
    def __init__(self, workflow: Workflow, style: CanvasStyle, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.graph_hash = workflow.graph_hash
        self.layout: CanvasLayout = layout_workflow(workflow)
        self.style = style
        self.nodes: dict[str, NodeItem] = {}
        self.edges: dict[str, EdgeItem] = {}
        self._ended_on: dict[str, str | None] = {}  # node id -> handle it ended on
        self._in: dict[str, list[str]] = {}
        self._out: dict[str, list[str]] = {}
        self.animator = RunningAnimator(self)
        self.edge_level = 2  # 0 hidden, 1 cached, 2 drawn
        self.setItemIndexMethod(QGraphicsScene.ItemIndexMethod.BspTreeIndex)
        self.setBackgroundBrush(style.background)
        self._build()

    def _build(self) -> None:
        for box in self.layout.nodes.values():
            item = ContainerItem(box, self.style) if box.is_container else NodeItem(box, self.style)
            self.nodes[box.node_id] = item
            self._in[box.node_id], self._out[box.node_id] = [], []
            self.addItem(item)
        for line in self.layout.edges.values():
            source, target = self.nodes[line.source], self.nodes[line.target]
            edge = EdgeItem(line.edge_id, source.out_port(line.handle), target.in_port(), self.style)
            self.edges[line.edge_id] = edge
            self._out[line.source].append(line.edge_id)
            self._in[line.target].append(line.edge_id)
            self.addItem(edge)
        bounds = self.itemsBoundingRect()
        m = _SCENE_MARGIN
        self.setSceneRect(bounds.adjusted(-m, -m, m, m))

    # ------------------------------------------------------------ states
    def apply(self, views: Mapping[str, NodeView], run_status: str) -> None:
        touched: set[str] = set()
        for node_id, view in views.items():
            item = self.nodes.get(node_id)
            if item is None:
                continue  # a node of another graph version: nothing to draw
            record = view.record
            state = view.state if record is None else display_state(record, run_status=run_status)
            elapsed = ""
            if record is not None and record.finished_at is not None and state != NodeStatus.SKIPPED:
                elapsed = format_elapsed(record.elapsed_time)
            elif record is not None and state in NODE_WORKING:  # ticks while it runs
                elapsed = format_elapsed(max(0.0, time.time() - record.created_at))
            badge = f"\u00d7{view.attempts}" if view.attempts > 1 else ""  # "xN", multiplication sign
            item.set_view(state, elapsed, badge)
            tip = _tooltip(item.box.title, state, elapsed, view)
            if tip != item.toolTip():
                item.setToolTip(tip)
            self.animator.track(item, state == NodeStatus.RUNNING)
            ended: str | None = None
            if state in ENDED_STATES:
                ended = "source" if record is None else str(record.metadata.get("edge_handle", "source"))
                if state == NodeStatus.EXCEPTION and item.box.fail_branch:
                    ended = "fail-branch"
            self._ended_on[node_id] = ended
            touched.add(node_id)
        self._restyle_edges(touched)

    def reset_states(self) -> None:
        for node_id, item in self.nodes.items():
            item.set_view(NodeStatus.PENDING, "", "")
            self.animator.track(item, False)
            self._ended_on[node_id] = None
        for edge in self.edges.values():
            edge.set_state(EdgeState.PENDING)

    def _restyle_edges(self, node_ids: set[str]) -> None:
        edge_ids = {e for n in node_ids for e in self._in[n]} | {e for n in node_ids for e in self._out[n]}
        for edge_id in edge_ids:
            line = self.layout.edges[edge_id]
            state = edge_state(
                line.handle,
                self.nodes[line.source].state,
                self._ended_on.get(line.source),
                self.nodes[line.target].state,
            )
            self.edges[edge_id].set_state(state)

    # ------------------------------------------------------------- looks
    def set_zoom(self, scale: float) -> None:
        """Level of detail for edges: hidden below theme.EDGE_MIN_SCALE, cached as (then small) pixmaps
        below theme.TEXT_MIN_SCALE, drawn directly when zoomed in (a cached long edge would be megabytes)."""
        level = 0 if scale < theme.EDGE_MIN_SCALE else (1 if scale < theme.TEXT_MIN_SCALE else 2)
        if level == self.edge_level:
            return
        self.edge_level = level
        mode = (
            QGraphicsItem.CacheMode.DeviceCoordinateCache if level == 1 else QGraphicsItem.CacheMode.NoCache
        )
        for edge in self.edges.values():
            edge.setVisible(level > 0)
            edge.setCacheMode(mode)

    def set_style(self, style: CanvasStyle) -> None:
        if style is self.style:
            return
        self.style = style
        self.setBackgroundBrush(style.background)
        for item in self.nodes.values():
            item.set_style(style)
        for edge in self.edges.values():
            edge.set_style(style)


def _tooltip(title: str, state: str, elapsed: str, view: NodeView) -> str:
    """What hovering a card says: state, time, attempts and the error, from the record."""
    lines = [f"{title}: {state}" + (f" · {elapsed}" if elapsed else "")]
    record = view.record
    if record is not None:
        if view.attempts > 1:
            lines.append(f"{view.attempts} attempts ({view.retries} retried)")
        if view.executions > 1:
            lines.append(f"{view.executions} executions (newest shown)")
        if record.error:
            lines.append(record.error if len(record.error) <= 300 else record.error[:297] + "...")
    return "\n".join(lines)
