"""RedisEventPublisher / RedisEventWatcher: ordered, complete, outage-proof event delivery."""

from __future__ import annotations

import logging
import threading
import time
import uuid

import pytest
import redis

from engine.events import EngineEvent, NodeSucceededEvent, RunStartedEvent, RunSucceededEvent
from engine.remote.event_stream import RedisEventPublisher, RedisEventWatcher, read_history
from engine.remote.keys import events_key
from engine.run import start_workflow
from tests.engine.scheduler import graphs as g
from tests.support.redis_server import RedisServer


def synthetic(run_id: str, seq: int, *, last: bool = False) -> EngineEvent:
    if seq == 1:
        return RunStartedEvent(
            run_id=run_id, seq=1, at=time.time(), workflow_id="w", workflow_name="w", graph_hash=""
        )
    if last:
        return RunSucceededEvent(run_id=run_id, seq=seq, at=time.time(), outputs={"n": seq})
    return NodeSucceededEvent(
        run_id=run_id,
        seq=seq,
        at=time.time(),
        node_execution_id=f"e{seq}",
        node_id=f"n{seq}",
        node_type="code",
    )


class Collector:
    """Runs a watcher on a thread of its own, as a console would."""

    def __init__(self, watcher: RedisEventWatcher, timeout: float = 15.0) -> None:
        self.watcher = watcher
        self.events: list[EngineEvent] = []
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(timeout,), daemon=True)
        self._thread.start()

    def _run(self, timeout: float) -> None:
        try:
            self.events.extend(self.watcher.events(timeout=timeout))
        except BaseException as exc:
            self.error = exc

    def join(self, timeout: float = 20.0) -> list[EngineEvent]:
        self._thread.join(timeout)
        assert not self._thread.is_alive(), "the watcher did not end"
        assert self.error is None, f"the watcher failed: {self.error!r}"
        return self.events


def test_a_local_run_streams_every_event_in_seq_order(rclient: redis.Redis) -> None:
    run_id = str(uuid.uuid4())
    publisher = RedisEventPublisher(rclient, run_id)
    handle = start_workflow(g.fan(3), {"x": "v"}, run_id=run_id, listeners=[publisher])
    result = handle.wait(10)
    assert publisher.close(5)
    local = [(e.seq, e.name) for e in handle.history()]
    streamed = [(e.seq, e.name) for e in RedisEventWatcher(rclient, run_id).events(timeout=5)]
    assert streamed == local
    assert [s for s, _ in streamed] == list(range(1, len(local) + 1))
    assert result.status == "succeeded" and streamed[-1][1] == "run_succeeded"
    assert read_history(rclient, run_id)[-1].outputs == result.outputs  # type: ignore[attr-defined]


def test_the_listener_never_blocks_while_redis_is_down(redis_server: RedisServer) -> None:
    run_id = str(uuid.uuid4())
    publisher = RedisEventPublisher(redis_server.client(socket_timeout=0.5), run_id, retry_interval_s=0.05)
    redis_server.stop()
    try:
        began = time.monotonic()
        for seq in range(1, 1001):
            publisher(synthetic(run_id, seq))
        assert time.monotonic() - began < 0.5  # 1,000 events: encoding only, no Redis round trip
        assert publisher.pending == 1000
        assert not publisher.flush(0.3)  # nothing can be published meanwhile
    finally:
        redis_server.start()
    assert publisher.close(10)
    seqs = [e.seq for e in read_history(redis_server.client(), run_id)]
    assert seqs == list(range(1, 1001))


def test_watcher_loses_and_repeats_nothing_across_a_redis_restart(redis_server: RedisServer) -> None:
    run_id = str(uuid.uuid4())
    publisher = RedisEventPublisher(redis_server.client(socket_timeout=0.5), run_id, retry_interval_s=0.05)
    watcher = RedisEventWatcher(redis_server.client(socket_timeout=1.0), run_id, retry_interval_s=0.05)
    collector = Collector(watcher)
    for seq in range(1, 21):
        publisher(synthetic(run_id, seq))
    assert publisher.flush(5)
    redis_server.stop()
    try:
        for seq in range(21, 41):  # emitted during the outage: buffered
            publisher(synthetic(run_id, seq))
        time.sleep(0.3)
    finally:
        redis_server.start()
    for seq in range(41, 51):
        publisher(synthetic(run_id, seq, last=seq == 50))
    assert publisher.close(10)
    events = collector.join()
    assert [e.seq for e in events] == list(range(1, 51))
    assert watcher.reconnects >= 1
    assert redis_server.client().xlen(events_key(run_id)) == 50


def test_a_full_buffer_drops_the_oldest_events_and_says_so(
    redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    run_id = str(uuid.uuid4())
    publisher = RedisEventPublisher(redis_server.client(socket_timeout=0.5), run_id, max_buffer=10)
    redis_server.stop()
    try:
        with caplog.at_level(logging.ERROR, logger="engine.remote.event_stream"):
            for seq in range(1, 26):
                publisher(synthetic(run_id, seq, last=seq == 25))
        assert publisher.pending == 10
        assert any("buffer is full" in r.getMessage() for r in caplog.records)
    finally:
        redis_server.start()
    assert publisher.close(10)
    seqs = [e.seq for e in read_history(redis_server.client(), run_id)]
    # the newest events are all there, in order; older ones were given up (a write already
    # in flight when Redis came back may still carry a few of them)
    assert seqs[-10:] == list(range(16, 26))
    assert seqs == sorted(set(seqs)) and len(seqs) < 25


def test_a_write_that_landed_before_its_error_is_not_sent_twice(rclient: redis.Redis) -> None:
    run_id = str(uuid.uuid4())
    publisher = RedisEventPublisher(rclient, run_id, retry_interval_s=0.05)
    original = rclient.pipeline
    failures = iter([True])

    def pipeline_that_loses_its_reply(*args: object, **kwargs: object) -> redis.client.Pipeline:
        pipe = original(*args, **kwargs)
        execute = pipe.execute

        def execute_then_fail(*a: object, **k: object) -> list:
            replies = execute(*a, **k)
            if next(failures, False):
                raise redis.ConnectionError("connection lost after the write")
            return replies

        pipe.execute = execute_then_fail  # type: ignore[method-assign]
        return pipe

    rclient.pipeline = pipeline_that_loses_its_reply  # type: ignore[method-assign]
    for seq in range(1, 6):
        publisher(synthetic(run_id, seq, last=seq == 5))
    assert publisher.close(5)
    assert [e.seq for e in read_history(rclient, run_id)] == [1, 2, 3, 4, 5]


def test_the_watcher_times_out_when_nothing_comes(rclient: redis.Redis) -> None:
    watcher = RedisEventWatcher(rclient, str(uuid.uuid4()))
    began = time.monotonic()
    with pytest.raises(TimeoutError):
        next(iter(watcher.events(timeout=0.3)))
    assert 0.25 < time.monotonic() - began < 1.5
