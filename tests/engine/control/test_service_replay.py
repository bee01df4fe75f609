"""Flowdeck replay on a SQLite file: plans, from-failure reuse (counted), chains, ended runs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from engine.service import Flowdeck, RunAlreadyEnded, UnknownRun
from tests.engine.control.conftest import workflow


def failed_three_steps(flowdeck: Flowdeck, tmp_path: Path) -> tuple[str, Path, Path]:
    log, marker = tmp_path / "log.txt", tmp_path / "fail.marker"
    marker.touch()
    handle = flowdeck.start(workflow("three_steps"), {"log_file": str(log), "fail_marker": str(marker)})
    result = handle.wait(60)
    assert result.status == "failed" and "fail marker" in result.error
    return handle.run_id, log, marker


def test_replay_from_failure_does_not_execute_the_reused_nodes_again(
    make_flowdeck: Callable[..., Flowdeck], tmp_path: Path
) -> None:
    flowdeck = make_flowdeck()
    run_id, log, marker = failed_three_steps(flowdeck, tmp_path)
    assert log.read_text().split() == ["first", "second", "third"]
    marker.unlink()

    plan = flowdeck.replay_plan(run_id, "from-failure")
    assert plan.mode == "from-failure"
    assert set(plan.reused) == {"start", "first", "second"} and plan.rerun == ["third", "end"]
    original = {n.node_id: n for n in flowdeck.node_executions(run_id)}
    assert plan.saved_time_s == pytest.approx(sum(original[n].elapsed_time for n in plan.reused))
    assert plan.saved_time_s > 0 and plan.saved_tokens == 0

    replay = flowdeck.replay(run_id, mode="from-failure")
    record = flowdeck.wait_for_end(replay.run_id, 60)
    assert record.status == "succeeded", record.error
    assert record.outputs == {"out": "123"} and record.replay_of == run_id
    assert log.read_text().split() == ["first", "second", "third", "third"]  # only the failed node ran
    nodes = {n.node_id: n for n in flowdeck.node_executions(replay.run_id)}
    for node_id in ("first", "second"):
        assert nodes[node_id].status == "succeeded"
        assert nodes[node_id].metadata["reused_from"] == original[node_id].id
        assert nodes[node_id].attempts == []  # no work done
    assert "reused_from" not in nodes["third"].metadata


def test_rerun_plan_reuses_nothing_and_runs_everything_again(
    make_flowdeck: Callable[..., Flowdeck], tmp_path: Path
) -> None:
    flowdeck = make_flowdeck()
    run_id, log, marker = failed_three_steps(flowdeck, tmp_path)
    marker.unlink()
    plan = flowdeck.replay_plan(run_id, "rerun")
    assert plan.mode == "rerun" and plan.reused == {} and plan.saved_time_s == 0.0
    assert plan.rerun == ["start", "first", "second", "third", "end"]
    replay = flowdeck.replay(run_id)  # rerun is the default
    assert flowdeck.wait_for_end(replay.run_id, 60).status == "succeeded"
    assert log.read_text().split() == ["first", "second", "third"] * 2


def test_old_spellings_still_work(make_flowdeck: Callable[..., Flowdeck], tmp_path: Path) -> None:
    flowdeck = make_flowdeck()
    run_id, log, marker = failed_three_steps(flowdeck, tmp_path)
    marker.unlink()
    assert set(flowdeck.replay_plan(run_id).reused) == {"start", "first", "second"}
    replay = flowdeck.replay(run_id, from_failure=True)
    assert flowdeck.wait_for_end(replay.run_id, 60).status == "succeeded"
    assert log.read_text().split().count("first") == 1


def test_replay_chain_lists_the_original_and_every_replay_oldest_first(
    make_flowdeck: Callable[..., Flowdeck], tmp_path: Path
) -> None:
    flowdeck = make_flowdeck()
    run_id, _log, marker = failed_three_steps(flowdeck, tmp_path)
    first = flowdeck.replay(run_id, mode="from-failure")  # fails again: the marker is still there
    assert flowdeck.wait_for_end(first.run_id, 60).status == "failed"
    marker.unlink()
    second = flowdeck.replay(first.run_id, mode="from-failure")
    assert flowdeck.wait_for_end(second.run_id, 60).status == "succeeded"
    sibling = flowdeck.replay(run_id, mode="rerun")
    flowdeck.wait_for_end(sibling.run_id, 60)
    expected = [run_id, first.run_id, second.run_id, sibling.run_id]
    assert [r.id for r in flowdeck.replay_chain(second.run_id)] == expected
    assert [r.id for r in flowdeck.replay_chain(run_id)] == expected


def test_bad_mode_and_unknown_runs_are_named(make_flowdeck: Callable[..., Flowdeck], tmp_path: Path) -> None:
    flowdeck = make_flowdeck()
    run_id, _log, _marker = failed_three_steps(flowdeck, tmp_path)
    with pytest.raises(ValueError, match="unknown replay mode 'sideways'"):
        flowdeck.replay_plan(run_id, "sideways")  # type: ignore[arg-type]
    with pytest.raises(UnknownRun, match="no-such-run"):
        flowdeck.replay("no-such-run")
    with pytest.raises(UnknownRun, match="no-such-run"):
        flowdeck.terminate("no-such-run")


def test_control_of_a_finished_run_raises_run_already_ended(
    make_flowdeck: Callable[..., Flowdeck], tmp_path: Path
) -> None:
    flowdeck = make_flowdeck()
    run_id, _log, _marker = failed_three_steps(flowdeck, tmp_path)
    with pytest.raises(RunAlreadyEnded, match=f"run {run_id} already ended failed"):
        flowdeck.terminate(run_id)
    other = make_flowdeck()  # another Flowdeck knows it from the records only
    for control in (other.terminate, other.pause, other.resume):
        with pytest.raises(RunAlreadyEnded, match="already ended failed"):
            control(run_id)
