"""iteration and loop: options, error modes, events per round, terminate inside."""

from __future__ import annotations

import time
from typing import Any

import pytest

from engine import DslError, load_workflow, run_workflow, start_workflow
from engine.events import (
    IterationNextEvent,
    IterationStartedEvent,
    LoopNextEvent,
    NodeStartedEvent,
    NodeSucceededEvent,
    NodeTerminatedEvent,
    is_terminal,
)


def _declared_type(items: Any) -> str:
    if not isinstance(items, list):
        return "string"
    return "array[number]" if all(isinstance(i, int) for i in items) else "array[string]"


def iteration_graph(items: list[Any], **options: Any) -> dict[str, Any]:
    return {
        "nodes": [
            {"id": "start", "data": {"type": "start", "title": "Start", "variables": []}},
            {
                "id": "make",
                "data": {
                    "type": "code",
                    "title": "make",
                    "code_language": "python3",
                    "variables": [],
                    "code": f"def main():\n    return {{'items': {items!r}}}\n",
                    "outputs": {"items": {"type": _declared_type(items)}},
                },
            },
            {
                "id": "it",
                "data": {
                    "type": "iteration",
                    "title": "Each",
                    "iterator_selector": ["make", "items"],
                    "output_selector": ["body", "output"],
                    "start_node_id": "it_start",
                    **options,
                },
            },
            {"id": "it_start", "parentId": "it", "data": {"type": "iteration-start", "title": ""}},
            {
                "id": "body",
                "parentId": "it",
                "data": {
                    "type": "template-transform",
                    "title": "body",
                    "template": "{{ i }}:{{ item }}",
                    "variables": [
                        {"variable": "item", "value_selector": ["it", "item"]},
                        {"variable": "i", "value_selector": ["it", "index"]},
                    ],
                },
            },
            {
                "id": "end",
                "data": {
                    "type": "end",
                    "title": "End",
                    "outputs": [{"variable": "out", "value_selector": ["it", "output"]}],
                },
            },
        ],
        "edges": [
            {"id": "e1", "source": "start", "target": "make"},
            {"id": "e2", "source": "make", "target": "it"},
            {"id": "e3", "source": "it_start", "target": "body"},
            {"id": "e4", "source": "it", "target": "end"},
        ],
    }


def test_iteration_collects_outputs_in_item_order() -> None:
    result = run_workflow(iteration_graph(["a", "b", "c"]), timeout=30)
    assert result.status == "succeeded"
    assert result.outputs == {"out": ["0:a", "1:b", "2:c"]}


def test_parallel_iteration_keeps_item_order_and_overlaps() -> None:
    wf = iteration_graph(list(range(6)), is_parallel=True, parallel_nums=3)
    mocks = {"body": {"outputs": {"output": "x"}, "delay_ms": 200}}
    handle = start_workflow(wf, mocks=mocks)
    result = handle.wait(30)
    assert result.status == "succeeded" and result.outputs == {"out": ["x"] * 6}
    events = list(handle.events())
    starts = [e for e in events if isinstance(e, NodeStartedEvent) and e.node_id == "body"]
    first_end = min(e.seq for e in events if isinstance(e, NodeSucceededEvent) and e.node_id == "body")
    assert sum(1 for e in starts if e.seq < first_end) >= 2  # rounds ran side by side
    assert sorted(e.container_index for e in starts) == list(range(6))


def test_parallel_iteration_output_order_with_unequal_delays() -> None:
    wf = iteration_graph([3, 1, 2], is_parallel=True, parallel_nums=3)
    result = run_workflow(wf, timeout=30)
    assert result.outputs == {"out": ["0:3", "1:1", "2:2"]}


@pytest.mark.parametrize(
    ("mode", "status", "out"),
    [
        ("terminated", "failed", None),
        ("continue-on-error", "partial-succeeded", ["ok", None, "ok"]),
        ("remove-abnormal-output", "partial-succeeded", ["ok", "ok"]),
    ],
)
def test_iteration_error_modes(mode: str, status: str, out: list[Any] | None) -> None:
    wf = iteration_graph([1, 2, 3], error_handle_mode=mode)
    mocks = {
        "body": {
            "sequence": [{"outputs": {"output": "ok"}}, {"error": "bad item"}, {"outputs": {"output": "ok"}}]
        }
    }
    result = run_workflow(wf, mocks=mocks, timeout=30)
    assert result.status == status
    if out is None:
        assert "bad item" in result.error
    else:
        assert result.outputs == {"out": out}


def test_flatten_output_flattens_lists_only_when_enabled() -> None:
    mocks = {"body": {"outputs": {"output": [1, 2]}}}
    flat = run_workflow(iteration_graph([1, 2]), mocks=mocks, timeout=30)
    nested = run_workflow(iteration_graph([1, 2], flatten_output=False), mocks=mocks, timeout=30)
    assert flat.outputs == {"out": [1, 2, 1, 2]}
    assert nested.outputs == {"out": [[1, 2], [1, 2]]}


def test_iteration_events_carry_container_id_and_index() -> None:
    handle = start_workflow(iteration_graph(["a", "b"]))
    handle.wait(30)
    events = list(handle.events())
    assert [e.total for e in events if isinstance(e, IterationStartedEvent)] == [2]
    assert [e.index for e in events if isinstance(e, IterationNextEvent)] == [0, 1]
    body = [e for e in events if isinstance(e, NodeSucceededEvent) and e.node_id == "body"]
    assert [(e.container_id, e.container_index) for e in body] == [("it", 0), ("it", 1)]


def test_iteration_over_a_non_array_fails_with_a_clear_error() -> None:
    result = run_workflow(iteration_graph("not a list"), timeout=30)  # type: ignore[arg-type]
    assert result.status == "failed"


def test_terminate_reaches_nodes_inside_an_iteration() -> None:
    wf = iteration_graph([1, 2, 3])
    handle = start_workflow(wf, mocks={"body": {"outputs": {"output": "x"}, "delay_ms": 30_000}})
    for event in handle.events(timeout=30):
        if isinstance(event, NodeStartedEvent) and event.node_id == "body":
            break
    asked = time.monotonic()
    handle.terminate("stop the loop")
    result = handle.wait(5)
    assert time.monotonic() - asked < 3
    assert result.status == "terminated"
    statuses = {(n.node_id, n.status) for n in result.node_executions}
    assert ("it", "terminated") in statuses and ("body", "terminated") in statuses
    events = handle.history()
    assert is_terminal(events[-1])  # the body's terminated node is recorded before the run's end
    assert any(isinstance(e, NodeTerminatedEvent) and e.node_id == "body" for e in events)


def loop_graph(count: int, break_at: int | None, *, loop_end_at: int | None = None) -> dict[str, Any]:
    nodes: list[dict[str, Any]] = [
        {"id": "start", "data": {"type": "start", "title": "Start", "variables": []}},
        {
            "id": "lp",
            "data": {
                "type": "loop",
                "title": "Loop",
                "loop_count": count,
                "start_node_id": "lp_start",
                "logical_operator": "and",
                "loop_variables": [
                    {"label": "n", "var_type": "number", "value_type": "constant", "value": "0"}
                ],
                "break_conditions": []
                if break_at is None
                else [
                    {
                        "variable_selector": ["lp", "n"],
                        "comparison_operator": "≥",
                        "value": str(break_at),
                        "varType": "number",
                    }
                ],
            },
        },
        {"id": "lp_start", "parentId": "lp", "data": {"type": "loop-start", "title": ""}},
        {
            "id": "inc",
            "parentId": "lp",
            "data": {
                "type": "assigner",
                "title": "n += 1",
                "version": "2",
                "items": [
                    {
                        "variable_selector": ["lp", "n"],
                        "input_type": "constant",
                        "operation": "+=",
                        "value": 1,
                    }
                ],
            },
        },
        {
            "id": "end",
            "data": {
                "type": "end",
                "title": "End",
                "outputs": [
                    {"variable": "n", "value_selector": ["lp", "n"]},
                    {"variable": "rounds", "value_selector": ["lp", "loop_round"]},
                ],
            },
        },
    ]
    edges = [
        {"id": "e1", "source": "start", "target": "lp"},
        {"id": "e2", "source": "lp_start", "target": "inc"},
        {"id": "e3", "source": "lp", "target": "end"},
    ]
    if loop_end_at is not None:
        nodes += [
            {
                "id": "check",
                "parentId": "lp",
                "data": {
                    "type": "if-else",
                    "title": "check",
                    "cases": [
                        {
                            "case_id": "true",
                            "logical_operator": "and",
                            "conditions": [
                                {
                                    "variable_selector": ["lp", "n"],
                                    "comparison_operator": "=",
                                    "value": str(loop_end_at),
                                }
                            ],
                        }
                    ],
                },
            },
            {"id": "stop", "parentId": "lp", "data": {"type": "loop-end", "title": "stop"}},
        ]
        edges += [
            {"id": "e4", "source": "inc", "target": "check"},
            {"id": "e5", "source": "check", "sourceHandle": "true", "target": "stop"},
        ]
    return {"nodes": nodes, "edges": edges}


def test_loop_runs_until_break_condition() -> None:
    result = run_workflow(loop_graph(10, 3), timeout=30)
    assert result.outputs == {"n": 3, "rounds": 3}


def test_loop_break_condition_checked_before_first_round() -> None:
    result = run_workflow(loop_graph(10, 0), timeout=30)
    assert result.outputs == {"n": 0, "rounds": 0}


def test_loop_stops_at_loop_count() -> None:
    handle = start_workflow(loop_graph(4, None))
    assert handle.wait(30).outputs == {"n": 4, "rounds": 4}
    assert [e.index for e in handle.events() if isinstance(e, LoopNextEvent)] == [0, 1, 2, 3]


def test_loop_end_node_breaks_after_its_round() -> None:
    result = run_workflow(loop_graph(10, None, loop_end_at=2), timeout=30)
    assert result.outputs == {"n": 2, "rounds": 2}


def test_a_cycle_outside_a_loop_is_rejected() -> None:
    wf = loop_graph(3, None)
    wf["edges"].append({"id": "back", "source": "end", "target": "lp"})
    with pytest.raises(DslError) as info:
        load_workflow(wf)
    assert info.value.kind == "cycle"


def test_pause_reaches_nodes_inside_an_iteration() -> None:
    wf = iteration_graph([1, 2, 3, 4])
    mocks = {"body": {"outputs": {"output": "x"}, "delay_ms": 150}}
    reference = run_workflow(wf, mocks=mocks, timeout=30)
    handle = start_workflow(wf, mocks=mocks)
    for event in handle.events(timeout=30):
        if isinstance(event, NodeStartedEvent) and event.node_id == "body":
            break
    handle.pause()
    handle.wait_paused(10)
    time.sleep(0.4)  # paused: no new round may start
    started_while_paused = [
        e for e in handle.history() if isinstance(e, NodeStartedEvent) and e.node_id == "body"
    ]
    assert len(started_while_paused) == 1
    handle.resume()
    result = handle.wait(30)
    assert result.status == "succeeded" and result.outputs == reference.outputs
