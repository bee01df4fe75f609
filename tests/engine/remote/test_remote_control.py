"""Remote runs steered, watched and swept through :class:`engine.remote.service_support.RemoteRuns`.

Real Redis (private redis-server), a real ``celery worker`` writing records to SQLite,
and a second :class:`RemoteRuns` standing in for another process (the console, the CLI).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from engine.events import EngineEvent, NodeStartedEvent
from engine.persistence.factory import Repositories
from engine.persistence.sql.store import SqlRunStore, open_run_store
from engine.remote.client import INTERRUPTED, RemoteRunHandle
from engine.remote.keys import ACTIVE_RUNS_KEY, events_key
from engine.remote.service_support import RemoteRuns
from engine.replay import replay_workflow
from engine.settings import Settings
from tests.engine.remote.test_remote_runs import assert_complete
from tests.engine.scheduler import graphs as g
from tests.support.celery_worker import CeleryWorkerProcess
from tests.support.redis_server import RedisServer
from tests.support.waiting import wait_until


@pytest.fixture
def settings(redis_server: RedisServer, worker_database_url: str) -> Settings:
    """A facade on the worker's database (the shared database of the remote backend)."""
    return Settings(
        database_url=worker_database_url, celery={"broker_url": redis_server.url, "socket_timeout_s": 1.0}
    )


@pytest.fixture
def store(worker_database_url: str) -> Iterator[SqlRunStore]:
    store = open_run_store(worker_database_url)
    try:
        yield store
    finally:
        store.close()


@pytest.fixture
def remote(settings: Settings, store: SqlRunStore) -> Iterator[RemoteRuns]:
    runs = RemoteRuns(settings, Repositories(store, store), sweep_interval_s=0.5, sweep_now=False)
    try:
        yield runs
    finally:
        runs.close()


def started_nodes(handle: RemoteRunHandle, node_ids: set[str], timeout: float = 15.0) -> None:
    waiting = set(node_ids)
    for event in handle.events(timeout=timeout):
        if isinstance(event, NodeStartedEvent):
            waiting.discard(event.node_id)
            if not waiting:
                return
    raise AssertionError(f"{sorted(waiting)} never started: {handle.history()}")


def record_status(store: SqlRunStore, run_id: str) -> str | None:
    run = store.get_run(run_id)
    return run.status if run is not None else None


def test_terminate_from_another_process_cancels_every_node_within_a_second(
    run_worker: CeleryWorkerProcess, remote: RemoteRuns, settings: Settings, store: SqlRunStore
) -> None:
    mocks = {f"p{i}": {"outputs": {"output": "late"}, "delay_ms": 30_000} for i in range(3)}
    handle = remote.start(g.fan(3), {"x": "v"}, mocks=mocks)
    started_nodes(handle, {"p0", "p1", "p2"})
    wait_until(lambda: len(store.get_node_executions(handle.run_id)) >= 4, 5, "the running nodes' records")
    console = RemoteRuns(settings, sweep_now=False)  # another process: knows the run only by its id
    try:
        state = console.state(handle.run_id)
        assert state is not None and state.status == "running" and not state.ended
        assert state.owner is not None and state.owner.startswith("running:")
        asked = time.monotonic()
        console.terminate(handle.run_id, "operator said stop")
        ended = [e for e in console.watch(handle.run_id, timeout=5) if e.name == "run_terminated"]
        stream_s = time.monotonic() - asked

        def recorded_terminated() -> bool:
            nodes = store.get_node_executions(handle.run_id)
            return record_status(store, handle.run_id) == "terminated" and all(
                n.status != "running" for n in nodes
            )

        wait_until(recorded_terminated, 5, "the terminated records", interval=0.02)
        record_s = time.monotonic() - asked
        after = console.state(handle.run_id)
        assert after is not None and after.status == "terminated" and after.ended
    finally:
        console.close()
    print(f"terminate -> run_terminated: stream {stream_s * 1000:.0f} ms, records {record_s * 1000:.0f} ms")
    assert ended and ended[0].reason == "operator said stop"
    assert stream_s < 1.0, f"run_terminated reached the stream {stream_s:.2f} s after terminate"
    assert record_s < 1.0, f"the records said terminated {record_s:.2f} s after terminate"
    nodes = {n.node_id: n.status for n in store.get_node_executions(handle.run_id)}
    assert nodes == {"start": "succeeded", "p0": "terminated", "p1": "terminated", "p2": "terminated"}
    assert_complete(handle.history())
    assert not remote.client.zscore(ACTIVE_RUNS_KEY, handle.run_id)  # no longer an active run
    ttl = remote.client.ttl(events_key(handle.run_id))
    assert 0 < ttl <= 24 * 3600  # the ended run's stream expires within a day


def test_a_sigkilled_worker_s_run_is_marked_interrupted_then_replayed_from_failure(
    run_worker: CeleryWorkerProcess, remote: RemoteRuns, store: SqlRunStore
) -> None:
    wf = g.chain(3)
    mocks = {
        "n0": {"outputs": {"output": "a"}},
        "n1": {"outputs": {"output": "b"}},
        "n2": {"outputs": {"output": "c"}, "delay_ms": 30_000},
    }
    handle = remote.start(wf, {"x": "v"}, mocks=mocks, heartbeat_interval_s=0.3, heartbeat_ttl_s=1.5)
    started_nodes(handle, {"n2"})
    wait_until(
        lambda: (
            {n.node_id: n.status for n in store.get_node_executions(handle.run_id)}.get("n1") == "succeeded"
        ),
        5,
        "n1's record",
    )
    remote.start_sweeping()  # the facade's background thread
    run_worker.kill()
    killed = time.monotonic()
    wait_until(lambda: record_status(store, handle.run_id) == "failed", 30, "the run marked interrupted")
    marked_s = time.monotonic() - killed
    run = store.get_run(handle.run_id)
    assert run is not None and run.error.startswith("interrupted") and run.error == INTERRUPTED
    nodes = {n.node_id: (n.status, n.error) for n in store.get_node_executions(handle.run_id)}
    assert nodes["n2"] == ("failed", INTERRUPTED)  # no node left running
    assert [nodes[n][0] for n in ("start", "n0", "n1")] == ["succeeded"] * 3
    events = list(handle.events(timeout=5))  # a watcher of the dead run ends
    assert (events[-1].name, events[-1].error) == ("run_failed", INTERRUPTED)
    assert handle.status == "interrupted"
    assert remote.sweep() == []  # marked once

    replay = replay_workflow(
        wf,
        run,
        store.get_node_executions(handle.run_id),
        from_failure=True,
        mocks={"n2": {"outputs": {"output": "c"}}},
        execution_repository=store,
        node_execution_repository=store,
    )
    result = replay.wait(15)
    assert result.status == "succeeded" and result.outputs == {"out": "c"}
    store.flush(5)
    replayed = store.get_node_executions(replay.run_id)
    assert {n.node_id for n in replayed if n.metadata.get("reused_from")} == {"start", "n0", "n1"}
    assert {n.node_id: n.status for n in replayed}["n2"] == "succeeded"
    assert sum(len(n.attempts) for n in replayed if n.node_id in ("n0", "n1")) == 0  # no work redone
    assert getattr(store.get_run(replay.run_id), "replay_of", None) == handle.run_id
    print(f"SIGKILL -> records marked interrupted after {marked_s:.2f} s (TTL 1.5 s, sweep every 0.5 s)")
    assert marked_s < 30


def test_a_live_worker_sweeps_the_run_of_a_worker_that_died(
    run_worker: CeleryWorkerProcess, settings: Settings, store: SqlRunStore
) -> None:
    mocks = {"n0": {"outputs": {"output": "a"}, "delay_ms": 30_000}}
    remote = RemoteRuns(settings, sweep_interval_s=0)  # this process never sweeps
    handle = remote.start(g.chain(1), {"x": "v"}, mocks=mocks, heartbeat_interval_s=0.3, heartbeat_ttl_s=1.5)
    started_nodes(handle, {"n0"})
    wait_until(lambda: record_status(store, handle.run_id) == "running", 5, "the running record")
    run_worker.kill()
    run_worker.start()  # another worker
    wait_until(lambda: record_status(store, handle.run_id) == "failed", 30, "the worker's sweep")
    run = store.get_run(handle.run_id)
    assert run is not None and run.error.startswith("interrupted")
    assert f"orphan sweep marked 1 run(s) interrupted: {handle.run_id}" in run_worker.log_text()
    assert not remote.sweeping
    remote.close()


def test_a_watcher_whose_connection_is_killed_sees_every_event_exactly_once(
    run_worker: CeleryWorkerProcess, remote: RemoteRuns, settings: Settings
) -> None:
    mocks = {f"n{i}": {"outputs": {"output": f"out{i}"}, "delay_ms": 150} for i in range(8)}
    handle = remote.start(g.chain(8), {"x": "v"}, mocks=mocks)
    watcher = RemoteRuns(settings, sweep_now=False)
    watched: list[EngineEvent] = []
    failure: list[BaseException] = []

    def watch() -> None:
        try:
            watched.extend(watcher.watch(handle.run_id, timeout=20))
        except BaseException as exc:
            failure.append(exc)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    try:
        kills = 0
        for node in ("n1", "n3", "n5"):
            wait_until(lambda n=node: any(getattr(e, "node_id", "") == n for e in watched), 15, node)
            kills += int(remote.client.client_kill_filter(_type="normal", skipme=True))
        thread.join(20)
    finally:
        watcher.close()
    assert not thread.is_alive() and not failure, failure
    assert kills >= 3  # the watcher's (and the worker's) connections were cut mid-run
    assert_complete(watched)
    assert watched[-1].name == "run_succeeded"
    assert [e.seq for e in handle.history()] == [e.seq for e in watched]
