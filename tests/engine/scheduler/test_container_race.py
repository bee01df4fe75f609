"""Containers beside a wide fan-out: no race between a round and the dispatcher (issue 13, defect 1).

One (or ten) iterations run beside a 3,000-way fan-out of trivial nodes, every
node handed to a worker (``inline_pure_nodes=False``) and the interpreter made to
switch threads very often, so a container that read the pool on its own thread
while the dispatcher wrote sibling outputs would fail with ``dictionary changed
size during iteration``.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

import pytest

from engine import load_workflow, run_workflow
from engine.graph import Workflow
from tests.engine.scheduler import graphs as g

FAN = 3000
RUNS = 20
ITEMS = ["a", "b", "c", "d"]


def race_graph(iterations: int, *, parallel: bool) -> dict[str, Any]:
    start = g.start("start", "x")
    start["data"]["variables"].append({"variable": "items", "type": "json_object"})
    nodes: list[dict[str, Any]] = [start]
    edges: list[tuple[str, ...]] = []
    for k in range(iterations):  # each iteration starts after a gate node, while the fan-out still runs
        nodes.append(g.copy(f"gate{k}", ("start", "x")))
        edges += [("start", f"gate{k}"), (f"gate{k}", f"it{k}")]
    for i in range(FAN):
        nodes.append(g.copy(f"p{i}", ("start", "x")))
        edges += [("start", f"p{i}"), (f"p{i}", "end")]
    outputs: dict[str, tuple[str, str]] = {}
    for k in range(iterations):
        it = f"it{k}"
        nodes += [
            {
                "id": it,
                "data": {
                    "type": "iteration",
                    "title": it,
                    "iterator_selector": ["start", "items", "list"],
                    "output_selector": [f"body{k}", "output"],
                    "start_node_id": f"{it}_start",
                    "is_parallel": parallel,
                    "parallel_nums": 2,
                },
            },
            {"id": f"{it}_start", "parentId": it, "data": {"type": "iteration-start", "title": ""}},
            {**g.copy(f"body{k}", (it, "item")), "parentId": it},
        ]
        edges += [(f"{it}_start", f"body{k}"), (it, "end")]
        outputs[f"out{k}"] = (it, "output")
    outputs["last"] = (f"p{FAN - 1}", "output")
    nodes.append(g.end("end", **outputs))
    return g.graph(nodes, edges)


@pytest.fixture
def fast_switching() -> Iterator[None]:
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    try:
        yield
    finally:
        sys.setswitchinterval(before)


#: every fan-out node takes 0.3 ms on a worker: outputs keep arriving while the iterations run
SLOW_FAN = {f"p{i}": {"outputs": {"output": "v"}, "delay_ms": 0.3} for i in range(FAN)}


def _failures(workflow: Workflow, iterations: int) -> list[str]:
    expected = {f"out{k}": ITEMS for k in range(iterations)} | {"last": "v"}
    failures = []
    for _ in range(RUNS):
        result = run_workflow(
            workflow,
            inputs={"x": "v", "items": {"list": ITEMS}},
            mocks=SLOW_FAN,
            timeout=120,
            inline_pure_nodes=False,
        )
        if result.status != "succeeded" or result.outputs != expected:
            failures.append(f"{result.status}: {result.error or result.outputs}")
    return failures


@pytest.mark.parametrize("iterations", [1, 10])
def test_iterations_beside_a_wide_fan_out_never_race(iterations: int, fast_switching: None) -> None:
    workflow = load_workflow(race_graph(iterations, parallel=iterations > 1))
    failures = _failures(workflow, iterations)
    assert failures == [], f"{len(failures)} of {RUNS} runs failed; first: {failures[0]}"
