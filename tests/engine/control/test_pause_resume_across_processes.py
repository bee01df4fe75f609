"""Pause in one process, resume in another: from the stored snapshot when the owner is gone."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select

from engine import run_workflow
from engine.persistence.sql.models import RunCommandRow
from engine.service import Flowdeck, RunAlreadyEnded, UnknownRun
from tests.engine.control.conftest import OwnerProcess, db_of, node_record, wait_for_status, workflow
from tests.support.waiting import wait_until


def gated_inputs(tmp_path: Path, name: str) -> tuple[dict[str, str], Path, Path]:
    log, gate = tmp_path / f"{name}.log", tmp_path / f"{name}.gate"
    gate.touch()
    return {"log_file": str(log), "gate_file": str(gate)}, log, gate


def uninterrupted_outputs(tmp_path: Path) -> dict[str, object]:
    inputs, _log, gate = gated_inputs(tmp_path, "reference")
    gate.unlink()
    result = run_workflow(workflow("gated_steps"), inputs, timeout=60)
    assert result.status == "succeeded", result.error
    return result.outputs


def commands_taken(flowdeck: Flowdeck, run_id: str) -> bool:
    """Every command sent to ``run_id`` through the database was taken (True too when it went in-process)."""
    with db_of(flowdeck).connect() as conn:
        pending = conn.execute(
            select(RunCommandRow.id).where(RunCommandRow.run_id == run_id, RunCommandRow.taken_at.is_(None))
        ).all()
    return not pending


def pause_while_second_runs(flowdeck: Flowdeck, run_id: str, log: Path, gate: Path) -> None:
    wait_until(lambda: log.exists() and "second" in log.read_text(), 20, "the second step to start")
    flowdeck.pause(run_id)
    wait_until(lambda: commands_taken(flowdeck, run_id), 5, "the owner to take the pause command")
    gate.unlink()  # the step in flight finishes, then the run pauses before the third
    wait_for_status(flowdeck, run_id, "paused")


def resume_here_and_check(flowdeck: Flowdeck, run_id: str, log: Path, expected: dict[str, object]) -> None:
    handle = flowdeck.resume(run_id)
    assert handle is not None and handle.run_id == run_id  # continued in this process
    result = handle.wait(60)
    assert result.status == "succeeded", result.error
    assert result.outputs == expected
    assert log.read_text().split() == ["first", "second", "third"]  # nothing ran twice
    record = flowdeck.wait_for_end(run_id, 10)
    assert record.status == "succeeded" and record.outputs == expected
    assert record.inputs["log_file"] == str(log)  # the resumed run keeps the original's record fields
    nodes = flowdeck.node_executions(run_id)
    assert {n.node_id: n.status for n in nodes} == {
        "start": "succeeded",
        "first": "succeeded",
        "second": "succeeded",
        "third": "succeeded",
        "end": "succeeded",
    }
    assert sorted(n.index for n in nodes) == [1, 2, 3, 4, 5]


def test_paused_run_of_a_closed_flowdeck_resumes_in_another_process(
    make_flowdeck: Callable[..., Flowdeck], owner_process: Callable[..., OwnerProcess], tmp_path: Path
) -> None:
    expected = uninterrupted_outputs(tmp_path)
    inputs, log, gate = gated_inputs(tmp_path, "run")
    owner = owner_process("gated_steps", inputs, "--close-when-paused")
    flowdeck = make_flowdeck()
    pause_while_second_runs(flowdeck, owner.run_id, log, gate)
    assert owner.next_line() == "closed"
    rc, _out, err = owner.finish()
    assert rc == 0, err
    assert flowdeck.get_run(owner.run_id).status == "paused"  # closing kept it resumable
    assert node_record(flowdeck, owner.run_id, "third") is None
    resume_here_and_check(flowdeck, owner.run_id, log, expected)


def test_paused_run_of_a_killed_process_resumes_here(
    make_flowdeck: Callable[..., Flowdeck], owner_process: Callable[..., OwnerProcess], tmp_path: Path
) -> None:
    expected = uninterrupted_outputs(tmp_path)
    inputs, log, gate = gated_inputs(tmp_path, "run")
    owner = owner_process("gated_steps", inputs)
    flowdeck = make_flowdeck()
    pause_while_second_runs(flowdeck, owner.run_id, log, gate)
    owner.kill()
    assert flowdeck.sweep_orphans() == []  # paused runs are not swept: they can be resumed
    resume_here_and_check(flowdeck, owner.run_id, log, expected)


def test_pause_and_resume_a_live_owner_through_commands(
    make_flowdeck: Callable[..., Flowdeck], tmp_path: Path
) -> None:
    owner, operator = make_flowdeck(), make_flowdeck()  # two owners on one database
    inputs, log, gate = gated_inputs(tmp_path, "run")
    handle = owner.start(workflow("gated_steps"), inputs)
    pause_while_second_runs(operator, handle.run_id, log, gate)
    assert handle.status == "paused"
    assert operator.resume(handle.run_id) is None  # the live owner continues it
    result = handle.wait(30)
    assert result.status == "succeeded" and result.outputs["out"] == "123"
    assert operator.wait_for_end(handle.run_id, 10).status == "succeeded"


def test_a_paused_run_whose_owner_is_gone_can_be_terminated_but_not_paused(
    make_flowdeck: Callable[..., Flowdeck], tmp_path: Path
) -> None:
    owner, operator = make_flowdeck(), make_flowdeck()
    inputs, log, gate = gated_inputs(tmp_path, "run")
    handle = owner.start(workflow("gated_steps"), inputs)
    pause_while_second_runs(operator, handle.run_id, log, gate)
    owner.close()  # lets go of the paused run
    assert operator.get_run(handle.run_id).status == "paused"
    with pytest.raises(UnknownRun, match="no live owner to pause it"):
        operator.pause(handle.run_id)
    operator.terminate(handle.run_id, "not needed any more")
    record = operator.get_run(handle.run_id)
    assert (record.status, record.error) == ("terminated", "not needed any more")
    assert record.finished_at is not None
    assert not [n for n in operator.node_executions(handle.run_id) if n.status == "running"]
    with pytest.raises(RunAlreadyEnded, match="already ended terminated"):
        operator.resume(handle.run_id)
