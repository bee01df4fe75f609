"""Runs whose owner died are marked failed (interrupted) by any live Flowdeck, then replayed."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import update

from engine.lifecycle.records import WorkflowExecution
from engine.persistence.sql import orphan_sweep, upsert_runs
from engine.persistence.sql.models import RunOwnerRow
from engine.service import Flowdeck
from tests.engine.control.conftest import OwnerProcess, db_of, node_record, wait_for_status, workflow
from tests.support.waiting import wait_until

SWEPT_WITHIN_S = 30.0


def test_killed_owner_is_marked_interrupted_then_replayed_from_failure(
    make_flowdeck: Callable[..., Flowdeck], owner_process: Callable[..., OwnerProcess], tmp_path: Path
) -> None:
    log, gate = tmp_path / "run.log", tmp_path / "run.gate"
    gate.touch()
    owner = owner_process("gated_steps", {"log_file": str(log), "gate_file": str(gate)})
    flowdeck = make_flowdeck()
    flowdeck.list_runs()  # the console's first read starts the control thread

    def second_running() -> bool:
        node = node_record(flowdeck, owner.run_id, "second")
        return node is not None and node.status == "running"

    wait_until(second_running, 20, "the second step to be running")
    owner.kill()
    killed = time.monotonic()
    wait_for_status(flowdeck, owner.run_id, "failed", timeout=SWEPT_WITHIN_S)  # nobody calls sweep here
    swept_after = time.monotonic() - killed
    run = flowdeck.get_run(owner.run_id)
    assert run.error.startswith("interrupted") and run.finished_at is not None
    statuses = {n.node_id: n.status for n in flowdeck.node_executions(owner.run_id)}
    assert statuses == {"start": "succeeded", "first": "succeeded", "second": "failed"}
    assert node_record(flowdeck, owner.run_id, "second").error.startswith("interrupted")
    assert swept_after < SWEPT_WITHIN_S

    gate.unlink()
    plan = flowdeck.replay_plan(owner.run_id, "from-failure")
    assert set(plan.reused) == {"start", "first"} and plan.rerun == ["second", "third", "end"]
    replay = flowdeck.replay(owner.run_id, mode="from-failure")
    record = flowdeck.wait_for_end(replay.run_id, 60)
    assert record.status == "succeeded", record.error
    assert record.outputs == {"out": "123", "first": "1"}
    assert log.read_text().split() == ["first", "second", "second", "third"]  # first was reused


def stop_control_threads(*flowdecks: Flowdeck) -> None:
    for flowdeck in flowdecks:
        assert flowdeck.local_control is not None
        keeper = flowdeck.local_control.keeper()
        assert keeper is not None
        keeper.stop()


def make_stale(flowdeck: Flowdeck, run_id: str, *, host: str = "another-host", age_s: float = 60.0) -> None:
    with db_of(flowdeck).begin() as conn:
        conn.execute(
            update(RunOwnerRow)
            .where(RunOwnerRow.run_id == run_id)
            .values(host=host, pid=1, heartbeat_at=time.time() - age_s)
        )


def test_a_stale_heartbeat_from_another_host_is_swept_and_the_owners_later_truth_wins(
    make_flowdeck: Callable[..., Flowdeck], tmp_path: Path
) -> None:
    owner, sweeper = make_flowdeck(), make_flowdeck()
    log, gate = tmp_path / "run.log", tmp_path / "run.gate"
    gate.touch()
    handle = owner.start(workflow("gated_steps"), {"log_file": str(log), "gate_file": str(gate)})
    stop_control_threads(owner, sweeper)  # no heartbeat or sweep behind the test's back
    wait_for_status(sweeper, handle.run_id, "running")
    wait_until(lambda: node_record(sweeper, handle.run_id, "second") is not None, 20, "the second step")
    before = sweeper.get_run(handle.run_id)

    make_stale(owner, handle.run_id, age_s=5.0)  # not stale yet: 5 s < 10 s
    assert sweeper.sweep_orphans() == []
    make_stale(owner, handle.run_id, age_s=60.0)
    assert sweeper.sweep_orphans() == [handle.run_id]
    assert sweeper.sweep_orphans() == []  # marked once
    swept = sweeper.get_run(handle.run_id)
    assert swept.status == "failed" and swept.error.startswith("interrupted: no heartbeat")
    assert swept.seq == before.seq + 1

    # a late write the owner had in flight (at or below the seq the sweep read) cannot undo it
    late = WorkflowExecution.from_dict({**before.to_dict(), "status": "running"})
    assert upsert_runs(db_of(sweeper), [late]) == 0
    assert sweeper.get_run(handle.run_id).status == "failed"

    # the owner was not really dead: its next run event carries a higher seq and its truth wins
    gate.unlink()
    assert handle.wait(30).status == "succeeded"
    assert sweeper.wait_for_end(handle.run_id, 10).status == "succeeded"


def test_paused_runs_and_live_owners_are_not_swept(
    make_flowdeck: Callable[..., Flowdeck], tmp_path: Path
) -> None:
    owner, sweeper = make_flowdeck(), make_flowdeck()
    log, gate = tmp_path / "run.log", tmp_path / "run.gate"
    gate.touch()
    handle = owner.start(workflow("gated_steps"), {"log_file": str(log), "gate_file": str(gate)})
    wait_for_status(sweeper, handle.run_id, "running")
    assert sweeper.sweep_orphans() == []  # alive: same host, pid alive, fresh heartbeat
    wait_until(lambda: node_record(sweeper, handle.run_id, "second") is not None, 20, "the second step")
    handle.pause()
    gate.unlink()
    handle.wait_paused(20)
    wait_for_status(sweeper, handle.run_id, "paused")
    make_stale(owner, handle.run_id)
    assert sweeper.sweep_orphans() == []
    assert sweeper.get_run(handle.run_id).status == "paused"
    handle.resume()
    assert handle.wait(30).status == "succeeded"


def test_find_orphans_on_this_host_needs_a_dead_pid(
    make_flowdeck: Callable[..., Flowdeck], tmp_path: Path
) -> None:
    flowdeck = make_flowdeck()
    log, gate = tmp_path / "run.log", tmp_path / "run.gate"
    gate.touch()
    handle = flowdeck.start(workflow("gated_steps"), {"log_file": str(log), "gate_file": str(gate)})
    wait_for_status(flowdeck, handle.run_id, "running")
    me = flowdeck.local_control.identity
    found = orphan_sweep.find_orphans(db_of(flowdeck), host=me.host, pid_alive=lambda pid: pid != me.pid)
    assert [run_id for run_id, _seq, _why in found] == [handle.run_id]
    assert "is gone" in found[0][2]
    assert orphan_sweep.find_orphans(db_of(flowdeck), host=me.host, pid_alive=lambda pid: True) == []
    gate.unlink()
    assert handle.wait(30).status == "succeeded"
