"""Issue 13, defect 4 (local side): a `flowdeck run` that stops reporting is interrupted, and stays so.

The process that owns a run on a shared database is SIGSTOPped.  After the heartbeat
TTL the orphan policy (run by another Flowdeck on the same database) records the run
``interrupted`` with a final seq and sends it a terminate; on SIGCONT the owner sees
the terminate and stops, and nothing it writes changes the record.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.control.orphan_policy import FINAL_SEQ
from engine.service import Flowdeck
from engine.settings import Settings
from engine.status import NodeStatus, RunStatus
from tests.conftest import ROOT
from tests.engine.control.conftest import node_record, workflow
from tests.support.waiting import wait_until

#: short owner settings for the test: beat every 0.2 s, dead after 1 s, sweep every 0.3 s
OWNERS = {"heartbeat_interval_s": 0.2, "heartbeat_ttl_s": 1.0, "sweep_interval_s": 0.3}


def owner_env(db_url: str, tmp_path: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "FLOWDECK_DATABASE_URL": db_url,
        "FLOWDECK_PERSISTENCE": "sync",
        "FLOWDECK_CONFIG_FILE": str(tmp_path / "none.toml"),
        "FLOWDECK_DATA_DIR": str(tmp_path / "owner-data"),
    }
    env.update({f"FLOWDECK_OWNERS__{key.upper()}": str(value) for key, value in OWNERS.items()})
    return env


@pytest.fixture
def sweeper(any_db_url: str) -> Iterator[Flowdeck]:
    flowdeck = Flowdeck(Settings(database_url=any_db_url, persistence="sync", owners=OWNERS))
    try:
        yield flowdeck
    finally:
        flowdeck.close(timeout=10)


def process_group_gone(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return True
    return False


def test_a_sigstopped_flowdeck_run_is_interrupted_and_stops_when_it_wakes(
    any_db_url: str, sweeper: Flowdeck, tmp_path: Path
) -> None:
    log, gate = tmp_path / "run.log", tmp_path / "run.gate"
    gate.touch()  # the second step waits while the gate exists: the run is mid-way when stopped
    inputs = json.dumps({"log_file": str(log), "gate_file": str(gate)})
    command = [sys.executable, "-m", "engine.cli", "run", workflow("gated_steps"), "-i", inputs, "--json"]
    owner = subprocess.Popen(
        command,
        cwd=ROOT,
        env=owner_env(any_db_url, tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        _run(owner, sweeper, log)
    finally:
        if owner.poll() is None:
            os.killpg(owner.pid, signal.SIGCONT)
            os.killpg(owner.pid, signal.SIGKILL)
        owner.communicate(timeout=10)
        gate.unlink(missing_ok=True)


def _run(owner: subprocess.Popen[bytes], sweeper: Flowdeck, log: Path) -> None:
    sweeper.list_runs()  # the console's first read starts its control thread (beats and sweeps)

    def second_running() -> bool:
        page = sweeper.list_runs()
        if not page.items:
            return False
        node = node_record(sweeper, page.items[0].id, "second")
        return node is not None and node.status == NodeStatus.RUNNING

    wait_until(second_running, 30, "the owner's second step to be running")
    run_id = sweeper.list_runs().items[0].id
    os.kill(owner.pid, signal.SIGSTOP)  # the owner stops reporting (its code step's child runs on)
    stopped = time.monotonic()

    def interrupted() -> bool:
        return sweeper.get_run(run_id).status == RunStatus.INTERRUPTED

    try:
        wait_until(interrupted, 15, "the run to be recorded interrupted", interval=0.02)
    except AssertionError:
        now = sweeper.get_run(run_id)
        raise AssertionError(f"15 s after SIGSTOP the run is {now.status} ({now.error!r})") from None
    swept_after = time.monotonic() - stopped
    run = sweeper.get_run(run_id)
    assert run.seq == FINAL_SEQ and run.finished_at is not None and run.error
    nodes = {n.node_id: n.status for n in sweeper.node_executions(run_id)}
    assert nodes == {"start": "succeeded", "first": "succeeded", "second": "terminated"}
    print(f"SIGSTOP -> recorded interrupted after {swept_after:.2f} s (TTL 1 s, sweep every 0.3 s)")

    os.kill(owner.pid, signal.SIGCONT)
    woke = time.monotonic()
    try:
        owner.wait(15)  # it sees the terminate and ends its run (its code step is killed)
    except subprocess.TimeoutExpired:
        raise AssertionError("the woken owner did not stop within 15 s") from None
    stopped_after = time.monotonic() - woke
    print(f"SIGCONT -> the owner exited after {stopped_after:.2f} s (code {owner.returncode})")
    wait_until(lambda: process_group_gone(owner.pid), 10, "every process of the owner to end")
    time.sleep(0.5)  # anything the owner still had to write has been written
    after = sweeper.get_run(run_id)
    assert (after.status, after.seq, after.error) == (RunStatus.INTERRUPTED, FINAL_SEQ, run.error)
    statuses = {n.node_id: n.status for n in sweeper.node_executions(run_id)}
    assert NodeStatus.RUNNING not in statuses.values(), statuses
    assert statuses["second"] == NodeStatus.TERMINATED
    assert "third" not in log.read_text().split()  # it did not run on after it woke
