"""Runs whose owner died or went silent are interrupted by any live Flowdeck (the one orphan policy)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import update

from engine.control.orphan_policy import FINAL_SEQ
from engine.control.sql_owners import SqlOwners
from engine.lifecycle.records import WorkflowExecution
from engine.persistence.sql import upsert_runs
from engine.persistence.sql.models import RunOwnerRow
from engine.service import Flowdeck
from engine.status import NodeStatus, RunStatus
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
    wait_for_status(flowdeck, owner.run_id, RunStatus.INTERRUPTED, timeout=SWEPT_WITHIN_S)  # no sweep call
    swept_after = time.monotonic() - killed
    run = flowdeck.get_run(owner.run_id)
    assert "is gone" in run.error and run.finished_at is not None and run.seq == FINAL_SEQ
    statuses = {n.node_id: n.status for n in flowdeck.node_executions(owner.run_id)}
    assert statuses == {"start": "succeeded", "first": "succeeded", "second": "terminated"}
    assert node_record(flowdeck, owner.run_id, "second").error == run.error
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


def test_a_stale_heartbeat_from_another_host_is_interrupted_and_the_owner_stops(
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
    assert swept.status == RunStatus.INTERRUPTED and "no heartbeat" in swept.error
    assert swept.seq == FINAL_SEQ

    # a late write the owner had in flight cannot undo it
    late = WorkflowExecution.from_dict({**before.to_dict(), "status": "running", "seq": before.seq + 5})
    assert upsert_runs(db_of(sweeper), [late]) == 0
    # the owner was not really dead: it takes the terminate the policy sent and stops
    result = handle.wait(30)
    assert result.status == RunStatus.TERMINATED and result.error == swept.error
    assert "third" not in log.read_text().split()
    after = sweeper.get_run(handle.run_id)
    assert (after.status, after.seq) == (RunStatus.INTERRUPTED, FINAL_SEQ)
    assert NodeStatus.RUNNING not in {n.status for n in sweeper.node_executions(handle.run_id)}


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


def test_a_silent_owner_on_this_host_needs_a_dead_pid(
    make_flowdeck: Callable[..., Flowdeck], tmp_path: Path
) -> None:
    flowdeck = make_flowdeck()
    log, gate = tmp_path / "run.log", tmp_path / "run.gate"
    gate.touch()
    handle = flowdeck.start(workflow("gated_steps"), {"log_file": str(log), "gate_file": str(gate)})
    wait_for_status(flowdeck, handle.run_id, "running")
    me = flowdeck.local_control.identity
    dead = SqlOwners(db_of(flowdeck), host=me.host, pid_alive=lambda pid: pid != me.pid, ttl_s=10.0)
    found = dead.silent_owners(time.time())
    assert [orphan.run_id for orphan in found] == [handle.run_id]
    assert "is gone" in found[0].why
    alive = SqlOwners(db_of(flowdeck), host=me.host, pid_alive=lambda pid: True, ttl_s=10.0)
    assert alive.silent_owners(time.time()) == []
    gate.unlink()
    assert handle.wait(30).status == "succeeded"
