"""The four benchmark shapes as Dify graph mappings (``{nodes, edges}``), plus the floor.

Shared by ``engine_overhead.py`` (Python 3.11, Flowdeck's venv) and
``graphon_peer.py`` (Python 3.12, graphon's venv): standard library only.

Every work node is a variable-aggregator copying one value from its
predecessor (``variables: [[<previous node id>, output]]``); the first reads
the start node's input ``x``.  Joins are variable-aggregators reading every
node of the layer before them (the aggregator returns the first non-null one).

- W1: start -> 1,000 nodes in a chain -> end
- W2: start -> 200 parallel nodes -> join -> end
- W3: start -> 50 x (4 parallel nodes -> join) -> end
- W4: start -> 3 nodes -> end, run 100 times (one run per workflow execution)

:func:`run_floor` executes the same graph with ``graphlib.TopologicalSorter``
and a ``ThreadPoolExecutor``: the least any threaded scheduler can cost here.
"""

from __future__ import annotations

import graphlib
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

START = "start"
END = "end"
INPUT = "x"
RESULT = "result"
W4_RUNS = 100


@dataclass(frozen=True)
class Shape:
    key: str
    title: str
    graph: dict[str, Any]
    runs: int  # runs per repetition (W4: 100, others 1)

    @property
    def nodes(self) -> int:
        """Nodes executed per run (start and end included)."""
        return len(self.graph["nodes"])


class _Builder:
    def __init__(self) -> None:
        self.nodes: list[dict[str, Any]] = [
            {
                "id": START,
                "data": {
                    "type": "start",
                    "title": "Start",
                    "variables": [
                        {"variable": INPUT, "label": INPUT, "type": "text-input", "required": True}
                    ],
                },
            }
        ]
        self.edges: list[dict[str, Any]] = []

    def copy(self, node_id: str, sources: list[str]) -> str:
        """A variable-aggregator reading ``output`` (``x`` of start) of every source."""
        selectors = [[s, INPUT] if s == START else [s, "output"] for s in sources]
        self.nodes.append(
            {
                "id": node_id,
                "data": {
                    "type": "variable-aggregator",
                    "title": node_id,
                    "variables": selectors,
                    "output_type": "string",
                },
            }
        )
        for source in sources:
            self.edge(source, node_id)
        return node_id

    def edge(self, source: str, target: str) -> None:
        self.edges.append(
            {
                "id": f"{source}-source-{target}-target",
                "source": source,
                "target": target,
                "sourceHandle": "source",
                "targetHandle": "target",
            }
        )

    def end(self, last: str) -> dict[str, Any]:
        self.nodes.append(
            {
                "id": END,
                "data": {
                    "type": "end",
                    "title": "End",
                    "outputs": [
                        {"variable": RESULT, "value_selector": [last, "output"], "value_type": "string"}
                    ],
                },
            }
        )
        self.edge(last, END)
        return {"nodes": self.nodes, "edges": self.edges}


def chain(length: int) -> dict[str, Any]:
    b = _Builder()
    previous = START
    for i in range(length):
        previous = b.copy(f"n{i}", [previous])
    return b.end(previous)


def fan_out(width: int) -> dict[str, Any]:
    b = _Builder()
    layer = [b.copy(f"p{i}", [START]) for i in range(width)]
    return b.end(b.copy("join", layer))


def layers(count: int, width: int) -> dict[str, Any]:
    b = _Builder()
    previous = START
    for i in range(count):
        layer = [b.copy(f"l{i}_{j}", [previous]) for j in range(width)]
        previous = b.copy(f"join{i}", layer)
    return b.end(previous)


def shapes() -> list[Shape]:
    return [
        Shape("W1", "chain of 1,000", chain(1000), 1),
        Shape("W2", "200 parallel -> join", fan_out(200), 1),
        Shape("W3", "50 layers x 4 parallel", layers(50, 4), 1),
        Shape("W4", f"{W4_RUNS} runs of start -> 3 -> end", chain(3), W4_RUNS),
    ]


def dify_app(graph: dict[str, Any], name: str = "benchmark") -> dict[str, Any]:
    """The graph wrapped as a Dify ``kind: app`` export (workflow mode)."""
    return {
        "kind": "app",
        "version": "0.3.0",
        "app": {"name": name, "mode": "workflow"},
        "workflow": {"graph": graph, "environment_variables": [], "conversation_variables": []},
    }


# ------------------------------------------------------------------- floor
def _compile(
    graph: dict[str, Any],
) -> tuple[dict[str, list[str]], dict[str, Callable[[dict[str, Any]], None]]]:
    """Predecessors and one trivial function per node, over a shared values dict."""
    preds: dict[str, list[str]] = {n["id"]: [] for n in graph["nodes"]}
    for e in graph["edges"]:
        preds[e["target"]].append(e["source"])
    funcs: dict[str, Callable[[dict[str, Any]], None]] = {}
    for node in graph["nodes"]:
        node_id, data = node["id"], node["data"]
        if data["type"] == "start":
            funcs[node_id] = _noop
        elif data["type"] == "end":
            funcs[node_id] = _end_func(data["outputs"])
        else:
            funcs[node_id] = _copy_func(node_id, [tuple(s) for s in data["variables"]])
    return preds, funcs


def _noop(values: dict[str, Any]) -> None:
    return None


def _copy_func(node_id: str, selectors: list[tuple[str, ...]]) -> Callable[[dict[str, Any]], None]:
    def run(values: dict[str, Any]) -> None:
        for source, name in selectors:
            value = values.get(source, {}).get(name)
            if value is not None:
                values[node_id] = {"output": value}
                return
        values[node_id] = {"output": None}

    return run


def _end_func(outputs: list[dict[str, Any]]) -> Callable[[dict[str, Any]], None]:
    def run(values: dict[str, Any]) -> None:
        values[END] = {o["variable"]: values[o["value_selector"][0]][o["value_selector"][1]] for o in outputs}

    return run


class Floor:
    """A compiled graph run by TopologicalSorter + ThreadPoolExecutor."""

    def __init__(self, graph: dict[str, Any], workers: int) -> None:
        self.preds, self.funcs = _compile(graph)
        self.workers = workers

    def run(self, inputs: dict[str, Any]) -> dict[str, Any]:
        sorter = graphlib.TopologicalSorter(self.preds)
        sorter.prepare()
        values: dict[str, Any] = {START: dict(inputs)}
        funcs = self.funcs
        with ThreadPoolExecutor(self.workers) as pool:
            pending: dict[Future[None], str] = {}
            while sorter.is_active():
                for node_id in sorter.get_ready():
                    pending[pool.submit(funcs[node_id], values)] = node_id
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    future.result()
                    sorter.done(pending.pop(future))
        return values[END]
