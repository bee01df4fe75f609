"""Marking orphaned runs interrupted: once, never an owned, paused or ended run; a stalled owner stops."""

from __future__ import annotations

import threading
import time
import uuid

import redis

from engine.events import NodeStartedEvent, RunPausedEvent, RunStartedEvent, RunSucceededEvent
from engine.remote.event_stream import RedisEventPublisher, read_history
from engine.remote.heartbeat import Heartbeat
from engine.remote.keys import heartbeat_key
from engine.remote.orphans import INTERRUPTED, ZOMBIE_REASON, OrphanSweeper, mark_interrupted, sweep_remote
from engine.remote.tasks import execute_remote_run
from engine.settings import Settings
from tests.engine.scheduler import graphs as g
from tests.support.waiting import wait_until


def publish(client: redis.Redis, run_id: str, *events: object) -> None:
    publisher = RedisEventPublisher(client, run_id)
    for event in events:
        publisher(event)  # type: ignore[arg-type]
    assert publisher.close(5)


def started(run_id: str) -> RunStartedEvent:
    return RunStartedEvent(
        run_id=run_id, seq=1, at=time.time(), workflow_id="w", workflow_name="w", graph_hash="h"
    )


def test_an_orphan_is_closed_once_and_owned_paused_or_ended_runs_never(rclient: redis.Redis) -> None:
    orphan, owned, paused, ended = (str(uuid.uuid4()) for _ in range(4))
    for run_id in (orphan, owned, paused, ended):
        publish(rclient, run_id, started(run_id))
        rclient.zadd("flowdeck:runs:active", {run_id: time.time()})
    publish(rclient, paused, RunPausedEvent(run_id=paused, seq=2, at=time.time(), snapshot={"x": 1}))
    publish(rclient, ended, RunSucceededEvent(run_id=ended, seq=2, at=time.time()))
    assert Heartbeat(rclient, owned, "alive-owner").claim()

    assert sweep_remote(rclient) == [orphan]
    events = read_history(rclient, orphan)
    assert [e.seq for e in events] == [1, 2]
    assert (events[-1].name, events[-1].error) == ("run_failed", INTERRUPTED)  # type: ignore[attr-defined]
    assert sweep_remote(rclient) == []  # closed once, by whoever came first
    assert mark_interrupted(rclient, orphan) is None
    assert [e.name for e in read_history(rclient, paused)][-1] == "run_paused"  # resumable, untouched
    assert len(read_history(rclient, owned)) == 1
    members = {m.decode() for m in rclient.zrange("flowdeck:runs:active", 0, -1)}
    assert orphan not in members and ended not in members and owned in members


def test_a_stalled_owner_declared_dead_stops_the_run_it_no_longer_owns(rclient: redis.Redis) -> None:
    run_id = str(uuid.uuid4())
    mocks = {"n0": {"outputs": {"output": "late"}, "delay_ms": 30_000}}
    payload = {
        "run_id": run_id,
        "graph": g.chain(1),
        "inputs": {"x": "v"},
        "mocks": mocks,
        "options": {"persist": False, "heartbeat_interval_s": 5.0, "heartbeat_ttl_s": 6.0},
    }
    summary: dict = {}
    owner = threading.Thread(
        target=lambda: summary.update(execute_remote_run(payload, rclient, settings=Settings())), daemon=True
    )
    owner.start()
    wait_until(
        lambda: any(isinstance(e, NodeStartedEvent) for e in read_history(rclient, run_id)), 10, "n0 to start"
    )
    rclient.delete(heartbeat_key(run_id))  # its heartbeat lapsed: it looks dead, but it is only stalled
    marked = mark_interrupted(rclient, run_id)
    assert marked is not None
    began = time.monotonic()
    owner.join(10)
    assert not owner.is_alive() and time.monotonic() - began < 2  # the 30 s node was cancelled
    assert (summary["status"], summary["error"]) == ("terminated", ZOMBIE_REASON)
    first_terminal = next(e for e in read_history(rclient, run_id) if e.name.startswith("run_") and e.seq > 1)
    assert first_terminal.seq == marked.seq and first_terminal.name == "run_failed"


def test_the_sweeper_thread_keeps_going_after_a_failing_sweep() -> None:
    calls: list[float] = []

    def sweep() -> list[str]:
        calls.append(time.monotonic())
        if len(calls) == 1:
            raise redis.ConnectionError("Redis is away")
        return ["r1"]

    sweeper = OrphanSweeper(sweep, interval_s=0.05).start()
    try:
        wait_until(lambda: len(calls) >= 3, 5, "three sweeps")
    finally:
        sweeper.stop()
    assert not sweeper.running and sweeper.sweeps >= 3
