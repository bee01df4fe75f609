"""The remote side of the :class:`engine.service.Flowdeck` facade.

:class:`RemoteRuns` holds what a facade needs to start, steer, watch and sweep runs
on Celery workers, built lazily from the facade's settings (``celery.broker_url``
carries the queue and the runs' Redis keys)::

    remote = RemoteRuns(settings, repositories)
    handle = remote.start(workflow, {"x": 1})           # RemoteRunHandle, run sent to workflow_runs
    remote.state(run_id)                                 # RemoteRunState | None (Redis never heard of it)
    remote.terminate(run_id, "enough")                   # through the run's Redis command list
    for event in remote.watch(run_id, timeout=30): ...   # the run's Redis Stream, resumed on reconnects
    remote.sweep()                                       # orphans marked failed (interrupted)

The first remote start (or ``sweep_interval_s`` at construction when the backend is
``remote``) starts a background :class:`~engine.remote.orphans.OrphanSweeper`, so a
live facade marks runs whose worker died within ``heartbeat TTL + sweep interval``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import redis

from engine.events import EngineEvent, RunPausedEvent
from engine.remote.client import RemoteRunHandle, start_remote
from engine.remote.event_stream import last_event
from engine.remote.heartbeat import run_liveness
from engine.remote.keys import events_key, heartbeat_key, redis_client
from engine.remote.orphans import DEFAULT_SWEEP_INTERVAL_S, OrphanSweeper, sweep_remote
from engine.run import WorkflowSource
from engine.scheduler.commands import Command
from engine.settings import Settings, mask_url
from engine.status import RUN_TERMINAL

log = logging.getLogger(__name__)

#: ``triggered_from`` of the records of a run executed by a worker
REMOTE_TRIGGER = "remote-run"


class RemoteUnavailable(ConnectionError):
    """The Redis of remote runs does not answer, so a remote run cannot be reached."""


@dataclass(frozen=True, slots=True)
class RemoteRunState:
    """What Redis says about a remote run."""

    run_id: str
    #: ``queued``, ``running``, ``paused``, a final status, or ``interrupted`` (owner died)
    status: str
    #: the heartbeat's value (``running:<host>:<pid>:<task>`` or ``queued:<time>``), None: nobody beats
    owner: str | None

    @property
    def ended(self) -> bool:
        return self.status in RUN_TERMINAL  # interrupted included


class RemoteRuns:
    """Remote runs for one facade; every Redis call is bounded by ``celery.socket_timeout_s``."""

    def __init__(
        self,
        settings: Settings,
        repositories: Any = None,
        *,
        sweep_interval_s: float = DEFAULT_SWEEP_INTERVAL_S,
        sweep_now: bool | None = None,
    ) -> None:
        self.settings = settings
        self.repositories = repositories
        self.url = settings.celery.broker_url
        self.sweep_interval_s = sweep_interval_s
        self._lock = threading.Lock()
        self._client: redis.Redis | None = None
        self._sweeper: OrphanSweeper | None = None
        if sweep_now if sweep_now is not None else settings.celery.backend == "remote":
            self.start_sweeping()

    @property
    def client(self) -> redis.Redis:
        with self._lock:
            if self._client is None:
                timeout = max(1.0, self.settings.celery.socket_timeout_s)
                self._client = redis_client(self.url, socket_timeout_s=timeout)
            return self._client

    # ------------------------------------------------------------- running
    def start(
        self,
        workflow: WorkflowSource,
        inputs: Mapping[str, Any] | None = None,
        system: Mapping[str, Any] | None = None,
        mocks: Mapping[str, Any] | str | Path | None = None,
        **options: Any,
    ) -> RemoteRunHandle:
        """Send the run to ``workflow_runs``; BrokerUnavailable within seconds when the broker is away."""
        handle = start_remote(
            workflow, inputs, system, mocks, settings=self.settings, redis_conn=self.client, **options
        )
        self.start_sweeping()
        return handle

    def handle(self, run_id: str) -> RemoteRunHandle:
        return RemoteRunHandle(self.client, run_id)

    # ------------------------------------------------------------- control
    def state(self, run_id: str, *, expected: bool = False) -> RemoteRunState | None:
        """The run as Redis knows it; None: Redis never heard of it (or is away, unless ``expected``)."""
        try:
            pipe = self.client.pipeline(transaction=False)
            pipe.exists(events_key(run_id))
            pipe.get(heartbeat_key(run_id))
            has_stream, owner = pipe.execute()
            if not has_stream and owner is None:
                return None
            status = self.handle(run_id).status
        except redis.RedisError as exc:
            if not expected:
                return None
            raise RemoteUnavailable(
                f"run {run_id} runs on a worker, but its Redis at {mask_url(self.url)} does not answer: {exc}"
            ) from exc
        text = owner.decode() if isinstance(owner, bytes) else owner
        return RemoteRunState(run_id, status, text)

    def send(self, run_id: str, command: Command) -> None:
        """Queue ``command`` for the run's owner (RemoteUnavailable if Redis does not answer)."""
        self._send(run_id, lambda handle: handle.channel.send(command))

    def terminate(self, run_id: str, reason: str = "terminated by the operator") -> None:
        self._send(run_id, lambda handle: handle.terminate(reason))

    def pause(self, run_id: str) -> None:
        self._send(run_id, lambda handle: handle.pause())

    def resume(self, run_id: str) -> None:
        self._send(run_id, lambda handle: handle.resume())

    def paused_snapshot(self, run_id: str) -> dict[str, Any] | None:
        """The snapshot of a paused run whose owner died (to continue it elsewhere); else None."""
        try:
            if run_liveness(self.client, run_id) != "stale":
                return None
            newest = last_event(self.client, run_id)
        except redis.RedisError as exc:
            raise RemoteUnavailable(
                f"cannot read run {run_id}: its Redis at {mask_url(self.url)} does not answer: {exc}"
            ) from exc
        if isinstance(newest, RunPausedEvent) and newest.snapshot:
            return dict(newest.snapshot)
        return None  # not paused, or paused inside a container (no snapshot)

    # ------------------------------------------------------------ watching
    def watch(self, run_id: str, timeout: float | None = None) -> Iterator[EngineEvent]:
        """Every event of the run from the first, live, until its terminal (or interrupted) event."""
        return self.handle(run_id).events(timeout)

    def follow(
        self, handle: RemoteRunHandle, listeners: list[Callable[[EngineEvent], None]]
    ) -> threading.Thread:
        """Call ``listeners`` with every event of the run, on a daemon thread, until it ends."""

        def deliver() -> None:
            try:
                for event in handle.events():
                    for listener in listeners:
                        try:
                            listener(event)
                        except Exception:  # a listener that raises never stops the others
                            log.exception("listener of remote run %s failed", handle.run_id)
            except Exception as exc:
                log.warning("stopped following remote run %s: %s", handle.run_id, exc)

        thread = threading.Thread(target=deliver, name=f"flowdeck-follow-{handle.run_id[:8]}", daemon=True)
        thread.start()
        return thread

    # ------------------------------------------------------------- orphans
    def sweep(self) -> list[str]:
        """Mark remote runs whose owner died failed (interrupted), in Redis and in the facade's records."""
        return sweep_remote(self.client, self.repositories)

    def start_sweeping(self) -> None:
        """Start the background sweeper (once)."""
        with self._lock:
            if self._sweeper is None and self.sweep_interval_s > 0:
                self._sweeper = OrphanSweeper(
                    self.sweep, interval_s=self.sweep_interval_s, name="flowdeck-remote-orphan-sweeper"
                ).start()

    @property
    def sweeping(self) -> bool:
        return self._sweeper is not None and self._sweeper.running

    def close(self) -> None:
        with self._lock:
            sweeper, self._sweeper = self._sweeper, None
            client, self._client = self._client, None
        if sweeper is not None:
            sweeper.stop()
        if client is not None:
            client.close()

    def _send(self, run_id: str, send: Any) -> None:
        try:
            send(self.handle(run_id))
        except redis.RedisError as exc:
            raise RemoteUnavailable(
                f"cannot reach run {run_id}: its Redis at {mask_url(self.url)} does not answer: {exc}"
            ) from exc
