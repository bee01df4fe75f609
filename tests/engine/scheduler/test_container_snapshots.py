"""A pause while a container is open stores a snapshot that resumes (issue 13).

The snapshot holds every frame: the top level and the open rounds of the
iteration or loop.  Resumed in a fresh engine (and in another process), the
run ends with the outputs of a run that was never paused.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from engine import resume_workflow, run_workflow, start_workflow
from engine.events import NodeStartedEvent, NodeSucceededEvent
from tests.engine.nodes.test_containers import loop_graph
from tests.engine.scheduler import graphs as g

ITEMS = ["a", "b", "c", "d", "e"]
SLOW = {"wait": {"outputs": {"output": "w"}, "delay_ms": 120}}


def iteration_graph(*, parallel: bool) -> dict[str, Any]:
    """start -> make (the items) -> it [it_start -> wait (slow) -> body "index:item"] -> end"""
    make = {
        "id": "make",
        "data": {
            "type": "code",
            "title": "make",
            "code_language": "python3",
            "variables": [],
            "code": f"def main():\n    return {{'items': {ITEMS!r}}}\n",
            "outputs": {"items": {"type": "array[string]"}},
        },
    }
    iteration = {
        "id": "it",
        "data": {
            "type": "iteration",
            "title": "Each",
            "iterator_selector": ["make", "items"],
            "output_selector": ["body", "output"],
            "start_node_id": "it_start",
            "is_parallel": parallel,
            "parallel_nums": 2,
        },
    }
    body = g.template("body", "{{ i }}:{{ item }}", item=("it", "item"), i=("it", "index"))
    nodes = [
        g.start("start", "x"),
        make,
        iteration,
        {"id": "it_start", "parentId": "it", "data": {"type": "iteration-start", "title": ""}},
        {**g.template("wait", "{{ x }}", x=("it", "item")), "parentId": "it"},
        {**body, "parentId": "it"},
        g.end("end", out=("it", "output")),
    ]
    edges = [("start", "make"), ("make", "it"), ("it_start", "wait"), ("wait", "body"), ("it", "end")]
    return g.graph(nodes, edges)


def _pause_mid_way(workflow: dict[str, Any], node_id: str, mocks: dict[str, Any]) -> dict[str, Any]:
    """Start, pause once ``node_id`` has succeeded twice, return the paused event's snapshot (as stored)."""
    handle = start_workflow(workflow, inputs={"x": "v"}, mocks=mocks)
    done = 0
    for event in handle.events(timeout=30):
        if isinstance(event, NodeSucceededEvent) and event.node_id == node_id:
            done += 1
            if done == 2:
                handle.pause()
                break
    snapshot = json.loads(json.dumps(handle.wait_paused(10)))
    handle.terminate("the snapshot carries on elsewhere")
    handle.wait(10)
    return snapshot


@pytest.mark.parametrize("parallel", [False, True])
def test_pause_inside_an_iteration_resumes_in_a_fresh_engine(parallel: bool) -> None:
    workflow = iteration_graph(parallel=parallel)
    reference = run_workflow(workflow, inputs={"x": "v"}, mocks=SLOW, timeout=30)
    assert reference.outputs == {"out": [f"{i}:{item}" for i, item in enumerate(ITEMS)]}
    snapshot = _pause_mid_way(workflow, "wait", SLOW)
    assert snapshot["containers"]["it"]["rounds"], "the snapshot holds the open rounds"
    resumed = resume_workflow(workflow, snapshot, mocks=SLOW)
    result = resumed.wait(30)
    assert result.status == "succeeded", result.error
    assert result.outputs == reference.outputs
    events = resumed.history()
    assert events[0].seq > snapshot["last_seq"]
    ran_again = [e.container_index for e in events if isinstance(e, NodeStartedEvent) and e.node_id == "body"]
    assert 0 not in ran_again and 1 not in ran_again  # finished rounds are not run again


def test_pause_inside_a_loop_resumes_with_its_loop_variables() -> None:
    workflow = loop_graph(6, None)
    reference = run_workflow(workflow, timeout=30)
    assert reference.outputs == {"n": 6, "rounds": 6}
    handle = start_workflow(workflow, inline_pure_nodes=False)  # the assigner on a worker: a pause point
    for event in handle.events(timeout=30):
        if isinstance(event, NodeSucceededEvent) and event.node_id == "inc":
            handle.pause()
            break
    snapshot = json.loads(json.dumps(handle.wait_paused(10)))
    handle.terminate("the snapshot carries on elsewhere")
    handle.wait(10)
    saved = snapshot["containers"]["lp"]
    assert saved["count"] < 6 and saved["pool"]["vars"]["lp"]["n"] >= 1  # paused mid-way, n kept
    result = resume_workflow(workflow, snapshot, inline_pure_nodes=False).wait(30)
    assert result.status == "succeeded", result.error
    assert result.outputs == reference.outputs


def test_pause_inside_an_iteration_resumes_in_another_process(tmp_path: Path) -> None:
    workflow = iteration_graph(parallel=True)
    reference = run_workflow(workflow, inputs={"x": "v"}, mocks=SLOW, timeout=30)
    snapshot = _pause_mid_way(workflow, "wait", SLOW)
    state = {"workflow": workflow, "snapshot": snapshot, "mocks": SLOW}
    (tmp_path / "state.json").write_text(json.dumps(state))
    script = (
        "import json, sys\n"
        "from engine import resume_workflow\n"
        "state = json.load(open(sys.argv[1]))\n"
        "result = resume_workflow(state['workflow'], state['snapshot'], mocks=state['mocks']).wait(60)\n"
        "print(json.dumps({'status': result.status, 'outputs': result.outputs}))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "state.json")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=Path(__file__).resolve().parents[3],
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == {
        "status": "succeeded",
        "outputs": reference.outputs,
    }


def nested_graph() -> dict[str, Any]:
    """An iteration over two rows whose body iterates the items again: rounds open inside rounds."""
    workflow = iteration_graph(parallel=False)
    inner = {
        "id": "inner",
        "parentId": "it",
        "data": {
            "type": "iteration",
            "title": "inner",
            "iterator_selector": ["make", "items"],
            "output_selector": ["body", "output"],
            "start_node_id": "inner_start",
            "is_parallel": True,
            "parallel_nums": 2,
        },
    }
    outer_start = {"id": "it_start", "parentId": "it", "data": {"type": "iteration-start", "title": ""}}
    inner_start = {"id": "inner_start", "parentId": "inner", "data": {"type": "iteration-start", "title": ""}}
    nodes = [n for n in workflow["nodes"] if n["id"] not in ("it_start", "wait", "body")]
    wait = {**g.template("wait", "{{ x }}", x=("inner", "item")), "parentId": "inner"}
    body = g.template("body", "{{ o }}.{{ i }}:{{ item }}", item=("inner", "item"), i=("inner", "index"))
    body["data"]["variables"].append({"variable": "o", "value_selector": ["it", "index"]})
    nodes += [outer_start, inner, inner_start, wait, {**body, "parentId": "inner"}]
    workflow["nodes"] = nodes
    workflow["nodes"][2]["data"]["output_selector"] = ["inner", "output"]  # the outer iteration
    workflow["nodes"][2]["data"]["flatten_output"] = False
    edges = [("start", "make"), ("make", "it"), ("it_start", "inner"), ("inner_start", "wait")]
    edges += [("wait", "body"), ("it", "end")]
    workflow["edges"] = [g.edge(*e) for e in edges]
    return workflow


def test_pause_inside_nested_iterations_resumes() -> None:
    workflow = nested_graph()
    slow = {"wait": {"outputs": {"output": "w"}, "delay_ms": 40}}
    reference = run_workflow(workflow, inputs={"x": "v"}, mocks=slow, timeout=60)
    assert reference.status == "succeeded", reference.error
    expected = [[f"{o}.{i}:{item}" for i, item in enumerate(ITEMS)] for o in range(len(ITEMS))]
    assert reference.outputs == {"out": expected}
    snapshot = _pause_mid_way(workflow, "wait", slow)
    outer = snapshot["containers"]["it"]
    (round_data,) = outer["rounds"].values()
    assert round_data["containers"]["inner"]["rounds"], "the inner iteration's rounds are in the snapshot"
    result = resume_workflow(workflow, snapshot, mocks=slow).wait(60)
    assert result.status == "succeeded", result.error
    assert result.outputs == reference.outputs
