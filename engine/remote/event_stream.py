"""A run's events on a Redis Stream: published by the run's owner, read by any watcher.

:class:`RedisEventPublisher` is an emitter listener.  It never blocks the dispatcher:
the listener only encodes the event and appends it to an in-memory buffer; a
background thread XADDs the buffer, in ``seq`` order, to
``flowdeck:run:{run_id}:events`` (one entry per event, JSON under field ``event``).
While Redis is away the buffer keeps growing (up to ``max_buffer`` events; beyond
that the oldest are dropped with an error in the log) and is re-sent, in order,
once Redis is back.  After a failed write the publisher asks the stream for the last
``seq`` it holds, so an entry that did reach Redis before the error is not sent twice.
Each batch is one pipeline (an XADD costs ~0.2 ms on its own).  The stream is capped
(``MAXLEN ~ maxlen``); while the run goes on its keys live ``key_ttl_s``, and once the
terminal event is written they expire after ``ended_ttl_s`` and the run leaves the set
of active runs (:data:`~engine.remote.keys.ACTIVE_RUNS_KEY`).

:class:`RedisEventWatcher` reads the stream with ``XREAD BLOCK`` from the last entry
id it saw; on a connection error it waits and reconnects from the same id, so a
reconnect loses nothing and repeats nothing.  It ends after the run's terminal event.
"""

from __future__ import annotations

import collections
import json
import logging
import threading
import time
from collections.abc import Iterator
from typing import Any

import redis

from engine.events import EngineEvent, event_from_dict, event_to_dict, is_terminal
from engine.remote.keys import (
    ACTIVE_RUNS_KEY,
    DEFAULT_KEY_TTL_S,
    ENDED_KEY_TTL_S,
    commands_key,
    events_key,
    socket_timeout_of,
)

log = logging.getLogger(__name__)

FIELD = "event"
DEFAULT_MAXLEN = 100_000
DEFAULT_MAX_BUFFER = 100_000


def decode_entry(fields: dict[Any, Any]) -> EngineEvent:
    raw = fields.get(FIELD.encode(), fields.get(FIELD))
    if isinstance(raw, bytes):
        raw = raw.decode()
    return event_from_dict(json.loads(raw))


def read_history(redis_client: redis.Redis, run_id: str) -> list[EngineEvent]:
    """Every event the stream of ``run_id`` holds, oldest first."""
    return [decode_entry(fields) for _id, fields in redis_client.xrange(events_key(run_id))]


def last_event(redis_client: redis.Redis, run_id: str) -> EngineEvent | None:
    """The newest event of ``run_id``'s stream (None: no stream)."""
    entries = redis_client.xrevrange(events_key(run_id), count=1)
    return decode_entry(entries[0][1]) if entries else None


class RedisEventPublisher:
    """Emitter listener: ``listeners=[publisher]``; call :meth:`close` after the run."""

    def __init__(
        self,
        redis_client: redis.Redis,
        run_id: str,
        *,
        maxlen: int = DEFAULT_MAXLEN,
        max_buffer: int = DEFAULT_MAX_BUFFER,
        batch_size: int = 200,
        retry_interval_s: float = 0.2,
        key_ttl_s: int = DEFAULT_KEY_TTL_S,
        ended_ttl_s: int = ENDED_KEY_TTL_S,
    ) -> None:
        self._redis = redis_client
        self.run_id = run_id
        self.key = events_key(run_id)
        self._ended_ttl_s = ended_ttl_s
        self._terminal_seq: int | None = None
        self._maxlen = maxlen
        self._max_buffer = max_buffer
        self._batch_size = batch_size
        self._retry_interval_s = retry_interval_s
        self._key_ttl_s = key_ttl_s
        self._buffer: collections.deque[tuple[int, str]] = collections.deque()
        self._cond = threading.Condition()
        self._closing = False
        self._dropped = 0
        self._dropped_through = 0  # seq of the newest event dropped from a full buffer
        self._published_seq = 0  # highest seq known to be in the stream
        self._uncertain = False  # a write failed: it may or may not have reached Redis
        self._outage_since: float | None = None
        self._thread = threading.Thread(target=self._run, name=f"flowdeck-events-{run_id[:8]}", daemon=True)
        self._thread.start()

    # ---------------------------------------------------------- listener side
    def __call__(self, event: EngineEvent) -> None:
        data = json.dumps(event_to_dict(event), default=str, ensure_ascii=False)
        with self._cond:
            if is_terminal(event):
                self._terminal_seq = event.seq
            if len(self._buffer) >= self._max_buffer:
                self._drop_oldest()
            self._buffer.append((event.seq, data))
            self._cond.notify()

    @property
    def pending(self) -> int:
        """Events buffered and not yet known to be in Redis."""
        with self._cond:
            return len(self._buffer)

    def flush(self, timeout: float) -> bool:
        """Wait until the buffer is empty (True) or ``timeout`` passed (False)."""
        with self._cond:
            self._cond.notify()
            return self._cond.wait_for(lambda: not self._buffer, timeout)

    def close(self, timeout: float = 10.0) -> bool:
        """Publish what is buffered (within ``timeout``), then stop; False if some events were left."""
        flushed = self.flush(timeout)
        with self._cond:
            self._closing = True
            left = len(self._buffer)
            self._cond.notify_all()
        self._thread.join(max(0.1, min(timeout, 2.0)))
        if left:
            log.error("run %s: %d event(s) could not be published to Redis", self.run_id, left)
        return flushed

    # -------------------------------------------------------------- internals
    def _drop_oldest(self) -> None:
        self._dropped_through = self._buffer.popleft()[0]
        self._dropped += 1
        if self._dropped == 1 or self._dropped % 1000 == 0:
            log.error(
                "run %s: Redis unreachable and the event buffer is full (%d): dropped %d oldest event(s)",
                self.run_id,
                self._max_buffer,
                self._dropped,
            )

    def _run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._buffer or self._closing)
                if self._closing:
                    return
                batch = [self._buffer[i] for i in range(min(self._batch_size, len(self._buffer)))]
            try:
                self._publish(batch)
            except redis.RedisError as exc:
                self._uncertain = True
                self._note_outage(exc)
                with self._cond:
                    self._cond.wait_for(lambda: self._closing, self._retry_interval_s)
                continue
            with self._cond:
                while self._buffer and self._buffer[0][0] <= self._published_seq:
                    self._buffer.popleft()
                if not self._buffer:
                    self._cond.notify_all()  # flush() waiters
            if self._outage_since is not None:
                log.info(
                    "run %s: Redis is back after %.1f s, buffered events re-sent",
                    self.run_id,
                    time.monotonic() - self._outage_since,
                )
                self._outage_since = None

    def _publish(self, batch: list[tuple[int, str]]) -> None:
        if self._uncertain:  # the last write may have landed: never publish an event twice
            newest = last_event(self._redis, self.run_id)
            if newest is not None:
                self._published_seq = max(self._published_seq, newest.seq)
            self._uncertain = False
        with self._cond:  # a batch taken before the buffer overflowed must not revive dropped events
            floor = max(self._published_seq, self._dropped_through)
        todo = [(seq, data) for seq, data in batch if seq > floor]
        if not todo:
            return
        pipe = self._redis.pipeline(transaction=False)
        for _seq, data in todo:
            pipe.xadd(self.key, {FIELD: data}, maxlen=self._maxlen, approximate=True)
        if self._terminal_seq is not None and any(seq == self._terminal_seq for seq, _data in todo):
            pipe.expire(self.key, self._ended_ttl_s)
            pipe.expire(commands_key(self.run_id), self._ended_ttl_s)
            pipe.zrem(ACTIVE_RUNS_KEY, self.run_id)
        else:
            pipe.expire(self.key, self._key_ttl_s)
        pipe.execute()
        self._published_seq = todo[-1][0]

    def _note_outage(self, exc: Exception) -> None:
        if self._outage_since is None:
            self._outage_since = time.monotonic()
            log.warning(
                "run %s: cannot publish events to Redis (%s); buffering %d event(s) until it is back",
                self.run_id,
                exc,
                self.pending,
            )


class RedisEventWatcher:
    """Iterate a run's events from ``last_id`` (``"0-0"``: from the first) to its terminal event."""

    def __init__(
        self,
        redis_client: redis.Redis,
        run_id: str,
        last_id: str = "0-0",
        *,
        block_ms: int = 1000,
        retry_interval_s: float = 0.2,
    ) -> None:
        self._redis = redis_client
        self.run_id = run_id
        self.key = events_key(run_id)
        self.last_id = last_id
        self.last_seq = 0
        self.reconnects = 0
        self._retry_interval_s = retry_interval_s
        read_timeout = socket_timeout_of(redis_client)
        if read_timeout is not None:  # the server must answer before the socket gives up
            block_ms = min(block_ms, int(read_timeout * 1000) - 250)
        self._block_ms = max(10, block_ms)

    def __iter__(self) -> Iterator[EngineEvent]:
        return self.events()

    def events(self, timeout: float | None = None) -> Iterator[EngineEvent]:
        """Yield events as they come; ``timeout``: seconds without any event before TimeoutError."""
        quiet_since = time.monotonic()
        failing = False
        while True:
            waited = time.monotonic() - quiet_since
            if timeout is not None and waited >= timeout:
                raise TimeoutError(f"no event from run {self.run_id} within {timeout} s")
            block = self._block_ms
            if timeout is not None:
                block = max(1, min(block, int((timeout - waited) * 1000)))
            try:
                response = self._redis.xread({self.key: self.last_id}, count=500, block=block)
            except redis.RedisError as exc:
                if not failing:
                    log.warning("watching run %s: Redis unreachable, reconnecting: %s", self.run_id, exc)
                    failing = True
                    self.reconnects += 1
                time.sleep(self._retry_interval_s)
                continue
            failing = False
            for _key, entries in response or ():
                for entry_id, fields in entries:
                    self.last_id = entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)
                    event = decode_entry(fields)
                    if event.seq <= self.last_seq:  # a producer that re-sent: already seen
                        continue
                    self.last_seq = event.seq
                    quiet_since = time.monotonic()
                    yield event
                    if is_terminal(event):
                        return
