"""The Flowdeck facade with runs on a real celery worker: ``start(where="worker")``, control from anywhere.

Two Flowdeck instances on the worker's database stand in for two processes (the one
that started the run, and a console or CLI that knows only its id).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from engine.events import EngineEvent, NodeStartedEvent
from engine.remote.client import INTERRUPTED, BrokerUnavailable, RemoteRunHandle
from engine.service import Flowdeck, RunAlreadyEnded, UnknownRun
from engine.settings import Settings
from tests.engine.remote.test_remote_runs import assert_complete
from tests.engine.scheduler import graphs as g
from tests.support.celery_worker import CeleryWorkerProcess
from tests.support.redis_server import RedisServer, free_port
from tests.support.waiting import wait_until


def facade_settings(broker_url: str, database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        persistence="sync",
        celery={"broker_url": broker_url, "socket_timeout_s": 1.0},
    )


@pytest.fixture
def decks(redis_server: RedisServer, worker_database_url: str) -> Iterator[tuple[Flowdeck, Flowdeck]]:
    settings = facade_settings(redis_server.url, worker_database_url)
    starter, console = Flowdeck(settings), Flowdeck(settings)
    try:
        yield starter, console
    finally:
        starter.close(5)
        console.close(5)


def status_of(deck: Flowdeck, run_id: str) -> str | None:
    record = deck.repositories.executions.get_run(run_id)
    return record.status if record is not None else None


def wait_started(handle: RemoteRunHandle, node_id: str) -> None:
    for event in handle.events(timeout=15):
        if isinstance(event, NodeStartedEvent) and event.node_id == node_id:
            return
    raise AssertionError(f"{node_id} never started")


def test_start_on_a_worker_watch_and_terminate_from_another_flowdeck(
    run_worker: CeleryWorkerProcess, decks: tuple[Flowdeck, Flowdeck]
) -> None:
    starter, console = decks
    heard: list[EngineEvent] = []
    mocks = {f"p{i}": {"outputs": {"output": "late"}, "delay_ms": 30_000} for i in range(2)}
    handle = starter.start(g.fan(2), {"x": "v"}, mocks=mocks, where="worker", listeners=[heard.append])
    assert isinstance(handle, RemoteRunHandle)
    wait_started(handle, "p1")
    watched: list[EngineEvent] = []
    watcher = threading.Thread(target=lambda: watched.extend(console.watch(handle.run_id, timeout=10)))
    watcher.start()
    asked = time.monotonic()
    console.terminate(handle.run_id, "stop from the console")
    record = console.wait_for_end(handle.run_id, timeout=5)
    took = time.monotonic() - asked
    watcher.join(10)
    assert (record.status, record.error) == ("terminated", "stop from the console")
    assert took < 1.0, f"terminated in the records {took:.2f} s after terminate"
    nodes = {n.node_id: n.status for n in console.node_executions(handle.run_id)}
    assert nodes == {"start": "succeeded", "p0": "terminated", "p1": "terminated"}
    assert_complete(watched)
    assert watched[-1].name == "run_terminated"
    wait_until(lambda: bool(heard) and heard[-1].name == "run_terminated", 5, "the listener's last event")
    assert [e.seq for e in heard] == [e.seq for e in watched]
    with pytest.raises(RunAlreadyEnded, match="already ended terminated"):
        starter.terminate(handle.run_id)
    with pytest.raises(RunAlreadyEnded):
        console.pause(handle.run_id)


def test_pause_and_resume_a_worker_run_from_another_flowdeck(
    run_worker: CeleryWorkerProcess, decks: tuple[Flowdeck, Flowdeck]
) -> None:
    starter, console = decks
    mocks = {f"n{i}": {"outputs": {"output": f"o{i}"}, "delay_ms": 300} for i in range(3)}
    handle = starter.start(g.chain(3), {"x": "v"}, mocks=mocks, where="worker")
    wait_started(handle, "n0")
    console.pause(handle.run_id)
    assert handle.wait_paused(10)
    wait_until(lambda: status_of(console, handle.run_id) == "paused", 5, "the paused record")
    assert console.resume(handle.run_id) is None  # its worker continues it
    record = console.wait_for_end(handle.run_id, timeout=15)
    assert record.status == "succeeded" and record.outputs == {"out": "o2"}


def test_a_sigkilled_worker_run_is_swept_interrupted_and_replayed_from_failure_by_the_facade(
    run_worker: CeleryWorkerProcess, decks: tuple[Flowdeck, Flowdeck]
) -> None:
    starter, console = decks
    mocks = {
        "n0": {"outputs": {"output": "a"}},
        "n1": {"outputs": {"output": "b"}, "delay_ms": 30_000},
    }
    wf = g.chain(2)
    handle = starter.start(
        wf, {"x": "v"}, mocks=mocks, where="worker", heartbeat_interval_s=0.3, heartbeat_ttl_s=1.5
    )
    wait_started(handle, "n1")
    wait_until(
        lambda: (
            {n.node_id: n.status for n in console.node_executions(handle.run_id)}.get("n0") == "succeeded"
        ),
        5,
        "n0's record",
    )
    starter.close(5)  # the process that started it is gone too: only the console is left
    settings = console.settings.model_copy(update={"celery": console.settings.celery.model_copy()})
    settings.celery.backend = "remote"
    watcher = Flowdeck(settings)  # a console of the remote backend: sweeps worker runs in the background
    try:
        run_worker.kill()
        killed = time.monotonic()
        wait_until(lambda: status_of(console, handle.run_id) == "failed", 30, "a background sweep")
        assert time.monotonic() - killed < 30
        assert watcher.sweep_orphans() == []  # marked once
    finally:
        watcher.close(5)
    record = console.get_run(handle.run_id)
    assert (record.status, record.error) == ("failed", INTERRUPTED)
    with pytest.raises(RunAlreadyEnded, match="already ended failed"):
        console.terminate(handle.run_id)
    replay = console.replay(handle.run_id, mode="from-failure", mocks={"n1": {"outputs": {"output": "b"}}})
    result = replay.wait(15)
    assert result.status == "succeeded" and result.outputs == {"out": "b"}
    ended = console.wait_for_end(replay.run_id, timeout=5)
    assert ended.replay_of == handle.run_id
    reused = {n.node_id for n in console.node_executions(replay.run_id) if n.metadata.get("reused_from")}
    assert reused == {"start", "n0"}


def test_start_on_a_worker_with_a_dead_broker_fails_fast(worker_database_url: str) -> None:
    deck = Flowdeck(facade_settings(f"redis://127.0.0.1:{free_port()}/0", worker_database_url))
    try:
        began = time.monotonic()
        with pytest.raises(BrokerUnavailable, match=r"the broker at redis://127\.0\.0\.1:"):
            deck.start(g.fan(1), {"x": "v"}, where="worker")
        assert time.monotonic() - began < 5
        with pytest.raises(UnknownRun):
            deck.terminate("no-such-run")
    finally:
        deck.close(5)


def test_a_paused_worker_run_whose_worker_died_is_resumed_here_with_the_same_run_id(
    run_worker: CeleryWorkerProcess, decks: tuple[Flowdeck, Flowdeck]
) -> None:
    starter, console = decks
    slow = {f"n{i}": {"outputs": {"output": f"o{i}"}, "delay_ms": 300} for i in range(3)}
    handle = starter.start(
        g.chain(3), {"x": "v"}, mocks=slow, where="worker", heartbeat_interval_s=0.3, heartbeat_ttl_s=1.5
    )
    wait_started(handle, "n0")
    console.pause(handle.run_id)
    assert handle.wait_paused(10)
    wait_until(lambda: status_of(console, handle.run_id) == "paused", 5, "the paused record")
    run_worker.kill()
    wait_until(lambda: handle.status == "interrupted", 10, "the paused run's owner to go stale")
    assert console.sweep_orphans() == []  # a paused run is never swept: it can be resumed
    fast = {f"n{i}": {"outputs": {"output": f"o{i}"}} for i in range(3)}
    resumed = console.resume(handle.run_id, mocks=fast)
    assert resumed is not None and resumed.run_id == handle.run_id
    result = resumed.wait(15)
    assert result.status == "succeeded" and result.outputs == {"out": "o2"}
    record = console.wait_for_end(handle.run_id, timeout=5)
    assert record.status == "succeeded"
    runs_of = [n.node_id for n in console.node_executions(handle.run_id)]
    assert sorted(runs_of) == sorted(set(runs_of))  # no node ran twice
    assert set(runs_of) == {"start", "n0", "n1", "n2", "end"}
