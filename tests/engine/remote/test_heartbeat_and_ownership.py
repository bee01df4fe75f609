"""Heartbeats, stale runs, and one owner per run (what a redelivered task does)."""

from __future__ import annotations

import time
import uuid

import pytest
import redis

from engine.events import RunSucceededEvent
from engine.remote.event_stream import RedisEventPublisher, read_history
from engine.remote.heartbeat import Heartbeat, is_alive, mark_queued, run_liveness, stale_runs
from engine.remote.tasks import execute_remote_run
from engine.settings import Settings
from tests.engine.scheduler import graphs as g
from tests.support.waiting import wait_until


def new_run_id() -> str:
    return str(uuid.uuid4())


def payload(run_id: str, **options: object) -> dict:
    return {
        "run_id": run_id,
        "graph": g.chain(2),
        "inputs": {"x": "hello"},
        "options": {"persist": False, "heartbeat_interval_s": 0.1, "heartbeat_ttl_s": 1.0, **options},
    }


def test_a_beating_owner_is_alive_and_a_silent_one_goes_stale(rclient: redis.Redis) -> None:
    run_id = new_run_id()
    heartbeat = Heartbeat(rclient, run_id, "owner-1", ttl_s=0.4, interval_s=0.1)
    assert heartbeat.claim()
    for _ in range(6):  # 0.6 s of beats, longer than the TTL
        assert heartbeat.beat()
        time.sleep(0.1)
    assert run_liveness(rclient, run_id) == "alive"
    began = time.monotonic()  # the owner stops beating (it died)
    wait_until(lambda: not is_alive(rclient, run_id), 3, "the heartbeat to expire")
    assert time.monotonic() - began < 1.0
    assert stale_runs(rclient, [run_id]) == [run_id]


def test_a_run_whose_stream_ended_is_not_stale(rclient: redis.Redis) -> None:
    run_id = new_run_id()
    publisher = RedisEventPublisher(rclient, run_id)
    publisher(RunSucceededEvent(run_id=run_id, seq=1, at=time.time()))
    assert publisher.close(5)
    assert run_liveness(rclient, run_id) == "ended"
    queued = new_run_id()
    mark_queued(rclient, queued)  # waiting for a worker is not dead
    assert stale_runs(rclient, [run_id, queued, "never-heard-of"]) == ["never-heard-of"]


def test_one_owner_at_a_time_and_a_queued_mark_is_taken_over(rclient: redis.Redis) -> None:
    run_id = new_run_id()
    mark_queued(rclient, run_id)
    first = Heartbeat(rclient, run_id, "w1", ttl_s=0.3, interval_s=0.1)
    second = Heartbeat(rclient, run_id, "w2", ttl_s=0.3, interval_s=0.1)
    assert first.claim()
    assert not second.claim()  # w1 is beating
    wait_until(lambda: not is_alive(rclient, run_id), 3, "w1's heartbeat to expire")
    assert second.claim()  # w1 died: w2 may take over
    second.stop()
    assert not is_alive(rclient, run_id)
    with pytest.raises(ValueError, match="shorter than its TTL"):
        Heartbeat(rclient, run_id, "w3", ttl_s=1.0, interval_s=1.0)


def test_execute_remote_run_runs_once_and_a_redelivery_returns_the_same_summary(rclient: redis.Redis) -> None:
    run_id = new_run_id()
    summary = execute_remote_run(payload(run_id), rclient, settings=Settings(), owner="w1")
    assert summary["status"] == "succeeded"
    assert summary["outputs"] == {"out": "hello"}
    count = len(read_history(rclient, run_id))
    assert not is_alive(rclient, run_id)  # the owner let go at the end
    again = execute_remote_run(payload(run_id), rclient, settings=Settings(), owner="w2")
    assert again == summary
    assert len(read_history(rclient, run_id)) == count  # nothing ran twice


def test_a_delivery_while_another_owner_runs_it_is_dropped(rclient: redis.Redis) -> None:
    run_id = new_run_id()
    assert Heartbeat(rclient, run_id, "busy-worker", ttl_s=5, interval_s=1).claim()
    summary = execute_remote_run(payload(run_id), rclient, settings=Settings(), owner="w2")
    assert summary == {"run_id": run_id, "status": "running", "duplicate": True}
    assert read_history(rclient, run_id) == []


def test_a_bad_payload_fails_the_run_visibly(rclient: redis.Redis) -> None:
    run_id = new_run_id()
    summary = execute_remote_run(payload(run_id, max_steps=0), rclient, settings=Settings(), owner="w1")
    assert summary["status"] == "failed" and summary["error"]
    (event,) = read_history(rclient, run_id)
    assert event.name == "run_failed" and event.seq == 1  # a watcher ends instead of hanging
