"""Orphaned remote runs: a run whose owner died is marked ``failed`` (interrupted) by whoever notices.

A run is an orphan when nobody beats for it (its heartbeat key expired) and its event
stream holds no terminal event.  :func:`mark_interrupted` then appends a synthetic
:class:`~engine.events.RunFailedEvent` whose error starts with ``interrupted`` to the
run's stream, atomically (a Lua script re-checks the heartbeat and that the stream did
not move), so every watcher ends and any number of sweepers mark a run once.  The same
script queues a terminate command for the run: an owner that was only stalled (its
heartbeat lapsed, it did not die) stops the run it no longer owns instead of running on.
:func:`mark_records_interrupted` does the same to the run's records in a database
(the run and its nodes still ``running``), with :data:`FINAL_SEQ` so that no late write
of the dead owner revives them; a replay from failure can then start from them.

:func:`sweep_remote` does both for every run in the set of active remote runs and for
the ``running`` records of a database that Redis knows as remote; :class:`OrphanSweeper`
calls a sweep every few seconds on a daemon thread (in workers and in the facade).
A paused run whose owner died is left alone: its snapshot lets it be resumed.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import redis

from engine.events import RunFailedEvent, RunPausedEvent, RunStartedEvent, event_to_dict, is_terminal
from engine.lifecycle.records import WorkflowExecution
from engine.persistence.protocols import RunQuery
from engine.remote.event_stream import DEFAULT_MAXLEN, FIELD, decode_entry
from engine.remote.heartbeat import is_alive
from engine.remote.keys import ACTIVE_RUNS_KEY, ENDED_KEY_TTL_S, commands_key, events_key, heartbeat_key
from engine.scheduler.commands import TerminateCommand

log = logging.getLogger(__name__)

INTERRUPTED = "interrupted: the run's owner stopped before the run ended"
#: the seq of records marked interrupted: above anything a dead owner may still have in flight
FINAL_SEQ = 2**62
DEFAULT_SWEEP_INTERVAL_S = 5.0
#: sent with the mark: an owner that was only stalled (not dead) stops the run it no longer owns
ZOMBIE_REASON = "interrupted: another process declared this run's owner dead"

# append the interrupted event unless an owner beats for the run or its stream moved on
_MARK = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local last = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', 1)
local last_id = ''
if #last > 0 then last_id = last[1][1] end
if last_id ~= ARGV[1] then return 0 end
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[4], '*', ARGV[5], ARGV[2])
redis.call('RPUSH', KEYS[3], ARGV[7])
redis.call('EXPIRE', KEYS[2], ARGV[3])
redis.call('EXPIRE', KEYS[3], ARGV[3])
redis.call('ZREM', KEYS[4], ARGV[6])
return 1
"""


def is_interrupted_event(event: Any) -> bool:
    return isinstance(event, RunFailedEvent) and event.error.startswith("interrupted")


def mark_interrupted(client: redis.Redis, run_id: str, error: str = INTERRUPTED) -> RunFailedEvent | None:
    """Close the stream of an orphaned run with a failed event; None if the run is owned, paused or ended."""
    if not error.startswith("interrupted"):
        raise ValueError(f"an interrupted run's error must start with 'interrupted', got {error!r}")
    newest = client.xrevrange(events_key(run_id), count=1)
    last_id = ""
    seq = 1
    if newest:
        entry_id, fields = newest[0]
        last = decode_entry(fields)
        if is_terminal(last) or isinstance(last, RunPausedEvent):
            return None
        last_id = entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)
        seq = last.seq + 1
    now = time.time()
    elapsed = 0.0
    first = client.xrange(events_key(run_id), count=1)
    if first:
        started = decode_entry(first[0][1])
        if isinstance(started, RunStartedEvent):
            elapsed = max(0.0, now - started.at)
    event = RunFailedEvent(run_id=run_id, seq=seq, at=now, error=error, elapsed_time=elapsed)
    data = json.dumps(event_to_dict(event), ensure_ascii=False)
    keys = [heartbeat_key(run_id), events_key(run_id), commands_key(run_id), ACTIVE_RUNS_KEY]
    stop = json.dumps(TerminateCommand(ZOMBIE_REASON).to_dict())
    marked = client.eval(_MARK, 4, *keys, last_id, data, ENDED_KEY_TTL_S, DEFAULT_MAXLEN, FIELD, run_id, stop)
    return event if marked else None


def mark_records_interrupted(repositories: Any, run_id: str, error: str, at: float) -> bool:
    """Mark a ``running`` run record and its ``running`` nodes failed with ``error``; False if not running."""
    run: WorkflowExecution | None = repositories.executions.get_run(run_id)
    if run is None or run.status != "running":
        return False
    for node in repositories.node_executions.get_node_executions(run_id):
        if node.status == "running":
            node.status = "failed"
            node.error = error
            node.finished_at = at
            node.elapsed_time = max(0.0, at - node.created_at)
            node.seq = FINAL_SEQ
            repositories.node_executions.save(node)
    run.status = "failed"
    run.error = error
    run.finished_at = at
    run.elapsed_time = max(0.0, at - run.started_at)
    run.seq = FINAL_SEQ
    repositories.executions.save(run)
    repositories.node_executions.flush(10.0)
    repositories.executions.flush(10.0)
    return True


def sweep_remote(client: redis.Redis, repositories: Any = None, *, record_limit: int = 200) -> list[str]:
    """Mark every orphaned remote run interrupted (stream, and records if ``repositories``); their ids.

    Looks at the active remote runs in Redis and at the ``running`` records of
    ``repositories`` that Redis knows as remote (a local run has no stream there and
    is never touched).  A run whose stream was already closed as interrupted by
    another process still gets its records marked here.
    """
    active = {_text(member) for member in client.zrange(ACTIVE_RUNS_KEY, 0, -1)}
    recorded: set[str] = set()
    if repositories is not None:
        page = repositories.executions.list_runs(RunQuery(status="running", limit=record_limit))
        recorded = {run.id for run in page.items}
    swept: list[str] = []
    for run_id in sorted(active | recorded):
        newest = client.xrevrange(events_key(run_id), count=1)
        last = decode_entry(newest[0][1]) if newest else None
        if last is None and run_id not in active:
            continue  # Redis never heard of it: not a remote run
        if last is not None and is_terminal(last):
            if run_id in active:
                client.zrem(ACTIVE_RUNS_KEY, run_id)  # its publisher died between the two writes
            if run_id in recorded and is_interrupted_event(last):
                assert isinstance(last, RunFailedEvent)
                if mark_records_interrupted(repositories, run_id, last.error, last.at):
                    swept.append(run_id)
            continue
        if isinstance(last, RunPausedEvent) or is_alive(client, run_id):
            continue
        event = mark_interrupted(client, run_id)
        if event is None:
            continue  # it moved on or was claimed meanwhile: look again next time
        log.warning("run %s: its owner died; marked failed (%s)", run_id, event.error)
        if run_id in recorded:
            mark_records_interrupted(repositories, run_id, event.error, event.at)
        swept.append(run_id)
    return swept


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class OrphanSweeper:
    """Calls ``sweep`` every ``interval_s`` seconds on a daemon thread; errors are logged, never raised."""

    def __init__(
        self,
        sweep: Callable[[], list[str]],
        *,
        interval_s: float = DEFAULT_SWEEP_INTERVAL_S,
        name: str = "flowdeck-orphan-sweeper",
    ) -> None:
        if interval_s <= 0:
            raise ValueError(f"orphan sweep interval must be positive, got {interval_s}")
        self._sweep = sweep
        self.interval_s = interval_s
        self.sweeps = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)
        self._failing = False

    def start(self) -> OrphanSweeper:
        self._thread.start()
        return self

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def sweep_once(self) -> list[str]:
        try:
            swept = self._sweep()
        except Exception as exc:  # Redis or the database away: try again next time
            if not self._failing:
                log.warning("orphan sweep failed (will keep trying every %.1f s): %s", self.interval_s, exc)
                self._failing = True
            return []
        finally:
            self.sweeps += 1
        if self._failing:
            log.info("orphan sweep works again")
            self._failing = False
        return swept

    def _loop(self) -> None:
        while not self._stop.wait(self.interval_s):
            self.sweep_once()
