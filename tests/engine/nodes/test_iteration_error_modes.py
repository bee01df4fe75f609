"""An iteration item that fails, per error_handle_mode, as Dify ends the run (status, outputs, exceptions)."""

from __future__ import annotations

from typing import Any

import pytest

from engine import run_workflow
from tests.engine.nodes.test_containers import iteration_graph

SECOND_ITEM_FAILS = {
    "body": {
        "sequence": [{"outputs": {"output": "ok"}}, {"error": "bad item"}, {"outputs": {"output": "ok"}}]
    }
}


def _body_statuses(result: Any) -> list[str]:
    return [n.status for n in result.node_executions if n.node_id == "body"]


@pytest.mark.parametrize(
    ("mode", "out"),
    [("continue-on-error", ["ok", None, "ok"]), ("remove-abnormal-output", ["ok", "ok"])],
)
@pytest.mark.parametrize("parallel", [False, True])
def test_tolerated_failed_item_makes_the_run_partial_succeeded(
    mode: str, out: list[Any], parallel: bool
) -> None:
    wf = iteration_graph([1, 2, 3], error_handle_mode=mode, is_parallel=parallel, parallel_nums=1)
    result = run_workflow(wf, mocks=SECOND_ITEM_FAILS, timeout=30)
    assert result.status == "partial-succeeded", result.error
    assert result.outputs == {"out": out}
    assert result.exceptions_count == 1
    assert result.execution is not None and result.execution.exceptions_count == 1
    assert result.node_status()["it"] == "succeeded"
    iteration = next(n for n in result.node_executions if n.node_id == "it")
    assert iteration.metadata["iteration_failed_rounds"] == 1
    assert sorted(_body_statuses(result)) == ["failed", "succeeded", "succeeded"]


@pytest.mark.parametrize("mode", ["continue-on-error", "remove-abnormal-output"])
def test_every_failed_item_counts(mode: str) -> None:
    mocks = {"body": {"error": "all bad"}}
    result = run_workflow(iteration_graph([1, 2, 3], error_handle_mode=mode), mocks=mocks, timeout=30)
    assert result.status == "partial-succeeded"
    assert result.exceptions_count == 3
    assert result.outputs == {"out": [None, None, None] if mode == "continue-on-error" else []}


@pytest.mark.parametrize("mode", ["continue-on-error", "remove-abnormal-output", "terminated"])
def test_no_failed_item_keeps_the_run_succeeded(mode: str) -> None:
    result = run_workflow(iteration_graph(["a", "b"], error_handle_mode=mode), timeout=30)
    assert result.status == "succeeded"
    assert result.exceptions_count == 0
    assert result.outputs == {"out": ["0:a", "1:b"]}


def test_terminated_mode_fails_the_iteration_and_the_run() -> None:
    result = run_workflow(iteration_graph([1, 2, 3], error_handle_mode="terminated"), mocks=SECOND_ITEM_FAILS)
    assert result.status == "failed"
    assert "bad item" in result.error
    assert result.exceptions_count == 0
    assert result.node_status()["it"] == "failed"
    assert _body_statuses(result) == ["succeeded", "failed"]  # the third item never ran
    assert result.outputs == {}


def test_terminated_mode_with_an_error_strategy_on_the_iteration_is_an_exception() -> None:
    wf = iteration_graph(
        [1, 2, 3],
        error_handle_mode="terminated",
        error_strategy="default-value",
        default_value=[{"key": "output", "type": "array[string]", "value": []}],
    )
    result = run_workflow(wf, mocks=SECOND_ITEM_FAILS, timeout=30)
    assert result.status == "partial-succeeded"
    assert result.node_status()["it"] == "exception"
    assert result.exceptions_count == 1
    assert result.outputs == {"out": []}
