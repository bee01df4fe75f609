"""Start a run on a Celery worker and steer and watch it from any process.

    handle = start_remote(workflow, {"x": "hi"}, broker_url="redis://127.0.0.1:6380/0")
    for event in handle.events(timeout=30):
        ...
    handle.terminate("enough")
    result = handle.wait(60)          # a RunResult built from the stream's events

:class:`RemoteRunHandle` has the surface of :class:`engine.run.RunHandle` (``run_id``,
``events``, ``history``, ``terminate``, ``pause``, ``resume``, ``wait_paused``,
``wait``, ``status``); its state lives in Redis, so any process can build one from a
run id.  A run whose owner died before it ended waits no further: :meth:`wait` returns
it ``failed`` with an ``interrupted`` error, and :meth:`events` ends with that failed event
(the first process to notice the dead owner writes it to the stream, see
:mod:`engine.remote.orphans`).  A broker that is down or does not answer makes
:func:`start_remote` raise :class:`BrokerUnavailable` within a few seconds.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import redis
from celery import Celery

from engine.dsl import load_workflow
from engine.events import (
    RUN_STATUS_OF_EVENT,
    EngineEvent,
    NodeStreamChunkEvent,
    RunEndedEvent,
    RunPausedEvent,
    RunResumedEvent,
    RunStartedEvent,
    is_terminal,
)
from engine.graph import Workflow
from engine.lifecycle.cycle_manager import WorkflowCycleManager
from engine.remote.command_channel import RedisCommandChannel
from engine.remote.event_stream import RedisEventWatcher, decode_entry, read_history
from engine.remote.heartbeat import DEFAULT_QUEUED_TTL_S, run_liveness
from engine.remote.keys import ACTIVE_RUNS_KEY, events_key, heartbeat_key, redis_client
from engine.remote.orphans import INTERRUPTED, is_interrupted_event, mark_interrupted
from engine.remote.tasks import RUN_QUEUE, RUN_TASK
from engine.run import RunResult, WorkflowSource, result_from_terminal
from engine.scheduler.commands import CommandSender
from engine.scheduler.mocks import load_mocks
from engine.settings import Settings, mask_url

__all__ = ["INTERRUPTED", "BrokerUnavailable", "RemoteRunHandle", "start_remote"]

_LIVENESS_CHECK_S = 1.0  # how long the stream may be quiet before asking whether the owner lives


class BrokerUnavailable(ConnectionError):
    """The run could not be sent: the broker (or the run's Redis) is down or does not answer."""


class _Discard:
    def save(self, record: Any) -> None:
        pass

    def flush(self, timeout: float | None = None) -> bool:
        return True


class RemoteRunHandle(CommandSender):
    """A run on a worker, seen through Redis."""

    def __init__(self, redis_client: redis.Redis, run_id: str, *, workflow: Workflow | None = None) -> None:
        self.redis = redis_client
        self.run_id = run_id
        self.workflow = workflow
        self.channel = RedisCommandChannel(redis_client, run_id)

    # ------------------------------------------------------------- control
    # ------------------------------------------------------------ watching
    def watcher(self, last_id: str = "0-0") -> RedisEventWatcher:
        return RedisEventWatcher(self.redis, self.run_id, last_id)

    def events(self, timeout: float | None = None) -> Iterator[EngineEvent]:
        """Every event of the run from the first, live; ends after the terminal one.

        A run whose owner died ends with a ``run_failed`` event whose error starts with
        ``interrupted`` (a paused run whose owner died just ends).  ``timeout``: seconds
        without an event before TimeoutError.
        """
        watcher = self.watcher()
        quiet_since = time.monotonic()
        while True:
            chunk = _LIVENESS_CHECK_S
            if timeout is not None:
                left = timeout - (time.monotonic() - quiet_since)
                if left <= 0:
                    raise TimeoutError(f"no event from run {self.run_id} within {timeout} s")
                chunk = min(chunk, left)
            seen = watcher.last_seq
            try:
                yield from watcher.events(chunk)
                return  # the terminal event was the last one
            except TimeoutError:
                pass
            if watcher.last_seq != seen:
                quiet_since = time.monotonic()
            if self._close_if_orphaned() == "gone":
                return

    def _close_if_orphaned(self) -> str:
        """``alive``, ``closed`` (the stream now ends with an interrupted event), ``gone`` (paused orphan)."""
        try:
            if run_liveness(self.redis, self.run_id) != "stale":
                return "alive"
            if mark_interrupted(self.redis, self.run_id) is not None:
                return "closed"
            return "alive" if run_liveness(self.redis, self.run_id) != "stale" else "gone"
        except redis.RedisError:
            return "alive"  # cannot tell while Redis is away

    def history(self) -> list[EngineEvent]:
        """The events so far (does not wait)."""
        return read_history(self.redis, self.run_id)

    @property
    def status(self) -> str:
        """``queued``, ``running``, ``paused``, a final status, or ``interrupted`` (owner died)."""
        latest: EngineEvent | None = None
        for _id, fields in self.redis.xrevrange(events_key(self.run_id), count=200):
            event = decode_entry(fields)
            if isinstance(event, RunStartedEvent | RunResumedEvent | RunPausedEvent | RunEndedEvent):
                latest = event
                break
        if is_interrupted_event(latest):
            return "interrupted"
        if isinstance(latest, RunEndedEvent | RunPausedEvent):
            if isinstance(latest, RunPausedEvent) and run_liveness(self.redis, self.run_id) == "stale":
                return "interrupted"
            return RUN_STATUS_OF_EVENT[type(latest)]
        liveness = run_liveness(self.redis, self.run_id)
        if liveness == "stale":
            return "interrupted"
        return "running" if latest is not None else "queued"

    def wait_paused(self, timeout: float = 30.0) -> dict[str, Any]:
        """Block until the run pauses; returns the pause event's snapshot."""
        for event in self._follow(time.monotonic() + timeout, timeout):
            if isinstance(event, RunPausedEvent):
                return event.snapshot
            if isinstance(event, RunEndedEvent):
                raise RuntimeError(f"run {self.run_id} ended before it paused")
        raise RuntimeError(f"run {self.run_id} stopped before it paused: {INTERRUPTED}")

    def wait(self, timeout: float | None = None) -> RunResult:
        """Block until the terminal event (or the owner is found dead); the result of the run."""
        deadline = None if timeout is None else time.monotonic() + timeout
        seen: list[EngineEvent] = []
        for event in self._follow(deadline, timeout):
            seen.append(event)
            if isinstance(event, RunEndedEvent):
                return self._result(seen, event)
        return self._result(seen, None)

    def _follow(self, deadline: float | None, timeout: float | None) -> Iterator[EngineEvent]:
        """Events from the first until the terminal one (or the end of a paused orphan)."""
        late = TimeoutError(f"run {self.run_id} did not get there within {timeout} s")
        left = None if deadline is None else deadline - time.monotonic()
        if left is not None and left <= 0:
            raise late
        try:
            for event in self.events(left):
                yield event
                if deadline is not None and time.monotonic() > deadline and not is_terminal(event):
                    raise late
        except TimeoutError as exc:
            raise late from exc

    def _result(self, events: list[EngineEvent], ended: RunEndedEvent | None) -> RunResult:
        manager = None
        if self.workflow is not None:
            manager = WorkflowCycleManager(self.workflow, _Discard(), _Discard(), triggered_from="remote-run")
            for event in events:
                manager.handle(event)
        stream = "".join(e.chunk for e in events if isinstance(e, NodeStreamChunkEvent))
        return result_from_terminal(self.run_id, ended, manager, stream, unended_error=INTERRUPTED)


def run_payload(
    workflow: Workflow,
    run_id: str,
    inputs: Mapping[str, Any] | None = None,
    system: Mapping[str, Any] | None = None,
    mocks: Mapping[str, Any] | None = None,
    *,
    snapshot: dict[str, Any] | None = None,
    options: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The JSON payload of ``run_workflow`` (raises TypeError if something is not JSON)."""
    payload = {
        "run_id": run_id,
        "graph": workflow.graph_dict,
        "inputs": dict(inputs or {}),
        "system": dict(system or {}),
        "mocks": dict(mocks) if mocks else None,
        "snapshot": snapshot,
        "options": dict(options or {}),
    }
    return json.loads(json.dumps(payload))


def create_run_app(broker_url: str, *, socket_timeout_s: float = 2.0) -> Celery:
    """A Celery app for sending runs (JSON only, bounded broker sockets, routed to ``workflow_runs``)."""
    from engine.persistence.celery.app import broker_transport_options

    app = Celery("flowdeck-client", broker=broker_url, set_as_current=False)
    app.conf.update(
        task_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,
        result_backend=None,
        task_routes={RUN_TASK: {"queue": RUN_QUEUE}},
        broker_transport_options=broker_transport_options(socket_timeout_s, 900.0),
        broker_connection_timeout=socket_timeout_s,
        task_publish_retry=False,
        broker_pool_limit=2,
    )
    return app


def start_remote(
    workflow: WorkflowSource,
    inputs: Mapping[str, Any] | None = None,
    system: Mapping[str, Any] | None = None,
    mocks: Mapping[str, Any] | str | Path | None = None,
    *,
    settings: Settings | None = None,
    broker_url: str | None = None,
    app: Celery | None = None,
    redis_conn: redis.Redis | None = None,
    run_id: str | None = None,
    snapshot: dict[str, Any] | None = None,
    **options: Any,
) -> RemoteRunHandle:
    """Send ``run_workflow`` to queue ``workflow_runs`` and return the run's handle at once.

    ``broker_url`` defaults to ``settings.celery.broker_url``; the same Redis carries
    the run's commands, events and heartbeat unless ``redis_conn`` is given.  ``options``
    are EngineConfig fields plus ``persist`` and ``heartbeat_interval_s`` /
    ``heartbeat_ttl_s``.  The workflow is loaded here first, so a bad one raises
    before anything is sent.
    """
    wf = load_workflow(workflow)
    settings = settings or Settings()
    broker = broker_url or settings.celery.broker_url
    timeout = settings.celery.socket_timeout_s
    client = (
        redis_conn if redis_conn is not None else redis_client(broker, socket_timeout_s=max(1.0, timeout))
    )
    run_id = run_id or str(uuid.uuid4())
    payload = run_payload(wf, run_id, inputs, system, load_mocks(mocks), snapshot=snapshot, options=options)
    try:
        _register_queued(client, run_id)
    except redis.RedisError as exc:
        raise BrokerUnavailable(
            f"cannot send run {run_id}: the broker at {mask_url(broker)} (also the run's Redis) "
            f"is unreachable or does not answer: {type(exc).__name__}: {exc}"
        ) from exc
    own_app = app is None
    sender = create_run_app(broker, socket_timeout_s=timeout) if app is None else app
    try:
        sender.send_task(RUN_TASK, args=[payload], queue=RUN_QUEUE)
    except Exception as exc:  # kombu's OperationalError, a socket timeout, ...
        _forget_queued(client, run_id)
        raise BrokerUnavailable(
            f"cannot send run {run_id} to the broker at {mask_url(str(sender.conf.broker_url or broker))}: "
            f"{type(exc).__name__}: {exc}"
        ) from exc
    finally:
        if own_app:
            sender.close()
    return RemoteRunHandle(client, run_id, workflow=wf)


def _register_queued(client: redis.Redis, run_id: str) -> None:
    """The run counts as alive (queued) and joins the active runs a sweeper looks at."""
    pipe = client.pipeline(transaction=True)
    pipe.set(heartbeat_key(run_id), f"queued:{time.time():.3f}", px=int(DEFAULT_QUEUED_TTL_S * 1000), nx=True)
    pipe.zadd(ACTIVE_RUNS_KEY, {run_id: time.time()})
    pipe.execute()


def _forget_queued(client: redis.Redis, run_id: str) -> None:
    try:
        pipe = client.pipeline(transaction=True)
        pipe.delete(heartbeat_key(run_id))
        pipe.zrem(ACTIVE_RUNS_KEY, run_id)
        pipe.execute()
    except redis.RedisError:
        pass  # the queued marker expires by itself; a sweep drops the active entry
