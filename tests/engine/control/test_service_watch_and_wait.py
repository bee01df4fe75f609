"""watch, wait_for_end and a Flowdeck without a SQL store."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from engine.events import NodeStartedEvent, RunSucceededEvent
from engine.persistence.factory import Repositories
from engine.persistence.memory import InMemoryRunStore
from engine.service import Flowdeck, RunAlreadyEnded, UnknownRun
from tests.engine.control.conftest import OwnerProcess, wait_for_status, workflow


def test_watch_streams_a_run_of_this_process(make_flowdeck: Callable[..., Flowdeck], tmp_path: Path) -> None:
    flowdeck = make_flowdeck()
    log, marker = tmp_path / "log", tmp_path / "no-marker"
    handle = flowdeck.start(workflow("three_steps"), {"log_file": str(log), "fail_marker": str(marker)})
    events = list(flowdeck.watch(handle.run_id, timeout=30))
    assert isinstance(events[-1], RunSucceededEvent)
    assert [e.node_id for e in events if isinstance(e, NodeStartedEvent)] == [
        "start",
        "first",
        "second",
        "third",
        "end",
    ]
    assert [e.seq for e in events] == sorted(e.seq for e in events)


def test_watch_of_another_processs_run_says_where_to_look(
    make_flowdeck: Callable[..., Flowdeck], owner_process: Callable[..., OwnerProcess], tmp_path: Path
) -> None:
    gate = tmp_path / "gate"
    gate.touch()
    owner = owner_process("gated_steps", {"log_file": str(tmp_path / "log"), "gate_file": str(gate)})
    flowdeck = make_flowdeck()
    with pytest.raises(UnknownRun, match="read its records"):
        flowdeck.watch(owner.run_id)
    wait_for_status(flowdeck, owner.run_id, "running")
    with pytest.raises(
        TimeoutError, match=f"run {owner.run_id} did not end within 0.3 s \\(it is running\\)"
    ):
        flowdeck.wait_for_end(owner.run_id, 0.3)
    gate.unlink()
    assert flowdeck.wait_for_end(owner.run_id, 30).outputs == {"out": "123", "first": "1"}
    rc, out, _err = owner.finish()
    assert rc == 0 and "status succeeded" in out


def test_wait_for_an_unknown_run_fails_at_once(make_flowdeck: Callable[..., Flowdeck]) -> None:
    with pytest.raises(UnknownRun, match="no run nope"):
        make_flowdeck().wait_for_end("nope", 30)


def test_without_a_sql_store_control_reaches_this_processs_runs_only(tmp_path: Path) -> None:
    store = InMemoryRunStore()
    flowdeck = Flowdeck(repositories=Repositories(store, store))
    assert flowdeck.local_control is None and flowdeck.sweep_orphans() == []
    try:
        gate = tmp_path / "gate"
        gate.touch()
        handle = flowdeck.start(
            workflow("gated_steps"), {"log_file": str(tmp_path / "log"), "gate_file": str(gate)}
        )
        flowdeck.terminate(handle.run_id, "no database needed")
        assert handle.wait(10).status == "terminated"
        with pytest.raises(RunAlreadyEnded, match="already ended terminated"):
            flowdeck.pause(handle.run_id)
        assert flowdeck.get_run(handle.run_id).error == "no database needed"
        assert [r.id for r in flowdeck.replay_chain(handle.run_id)] == [handle.run_id]
    finally:
        flowdeck.close()


def test_an_in_memory_sqlite_database_gets_no_cross_process_control(tmp_path: Path) -> None:
    from engine.settings import Settings

    flowdeck = Flowdeck(Settings(database_url="sqlite://"))
    try:
        assert flowdeck.local_control is None
        log, marker = tmp_path / "log", tmp_path / "no-marker"
        handle = flowdeck.start(workflow("three_steps"), {"log_file": str(log), "fail_marker": str(marker)})
        assert flowdeck.wait_for_end(handle.run_id, 30).status == "succeeded"
    finally:
        flowdeck.close()
