"""run_owners and the orphan policy's SQL site, on SQLite and PostgreSQL."""

from __future__ import annotations

import time

from sqlalchemy import Engine

from engine.control.identity import OwnerIdentity
from engine.control.keeper import ControlKeeper
from engine.control.orphan_policy import FINAL_SEQ, Orphan
from engine.control.sql_owners import SqlOwners
from engine.persistence.sql import orphan_sweep, reads, run_owners, upsert_node_executions, upsert_runs
from engine.persistence.sql.command_channel import take_commands
from engine.scheduler.commands import TerminateCommand
from engine.status import NodeStatus, RunStatus
from tests.engine.control.test_database_commands import statements
from tests.engine.persistence.sql import sample_records as sample


def test_one_update_beats_for_every_run_of_an_owner(engine: Engine) -> None:
    for run_id in ("a", "b", "c"):
        run_owners.claim_run(engine, run_id, "me", "host-1", 11)
    run_owners.claim_run(engine, "other", "someone-else", "host-2", 12)
    seen, stop = statements(engine)
    try:
        assert run_owners.beat(engine, "me", now=5_000.0) == 3
    finally:
        stop()
    assert [s for s in seen if s not in ("BEGIN", "COMMIT")] == ["UPDATE"]
    assert {run_owners.owner_of(engine, r).heartbeat_at for r in ("a", "b", "c")} == {5_000.0}
    assert run_owners.owner_of(engine, "other").heartbeat_at != 5_000.0


def test_keeper_thread_beats_while_it_owns_runs_and_removes_rows_of_ended_ones(engine: Engine) -> None:
    identity = OwnerIdentity()
    keeper = ControlKeeper(engine, identity, beat_interval_s=0.05, sweep_interval_s=0.05, stale_after_s=1.0)
    run_owners.claim_run(engine, "r1", identity.owner_id, identity.host, identity.pid)
    keeper.own("r1")
    claimed = run_owners.owner_of(engine, "r1").heartbeat_at
    keeper.start()
    try:
        deadline = time.monotonic() + 5
        while run_owners.owner_of(engine, "r1").heartbeat_at == claimed and time.monotonic() < deadline:
            time.sleep(0.02)
        assert run_owners.owner_of(engine, "r1").heartbeat_at > claimed
        keeper.disown("r1")
        while run_owners.owner_of(engine, "r1") is not None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert run_owners.owner_of(engine, "r1") is None
    finally:
        keeper.stop()


def test_snapshot_take_over_is_a_compare_and_set(engine: Engine) -> None:
    run_owners.claim_run(engine, "r1", "old", "host-1", 11)
    assert run_owners.store_snapshot(engine, "r1", "old", {"version": 1, "last_seq": 7})
    assert not run_owners.store_snapshot(engine, "r1", "not-the-owner", {"x": 1})
    assert run_owners.owner_of(engine, "r1").has_snapshot
    assert run_owners.load_snapshot(engine, "r1") == {"version": 1, "last_seq": 7}
    run_owners.release(engine, "old", ["r1"])
    assert run_owners.owner_of(engine, "r1").heartbeat_at == 0.0
    assert run_owners.take_over(engine, "r1", "old", "new", "host-2", 22)
    assert not run_owners.take_over(engine, "r1", "old", "third", "host-3", 33)  # only one wins
    owner = run_owners.owner_of(engine, "r1")
    assert (owner.owner_id, owner.host, owner.pid, owner.has_snapshot) == ("new", "host-2", 22, False)


def interrupt(engine: Engine, run_id: str, seen_seq: int, reason: str, at: float) -> bool:
    site = SqlOwners(engine, host="here", pid_alive=lambda pid: True, ttl_s=10.0)
    return site.interrupt(Orphan(run_id, RunStatus.RUNNING, seen_seq, "test"), reason, at)


def test_the_policy_s_sql_write_is_guarded_by_the_seq_it_read_and_final(engine: Engine) -> None:
    upsert_runs(engine, [sample.run("r1", seq=5, status="running", started_at=1_000.0)])
    upsert_node_executions(engine, [sample.node("n1", run_id="r1", seq=4, status="running")])
    upsert_node_executions(engine, [sample.node("n2", run_id="r1", seq=3, status="succeeded")])
    run_owners.claim_run(engine, "r1", "dead", "far-away", 1)
    assert not interrupt(engine, "r1", 4, "owner silent", 1_010.0)  # the record moved on
    assert interrupt(engine, "r1", 5, "owner silent", 1_010.0)
    run = reads.get_run(engine, "r1")
    assert (run.status, run.error, run.finished_at, run.seq) == (
        RunStatus.INTERRUPTED, "owner silent", 1_010.0, FINAL_SEQ
    )  # fmt: skip
    assert run.elapsed_time == 10.0
    nodes = {n.id: n for n in reads.get_node_executions(engine, "r1")}
    assert (nodes["n1"].status, nodes["n1"].error, nodes["n1"].seq) == (
        NodeStatus.TERMINATED, "owner silent", FINAL_SEQ
    )  # fmt: skip
    assert nodes["n2"].status == NodeStatus.SUCCEEDED
    assert run_owners.owner_of(engine, "r1") is None
    assert not interrupt(engine, "r1", 5, "again", 1_020.0)  # marked once
    assert [c.to_dict() for c in take_commands(engine, "r1")] == [TerminateCommand("owner silent").to_dict()]
    # the owner wakes: whatever it writes (any seq below the final one) changes nothing
    late = sample.run("r1", seq=9, status="succeeded", started_at=1_000.0)
    assert upsert_runs(engine, [late]) == 0
    assert reads.get_run(engine, "r1").status == RunStatus.INTERRUPTED


def test_silent_owners_by_stale_heartbeat_or_dead_pid_never_paused(engine: Engine) -> None:
    now = 10_000.0
    for run_id, status, host, pid, beat in (
        ("stale", "running", "far", 1, now - 60),
        ("fresh", "running", "far", 1, now - 1),
        ("dead-pid", "running", "here", 999, now - 1),
        ("live-pid", "running", "here", 1000, now - 1),
        ("paused", "paused", "far", 1, now - 600),
        ("ended", "succeeded", "far", 1, now - 600),
    ):
        upsert_runs(engine, [sample.run(run_id, status=status)])
        run_owners.claim_run(engine, run_id, f"owner-{run_id}", host, pid)
        run_owners.beat(engine, f"owner-{run_id}", now=beat)
    site = SqlOwners(engine, host="here", pid_alive=lambda pid: pid == 1000, ttl_s=10.0)
    found = site.silent_owners(now)
    assert sorted(o.run_id for o in found) == ["dead-pid", "stale"]
    whys = {o.run_id: o.why for o in found}
    assert "no heartbeat" in whys["stale"] and "(pid 999) is gone" in whys["dead-pid"]
    assert [o.run_id for o in SqlOwners(engine, host="here", pid_alive=lambda pid: pid == 1000,
                                        ttl_s=100.0).silent_owners(now)] == ["dead-pid"]  # fmt: skip


def test_rows_of_dead_owners_without_a_live_run_are_dropped(engine: Engine) -> None:
    now = 10_000.0
    upsert_runs(engine, [sample.run("paused", status="paused"), sample.run("done", status="succeeded")])
    for run_id, beat in (
        ("never-recorded", now - 60),
        ("done", now - 60),
        ("paused", now - 60),
        ("young", now - 1),
    ):
        run_owners.claim_run(engine, run_id, f"owner-{run_id}", "far", 1)
        run_owners.beat(engine, f"owner-{run_id}", now=beat)
    run_owners.claim_run(engine, "let-go", "owner-let-go", "far", 1)
    run_owners.release(engine, "owner-let-go")
    assert orphan_sweep.drop_dead_owner_rows(engine, ttl_s=10.0, now=now) == 2
    kept = [
        r for r in ("never-recorded", "done", "paused", "young", "let-go") if run_owners.owner_of(engine, r)
    ]
    assert kept == ["paused", "young", "let-go"]
