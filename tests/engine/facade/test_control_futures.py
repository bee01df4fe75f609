"""Control calls return at once with a future; verifying them never holds the caller or the queries."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path

import pytest

from engine.api import ControlFuture, ControlOutcome, RunAlreadyEnded, UnknownRun
from engine.service import Flowdeck
from engine.status import NodeStatus, RunStatus
from tests.engine.control.conftest import OwnerProcess, wait_for_status, workflow


def gated(tmp_path: Path, name: str) -> dict[str, str]:
    gate = tmp_path / f"gate-{name}"
    gate.touch()
    return {"log_file": str(tmp_path / f"log-{name}"), "gate_file": str(gate)}


def test_a_query_returns_while_three_terminates_are_being_verified(
    make_flowdeck: Callable[..., Flowdeck], owner_process: Callable[..., OwnerProcess], tmp_path: Path
) -> None:
    owners = [owner_process("gated_steps", gated(tmp_path, str(i))) for i in range(3)]
    flowdeck = make_flowdeck()
    for owner in owners:
        wait_for_status(flowdeck, owner.run_id, RunStatus.RUNNING)
    stopped = [owner.proc.pid for owner in owners]
    for pid in stopped:
        os.kill(pid, signal.SIGSTOP)  # the owners cannot act on a command: no verification can end
    try:
        futures = [flowdeck.control.terminate(o.run_id, "three at once") for o in owners]
        assert all(isinstance(f, ControlFuture) for f in futures)
        for f in futures:
            assert f.delivered.result(10).owner == "local"  # the command rows are written
        page = flowdeck.queries.list_runs()
        run = flowdeck.queries.get_run(owners[0].run_id)
        counts = flowdeck.queries.status_counts()
        assert not any(f.done() for f in futures), "a query waited for a terminate's verification"
        assert {r.id for r in page.items} == {o.run_id for o in owners}
        assert run.status == RunStatus.RUNNING and counts[RunStatus.RUNNING] == 3
    finally:
        for pid in stopped:
            os.kill(pid, signal.SIGCONT)
    for owner, future in zip(owners, futures, strict=True):
        outcome = future.result(30)
        assert isinstance(outcome, ControlOutcome) and outcome.verified
        assert outcome.run is not None and outcome.run.status == RunStatus.TERMINATED
        assert outcome.run.error == "three at once"
        assert not [n for n in outcome.nodes if n.status == NodeStatus.RUNNING]
        rc, out, _err = owner.finish()
        assert rc == 0 and "status terminated" in out


def test_terminate_of_a_run_here_resolves_with_what_the_records_verify(
    make_flowdeck: Callable[..., Flowdeck], tmp_path: Path
) -> None:
    flowdeck = make_flowdeck()
    handle = flowdeck.runs.start(workflow("gated_steps"), gated(tmp_path, "here"))
    wait_for_status(flowdeck, handle.run_id, RunStatus.RUNNING)
    outcome = flowdeck.control.terminate(handle.run_id, "enough").result(30)
    assert outcome.verified and outcome.owner == "here"
    assert outcome.run is not None and outcome.run.status == RunStatus.TERMINATED
    assert {n.node_id: n.status for n in outcome.nodes}.get("second") == NodeStatus.TERMINATED
    ended: Future[object] = flowdeck.control.terminate(handle.run_id)
    with pytest.raises(RunAlreadyEnded, match="already ended terminated"):
        ended.result(10)
    with pytest.raises(UnknownRun):
        flowdeck.control.pause("no-such-run").result(10)


def test_pause_and_resume_futures_resolve_once_the_records_say_so(
    make_flowdeck: Callable[..., Flowdeck], tmp_path: Path
) -> None:
    flowdeck = make_flowdeck()
    inputs = gated(tmp_path, "pause")
    handle = flowdeck.runs.start(workflow("gated_steps"), inputs)
    wait_for_status(flowdeck, handle.run_id, RunStatus.RUNNING)
    paused = flowdeck.control.pause(handle.run_id)
    Path(inputs["gate_file"]).unlink()  # the running node finishes, then the run pauses
    outcome = paused.result(30)
    assert outcome.verified and outcome.run is not None and outcome.run.status == RunStatus.PAUSED
    resumed = flowdeck.control.resume(handle.run_id).result(30)
    assert resumed.verified and resumed.run is not None and resumed.run.status != RunStatus.PAUSED
    assert flowdeck.control.ended(handle.run_id, timeout=30).result(35).status == RunStatus.SUCCEEDED


def test_waiting_for_an_unknown_run_fails_at_once(make_flowdeck: Callable[..., Flowdeck]) -> None:
    with pytest.raises(UnknownRun, match="no run nope"):
        make_flowdeck().control.ended("nope", timeout=30).result(5)


def test_an_unverified_terminate_resolves_with_the_record_as_it_stands(
    make_flowdeck: Callable[..., Flowdeck], owner_process: Callable[..., OwnerProcess], tmp_path: Path
) -> None:
    owner = owner_process("gated_steps", gated(tmp_path, "late"))
    flowdeck = make_flowdeck()
    wait_for_status(flowdeck, owner.run_id, RunStatus.RUNNING)
    flowdeck.control.verify_timeout = 0.5
    os.kill(owner.proc.pid, signal.SIGSTOP)
    try:
        outcome = flowdeck.control.terminate(owner.run_id, "too late").result(30)
    finally:
        os.kill(owner.proc.pid, signal.SIGCONT)
    assert not outcome.verified and outcome.owner == "local"
    assert outcome.run is not None and outcome.run.status == RunStatus.RUNNING
    assert flowdeck.control.ended(owner.run_id, timeout=30).result(35).status == RunStatus.TERMINATED
    rc, out, _err = owner.finish()
    assert rc == 0 and "status terminated" in out
