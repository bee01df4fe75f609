"""Retry with timers, and the three error strategies, exactly as Dify does them."""

from __future__ import annotations

from typing import Any

from engine.events import NodeRetryEvent, NodeStartedEvent, NodeSucceededEvent
from engine.run import run_workflow, start_workflow
from tests.engine.scheduler import graphs as g


def flaky_workflow(retry: dict[str, Any] | None = None, **extra: Any) -> dict:
    node = g.template("flaky", "ok")
    if retry is not None:
        node["data"]["retry_config"] = retry
    node["data"].update(extra)
    return g.graph(
        [
            g.start(),
            node,
            g.template("fallback", "fell back"),
            g.end(out=("flaky", "output"), fb=("fallback", "output")),
        ],
        [("start", "flaky"), ("flaky", "end"), ("flaky", "fallback", "fail-branch"), ("fallback", "end")],
    )


FAIL_TWICE = {
    "flaky": {
        "sequence": [
            {"error": "boom 1"},
            {"error": "boom 2", "error_type": "Flaky"},
            {"outputs": {"output": "third time"}},
        ]
    }
}


def test_retry_emits_one_event_per_failed_attempt_and_ends_succeeded() -> None:
    wf = flaky_workflow({"retry_enabled": True, "max_retries": 3, "retry_interval": 10})
    handle = start_workflow(wf, {"x": "v"}, mocks=FAIL_TWICE)
    events = list(handle.events(timeout=10))
    result = handle.wait(10)
    retries = [e for e in events if isinstance(e, NodeRetryEvent)]
    assert [(e.retry_index, e.error) for e in retries] == [(1, "boom 1"), (2, "boom 2")]
    assert retries[1].error_type == "Flaky"
    assert result.status == "succeeded" and result.exceptions_count == 0
    flaky = next(n for n in result.node_executions if n.node_id == "flaky")
    assert flaky.status == "succeeded" and flaky.retry_count == 2
    assert [a.error for a in flaky.attempts][:2] == ["boom 1", "boom 2"]
    assert result.outputs["out"] == "third time"


def test_retry_disabled_flag_means_no_retry() -> None:
    wf = flaky_workflow({"retry_enabled": False, "max_retries": 3, "retry_interval": 10})
    result = run_workflow(wf, {"x": "v"}, mocks=FAIL_TWICE)
    assert result.status == "failed" and result.error == "boom 1" and result.retries() == {}


def test_retry_interval_is_a_timer_other_branches_keep_running() -> None:
    wf = g.graph(
        [
            g.start(),
            g.template(
                "slow_retry",
                "x",
            ),
            g.template("b1", "1"),
            g.template("b2", "2"),
            g.end(a=("slow_retry", "output"), b=("b2", "output")),
        ],
        [("start", "slow_retry"), ("start", "b1"), ("b1", "b2"), ("slow_retry", "end"), ("b2", "end")],
    )
    wf["nodes"][1]["data"]["retry_config"] = {"retry_enabled": True, "max_retries": 1, "retry_interval": 400}
    mocks = {
        "slow_retry": {"sequence": [{"error": "first"}, {"outputs": {"output": "second"}}]},
        "b1": {"outputs": {"output": "1"}, "delay_ms": 50},
        "b2": {"outputs": {"output": "2"}, "delay_ms": 50},
    }
    handle = start_workflow(wf, {"x": "v"}, mocks=mocks)
    events = list(handle.events(timeout=10))
    assert handle.wait(10).outputs == {"a": "second", "b": "2"}
    retry = next(e for e in events if isinstance(e, NodeRetryEvent))
    b2_done = next(e for e in events if isinstance(e, NodeSucceededEvent) and e.node_id == "b2")
    retry_done = next(e for e in events if isinstance(e, NodeSucceededEvent) and e.node_id == "slow_retry")
    # the other branch finished while the retry interval was running
    assert retry.seq < b2_done.seq < retry_done.seq
    assert retry_done.at - retry.at >= 0.39


def test_default_value_strategy_gives_defaults_and_partial_success() -> None:
    wf = flaky_workflow(
        None,
        error_strategy="default-value",
        default_value=[{"key": "output", "type": "string", "value": "default text"}],
    )
    result = run_workflow(wf, {"x": "v"}, mocks={"flaky": {"error": "down", "error_type": "Outage"}})
    assert result.status == "partial-succeeded" and result.exceptions_count == 1
    assert result.outputs["out"] == "default text"
    assert result.node_status()["flaky"] == "exception"
    assert result.node_status()["fallback"] == "skipped"  # only the fail-branch edge leads there


def test_fail_branch_strategy_routes_through_the_fail_branch() -> None:
    wf = flaky_workflow(None, error_strategy="fail-branch")
    result = run_workflow(wf, {"x": "v"}, mocks={"flaky": {"error": "down"}})
    assert result.status == "partial-succeeded"
    assert result.outputs == {"out": None, "fb": "fell back"}
    node = next(n for n in result.node_executions if n.node_id == "flaky")
    assert node.status == "exception" and node.outputs == {"error_message": "down", "error_type": "MockError"}


def test_fail_branch_success_skips_the_fail_branch() -> None:
    wf = flaky_workflow(None, error_strategy="fail-branch")
    result = run_workflow(wf, {"x": "v"})
    assert result.status == "succeeded" and result.outputs == {"out": "ok", "fb": None}


def test_failure_without_strategy_fails_the_run_and_names_the_error() -> None:
    wf = flaky_workflow(None)
    result = run_workflow(wf, {"x": "v"}, mocks={"flaky": {"error": "it broke"}})
    assert result.status == "failed" and result.error == "it broke" and result.outputs == {}
    assert result.node_status()["flaky"] == "failed"


def test_started_event_once_per_node_even_with_retries() -> None:
    wf = flaky_workflow({"retry_enabled": True, "max_retries": 3, "retry_interval": 0})
    handle = start_workflow(wf, {"x": "v"}, mocks=FAIL_TWICE)
    started = [e.node_id for e in handle.events(timeout=10) if isinstance(e, NodeStartedEvent)]
    assert started.count("flaky") == 1
