"""Terminate, pause and resume, limits: what an operator does to a running run."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from engine.events import (
    NodeStartedEvent,
    NodeTerminatedEvent,
    RunPausedEvent,
    RunResumedEvent,
    event_from_dict,
    event_to_dict,
    is_terminal,
)
from engine.run import resume_workflow, run_workflow, start_workflow
from tests.engine.scheduler import graphs as g


def slow_chain(delay_ms: int = 150, length: int = 4) -> tuple[dict, dict]:
    wf = g.chain(length)
    mocks = {f"n{i}": {"outputs": {"output": f"out{i}"}, "delay_ms": delay_ms} for i in range(length)}
    return wf, mocks


def wait_for_start(handle, node_id: str, timeout: float = 10) -> None:
    for event in handle.events(timeout=timeout):
        if isinstance(event, NodeStartedEvent) and event.node_id == node_id:
            return
    raise AssertionError(f"{node_id} never started")


def test_terminate_ends_run_and_running_node_promptly() -> None:
    wf, mocks = slow_chain(delay_ms=30_000, length=2)
    handle = start_workflow(wf, {"x": "v"}, mocks=mocks)
    wait_for_start(handle, "n0")
    asked = time.monotonic()
    handle.terminate("operator said stop")
    result = handle.wait(5)
    assert time.monotonic() - asked < 2  # the 30 s node was cancelled, not waited for
    assert result.status == "terminated" and result.error == "operator said stop"
    n0 = next(n for n in result.node_executions if n.node_id == "n0")
    assert n0.status == "terminated"
    events = list(handle.events())
    assert any(isinstance(e, NodeTerminatedEvent) and e.node_id == "n0" for e in events)
    assert sum(1 for e in events if is_terminal(e)) == 1


def test_terminate_kills_a_running_code_subprocess(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    wf = g.graph(
        [
            g.start(),
            {
                "id": "code",
                "data": {
                    "type": "code",
                    "title": "sleepy",
                    "code_language": "python3",
                    "variables": [],
                    "code": "import os, time\n"
                    "def main():\n"
                    "    open(os.environ['PIDFILE'], 'w').write(str(os.getpid()))\n"
                    "    time.sleep(60)\n"
                    "    return {'r': 1}\n",
                    "outputs": {"r": {"type": "number"}},
                },
            },
            g.end(r=("code", "r")),
        ],
        [("start", "code"), ("code", "end")],
    )
    pidfile = tmp_path / "pid"
    monkeypatch.setenv("PIDFILE", str(pidfile))
    handle = start_workflow(wf, {"x": "v"})
    deadline = time.monotonic() + 10
    while not pidfile.exists() or not pidfile.read_text():
        assert time.monotonic() < deadline, "the code node never started"
        time.sleep(0.02)
    pid = int(pidfile.read_text())
    handle.terminate()
    assert handle.wait(5).status == "terminated"
    deadline = time.monotonic() + 5
    while _alive(pid):
        assert time.monotonic() < deadline, "the code subprocess survived terminate"
        time.sleep(0.02)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split()[2] != "Z"
    except (FileNotFoundError, ProcessLookupError):  # reaped between the two looks
        return False


def test_pause_waits_for_running_node_then_resume_finishes_like_an_uninterrupted_run() -> None:
    wf, mocks = slow_chain()
    reference = run_workflow(wf, {"x": "v"}, mocks=mocks)
    handle = start_workflow(wf, {"x": "v"}, mocks=mocks)
    wait_for_start(handle, "n1")
    handle.pause()
    snapshot = handle.wait_paused(10)
    assert handle.status == "paused"
    json.dumps(snapshot)  # a snapshot is plain JSON
    handle.resume()
    result = handle.wait(10)
    assert result.status == "succeeded"
    assert result.outputs == reference.outputs and result.stream == reference.stream
    names = [e.name for e in handle.events()]
    assert names.index("run_paused") < names.index("run_resumed")
    # n1 finished before the pause took effect: nothing ran twice
    assert [n.node_id for n in result.node_executions].count("n1") == 1


def test_resume_from_snapshot_in_a_fresh_engine_gives_the_same_outputs() -> None:
    wf, mocks = slow_chain()
    reference = run_workflow(wf, {"x": "v"}, mocks=mocks)
    handle = start_workflow(wf, {"x": "v"}, mocks=mocks)
    wait_for_start(handle, "n0")
    handle.pause()
    snapshot = json.loads(json.dumps(handle.wait_paused(10)))  # as if read back from storage
    handle.terminate("moved to another process")
    assert handle.wait(10).status == "terminated"

    resumed = resume_workflow(wf, snapshot, mocks=mocks)
    result = resumed.wait(10)
    assert result.status == "succeeded"
    assert result.outputs == reference.outputs
    assert resumed.run_id == handle.run_id
    first_seq = next(iter(resumed.events())).seq
    assert first_seq > snapshot["last_seq"]  # seq keeps increasing across the restart
    ran = [n.node_id for n in result.node_executions]
    assert "n0" not in ran and "n3" in ran  # finished work is not redone


def test_max_steps_terminates_with_a_reason() -> None:
    result = run_workflow(g.chain(30), {"x": "v"}, max_steps=10)
    assert result.status == "terminated"
    assert "maximum steps (10)" in result.error
    assert result.total_steps == 10


def test_max_wall_time_terminates_with_a_reason() -> None:
    wf, mocks = slow_chain(delay_ms=5_000, length=2)
    started = time.monotonic()
    result = run_workflow(wf, {"x": "v"}, mocks=mocks, max_wall_time_s=0.3)
    assert time.monotonic() - started < 3
    assert result.status == "terminated" and "wall time" in result.error


def test_max_output_size_terminates() -> None:
    wf = g.chain(2)
    result = run_workflow(wf, {"x": "y" * 5000}, max_output_bytes=1000)
    assert result.status == "terminated" and "exceeds 1000 bytes" in result.error


def test_events_have_strictly_increasing_seq_one_terminal_and_json_round_trip() -> None:
    wf, mocks = slow_chain(delay_ms=1, length=3)
    handle = start_workflow(wf, {"x": "v"}, mocks=mocks)
    events = list(handle.events(timeout=10))
    seqs = [e.seq for e in events]
    assert seqs == sorted(set(seqs)) and seqs[0] == 1
    assert sum(1 for e in events if is_terminal(e)) == 1 and is_terminal(events[-1])
    for event in events:
        assert event_from_dict(json.loads(json.dumps(event_to_dict(event)))) == event


def test_paused_and_resumed_events_are_recorded() -> None:
    wf, mocks = slow_chain(delay_ms=50, length=3)
    handle = start_workflow(wf, {"x": "v"}, mocks=mocks)
    wait_for_start(handle, "n0")
    handle.pause()
    handle.wait_paused(10)
    handle.resume()
    handle.wait(10)
    kinds = [type(e) for e in handle.events()]
    assert kinds.count(RunPausedEvent) == 1 and kinds.count(RunResumedEvent) == 1
