"""Runs on a real celery worker (queue ``workflow_runs``), watched and steered through Redis."""

from __future__ import annotations

import threading
import time
import uuid

import pytest

from engine.events import EngineEvent, NodeStartedEvent, is_terminal
from engine.persistence.sql.store import open_run_store
from engine.remote.client import INTERRUPTED, RemoteRunHandle, start_remote
from engine.remote.heartbeat import is_alive, run_liveness, stale_runs
from engine.settings import Settings
from tests.engine.scheduler import graphs as g
from tests.support.celery_worker import CeleryWorkerProcess
from tests.support.redis_server import RedisServer
from tests.support.waiting import wait_until


def slow_chain(delay_ms: int, length: int) -> tuple[dict, dict]:
    mocks = {f"n{i}": {"outputs": {"output": f"out{i}"}, "delay_ms": delay_ms} for i in range(length)}
    return g.chain(length), mocks


def wait_for_node(handle: RemoteRunHandle, node_id: str, timeout: float = 15.0) -> NodeStartedEvent:
    for event in handle.events(timeout=timeout):
        if isinstance(event, NodeStartedEvent) and event.node_id == node_id:
            return event
    raise AssertionError(f"{node_id} never started")


def assert_complete(events: list[EngineEvent]) -> None:
    seqs = [e.seq for e in events]
    assert seqs == list(range(1, len(seqs) + 1)), f"gaps or duplicates in {seqs}"
    assert events[0].name == "run_started"
    assert [e.seq for e in events if is_terminal(e)] == [seqs[-1]], "exactly one terminal event, the last"


@pytest.fixture(autouse=True)
def _worker(run_worker: CeleryWorkerProcess) -> CeleryWorkerProcess:
    return run_worker


def test_a_remote_run_streams_complete_ordered_events_and_stores_its_record(
    remote_settings: Settings, worker_database_url: str
) -> None:
    handle = start_remote(g.fan(3), {"x": "hi"}, settings=remote_settings)
    events = list(handle.events(timeout=20))
    assert_complete(events)
    assert events[-1].name == "run_succeeded"
    assert sum(1 for e in events if e.name == "node_succeeded") == 5  # start, 3 copies, end
    result = handle.wait(5)
    assert result.status == "succeeded"
    assert result.outputs == {"o0": "hi", "o1": "hi", "o2": "hi"}
    assert result.node_status()["end"] == "succeeded"
    assert handle.status == "succeeded" and run_liveness(handle.redis, handle.run_id) == "ended"
    store = open_run_store(worker_database_url)
    try:
        wait_until(
            lambda: getattr(store.get_run(handle.run_id), "status", None) == "succeeded", 10, "the record"
        )
        assert len(store.get_node_executions(handle.run_id)) == 5
    finally:
        store.close()


def test_terminate_through_redis_ends_the_remote_run_promptly(remote_settings: Settings) -> None:
    wf, mocks = slow_chain(delay_ms=30_000, length=2)
    handle = start_remote(wf, {"x": "v"}, mocks=mocks, settings=remote_settings)
    wait_for_node(handle, "n0")
    asked = time.monotonic()
    handle.terminate("operator said stop")
    result = handle.wait(10)
    assert time.monotonic() - asked < 3  # the 30 s node was cancelled, not waited for
    assert (result.status, result.error) == ("terminated", "operator said stop")
    assert result.node_status()["n0"] == "terminated"
    assert_complete(handle.history())


def test_pause_and_resume_a_remote_run(remote_settings: Settings) -> None:
    wf, mocks = slow_chain(delay_ms=300, length=3)
    handle = start_remote(wf, {"x": "v"}, mocks=mocks, settings=remote_settings)
    wait_for_node(handle, "n0")
    handle.pause()
    snapshot = handle.wait_paused(10)
    assert snapshot and handle.status == "paused"
    seen = len(handle.history())
    time.sleep(0.5)  # longer than a node: a paused run starts nothing
    assert len(handle.history()) == seen
    assert is_alive(handle.redis, handle.run_id)  # still owned while paused
    handle.resume()
    result = handle.wait(15)
    assert result.status == "succeeded" and result.outputs == {"out": "out2"}
    events = handle.history()
    assert_complete(events)
    names = [e.name for e in events]
    assert names.index("run_paused") < names.index("run_resumed")
    assert sum(1 for n in names if n == "node_started") == 5  # nothing ran twice


def test_watcher_and_run_survive_a_redis_restart_mid_run(
    redis_server: RedisServer, remote_settings: Settings
) -> None:
    wf, mocks = slow_chain(delay_ms=200, length=8)
    handle = start_remote(wf, {"x": "v"}, mocks=mocks, settings=remote_settings)
    watcher = handle.watcher()
    watched: list[EngineEvent] = []
    failure: list[BaseException] = []

    def watch() -> None:
        try:
            watched.extend(watcher.events(timeout=30))
        except BaseException as exc:
            failure.append(exc)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    wait_until(lambda: any(e.name == "node_started" and e.node_id == "n1" for e in watched), 15, "n1")
    down_at = time.time()
    redis_server.restart(down_for=0.8)
    up_at = time.time()
    thread.join(30)
    assert not thread.is_alive() and not failure, failure
    assert_complete(watched)
    assert watched[-1].name == "run_succeeded"
    assert watcher.reconnects >= 1
    during_outage = [e for e in watched if down_at < e.at < up_at]
    assert during_outage, "no event was emitted while Redis was down: the test proved nothing"
    result = handle.wait(10)
    assert result.status == "succeeded" and result.outputs == {"out": "out7"}
    assert [e.seq for e in handle.history()] == [
        e.seq for e in watched
    ]  # the stream itself has no duplicates


def test_commands_still_reach_the_remote_run_after_a_redis_restart(
    redis_server: RedisServer, remote_settings: Settings
) -> None:
    wf, mocks = slow_chain(delay_ms=30_000, length=2)
    handle = start_remote(wf, {"x": "v"}, mocks=mocks, settings=remote_settings)
    wait_for_node(handle, "n0")
    redis_server.restart(down_for=0.5)
    handle = RemoteRunHandle(redis_server.client(), handle.run_id, workflow=handle.workflow)
    asked = time.monotonic()
    handle.terminate("after the outage")
    result = handle.wait(10)
    assert time.monotonic() - asked < 3
    assert (result.status, result.error) == ("terminated", "after the outage")


def test_a_run_whose_worker_dies_is_closed_interrupted_by_the_first_waiter(
    run_worker: CeleryWorkerProcess, remote_settings: Settings
) -> None:
    wf, mocks = slow_chain(delay_ms=30_000, length=2)
    run_id = str(uuid.uuid4())
    handle = start_remote(
        wf,
        {"x": "v"},
        mocks=mocks,
        settings=remote_settings,
        run_id=run_id,
        heartbeat_interval_s=0.2,
        heartbeat_ttl_s=1.0,
    )
    wait_for_node(handle, "n0")
    assert stale_runs(handle.redis, [run_id]) == []
    run_worker.kill()  # the owner dies mid-run: no terminal event will ever come
    began = time.monotonic()
    result = handle.wait(10)
    assert time.monotonic() - began < 4
    assert (result.status, result.error) == ("failed", INTERRUPTED)
    # wait() closed the stream with the interrupted event: the run has ended for everyone
    assert stale_runs(handle.redis, [run_id]) == []
    assert run_liveness(handle.redis, run_id) == "ended"
    assert handle.status == "interrupted"
    events = handle.history()
    assert_complete(events)
    assert (events[-1].name, events[-1].error) == ("run_failed", INTERRUPTED)
    watched = list(RemoteRunHandle(handle.redis, run_id).events(timeout=5))  # another watcher ends too
    assert [e.seq for e in watched] == [e.seq for e in events]
