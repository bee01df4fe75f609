"""Positions for a graph drawn without any: longest-path layers left to right, rows by barycentre.

Pure geometry, no Qt: :func:`layered_positions` gives each node's top-left corner
from the sizes of its card; the layout module uses it for a level whose nodes carry
no positions of their own.
"""

from __future__ import annotations

from collections.abc import Mapping

from desktop_app import theme
from engine.api import Graph

_SWEEPS = 4


def layered_positions(
    graph: Graph, sizes: Mapping[str, tuple[float, float]], *, top: float = 0.0
) -> dict[str, tuple[float, float]]:
    """Top-left corners for a graph without positions: layers left to right, rows ordered by barycentre."""
    layers = _longest_path_layers(graph)
    columns: list[list[str]] = [[] for _ in range(max(layers.values(), default=-1) + 1)]
    for node_id in graph.nodes:  # DSL order is the first guess of the row order
        columns[layers[node_id]].append(node_id)
    _order_by_barycentre(graph, columns)
    pad = theme.CONTAINER_PADDING / 2 if top else 0.0
    heights = [sum(sizes[n][1] for n in col) + theme.ROW_GAP_Y * (len(col) - 1) for col in columns]
    tallest = max(heights, default=0.0)
    positions: dict[str, tuple[float, float]] = {}
    x = pad
    for column, height in zip(columns, heights, strict=True):
        y = top + pad + (tallest - height) / 2
        width = max((sizes[n][0] for n in column), default=0.0)
        for node_id in column:
            w, h = sizes[node_id]
            positions[node_id] = (x + (width - w) / 2, y)
            y += h + theme.ROW_GAP_Y
        x += width + theme.LAYER_GAP_X
    return positions


def _longest_path_layers(graph: Graph) -> dict[str, int]:
    """Layer = length of the longest path from a source (edges closing a cycle are ignored)."""
    indegree = {node_id: 0 for node_id in graph.nodes}
    for edge in graph.edges:
        indegree[edge.target] += 1
    layer = dict.fromkeys(graph.nodes, 0)
    ready = [n for n, d in indegree.items() if d == 0]
    done: set[str] = set()
    while len(done) < len(graph.nodes):
        if not ready:  # a cycle: break it at the first node left (DSL order)
            ready.append(next(n for n in graph.nodes if n not in done))
        while ready:
            node_id = ready.pop()
            if node_id in done:
                continue
            done.add(node_id)
            for edge in graph.out_edges[node_id]:
                if edge.target in done:
                    continue
                layer[edge.target] = max(layer[edge.target], layer[node_id] + 1)
                indegree[edge.target] -= 1
                if indegree[edge.target] == 0:
                    ready.append(edge.target)
    return layer


def _order_by_barycentre(graph: Graph, columns: list[list[str]]) -> None:
    """Sweep right then left, sorting each layer by the mean row of its neighbours in the layer before."""
    row = {node_id: index for column in columns for index, node_id in enumerate(column)}
    for sweep in range(_SWEEPS):
        forward = sweep % 2 == 0
        order = columns[1:] if forward else columns[-2::-1]
        for column in order:
            keyed: list[tuple[float, int, str]] = []
            for index, node_id in enumerate(column):
                edges = graph.in_edges[node_id] if forward else graph.out_edges[node_id]
                near = [row[e.source if forward else e.target] for e in edges]
                keyed.append((sum(near) / len(near) if near else float(index), index, node_id))
            keyed.sort()
            column[:] = [node_id for _, _, node_id in keyed]
            for index, node_id in enumerate(column):
                row[node_id] = index
