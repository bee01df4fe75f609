"""Canvas frame cost: a 1,001-node graph, 333 nodes recoloured per frame, painted at 100 % zoom and fitted.

Each frame applies 333 node views (GraphView.apply) and then repaints the viewport
synchronously, as the GUI bridge's ~30 Hz timer would.  The baseline in the same run is a
scene of plain QGraphicsRectItems (same positions, straight QGraphicsLineItem edges) recoloured
with setBrush: the least a QGraphicsView canvas can cost.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/gui_canvas.py [--frames 60]
"""

from __future__ import annotations

import argparse
import os
import time

import bench_support  # noqa: F401 - puts the repository root on sys.path
from bench_support import machine, median, table

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QLineF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPen
from PySide6.QtWidgets import (
    QApplication,
    QGraphicsLineItem,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsView,
)

from desktop_app import theme
from desktop_app.canvas import GraphView
from desktop_app.canvas.layout import layout_workflow
from desktop_app.run_state import NodeView
from engine import load_workflow
from tests.desktop_app.test_canvas_layout import bare_graph

PER_FRAME = 333
STATES = ("running", "succeeded", "failed", "exception", "skipped", "retrying")


def frames_canvas(view: GraphView, node_ids: list[str], frames: int) -> list[float]:
    times: list[float] = []
    for frame in range(frames):
        t0 = time.perf_counter()
        batch = {}
        for k in range(PER_FRAME):
            node_id = node_ids[(frame * PER_FRAME + k) % len(node_ids)]
            batch[node_id] = NodeView(node_id, state=STATES[(frame + k) % len(STATES)])
        view.apply(batch, "running")
        view.viewport().repaint()
        times.append((time.perf_counter() - t0) * 1000)
    return times


def baseline_view(
    workflow_graph: dict, size: tuple[int, int]
) -> tuple[QGraphicsView, list[QGraphicsRectItem]]:
    layout = layout_workflow(load_workflow(workflow_graph))
    scene = QGraphicsScene()
    rects: dict[str, QGraphicsRectItem] = {}
    for box in layout.nodes.values():
        item = QGraphicsRectItem(QRectF(box.rect.x, box.rect.y, box.rect.w, box.rect.h))
        item.setBrush(QBrush(QColor(theme.LIGHT.panel)))
        scene.addItem(item)
        rects[box.node_id] = item
    pen = QPen(QColor(theme.LIGHT.edge))
    for edge in layout.edges.values():
        a, b = layout.nodes[edge.source].rect, layout.nodes[edge.target].rect
        line = QGraphicsLineItem(QLineF(a.right, a.y + a.h / 2, b.x, b.y + b.h / 2))
        line.setPen(pen)
        scene.addItem(line)
    view = QGraphicsView(scene)
    scene.setParent(view)
    view.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    view.resize(*size)
    return view, list(rects.values())


def frames_baseline(view: QGraphicsView, items: list[QGraphicsRectItem], frames: int) -> list[float]:
    brushes = [QBrush(QColor(theme.LIGHT.state(s).fill)) for s in STATES]
    times: list[float] = []
    for frame in range(frames):
        t0 = time.perf_counter()
        for k in range(PER_FRAME):
            items[(frame * PER_FRAME + k) % len(items)].setBrush(brushes[(frame + k) % len(brushes)])
        view.viewport().repaint()
        times.append((time.perf_counter() - t0) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=60)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    graph = bare_graph(layers=111, width=9)
    size = (1200, 700)

    canvas = GraphView()
    canvas.resize(*size)
    canvas.show()
    canvas.set_workflow(load_workflow(graph))
    node_ids = list(canvas.graph_scene.nodes)  # type: ignore[union-attr]
    base, base_items = baseline_view(graph, size)
    base.show()
    app.processEvents()

    rows = []
    for zoom in ("100 %", "fitted"):
        if zoom == "fitted":
            canvas.fit()
            base.fitInView(base.scene().itemsBoundingRect(), Qt.AspectRatioMode.KeepAspectRatio)
        else:
            canvas.resetTransform()
            base.resetTransform()
            canvas.centerOn(canvas.graph_scene.nodes[node_ids[len(node_ids) // 2]])  # type: ignore[union-attr]
            base.centerOn(base_items[len(base_items) // 2])
        app.processEvents()
        ours = frames_canvas(canvas, node_ids, args.frames)
        floor = frames_baseline(base, base_items, args.frames)
        rows.append(
            [zoom, round(median(ours), 2), round(max(ours), 2), round(median(floor), 2), round(max(floor), 2)]
        )
    print(
        f"machine: {machine()}  nodes: {len(node_ids)}  recolours/frame: {PER_FRAME}  frames: {args.frames}"
    )
    print(
        table(
            ["zoom", "canvas ms/frame (median)", "canvas max", "plain rects median", "plain rects max"], rows
        )
    )


if __name__ == "__main__":
    main()
