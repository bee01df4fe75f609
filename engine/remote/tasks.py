"""The ``run_workflow`` Celery task (queue ``workflow_runs``): one workflow run on a worker.

The payload is a JSON mapping (see :func:`engine.remote.client.run_payload`)::

    {"run_id": ..., "graph": Workflow.graph_dict, "inputs": {...}, "system": {...},
     "mocks": {...} | None, "snapshot": {...} | None,
     "options": {EngineConfig fields..., "persist": true,
                 "heartbeat_interval_s": 2.0, "heartbeat_ttl_s": 10.0}}

The task claims the run's heartbeat, runs it with a :class:`RedisCommandChannel` and a
:class:`RedisEventPublisher`, beats while it runs, stores the run records through
:func:`engine.persistence.factory.build_repositories` (the worker's settings) when
``persist`` is set, and returns a summary ``{run_id, status, outputs, error, ...}``.

The task is ``acks_late`` with reject-on-worker-lost, so a message can come back (a
lost ack, a worker killed mid-run, a run longer than the broker's visibility
timeout).  A delivery never runs a run twice: if another owner is beating for it the
delivery is dropped; if the stream already holds the run's terminal event its summary
is returned; if the stream holds events but nobody owns the run (its worker died) the
run is left ``stale`` for the console to mark failed (interrupted) and replay.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

import redis
from celery import Celery, Task

from engine.events import RUN_STATUS_OF_EVENT, RunEndedEvent, RunFailedEvent, RunTerminatedEvent, is_terminal
from engine.remote.command_channel import RedisCommandChannel
from engine.remote.event_stream import RedisEventPublisher, last_event
from engine.remote.heartbeat import DEFAULT_INTERVAL_S, DEFAULT_TTL_S, Heartbeat
from engine.remote.keys import redis_client
from engine.remote.worker_sweep import install_orphan_sweeps
from engine.run import RunResult, start_workflow
from engine.settings import Settings

log = logging.getLogger(__name__)

RUN_QUEUE = "workflow_runs"
RUN_TASK = "run_workflow"
#: app.conf key: the Redis URL for commands, events and heartbeats (default: the broker URL)
EVENTS_URL_CONF_KEY = "flowdeck_events_url"
PUBLISH_CLOSE_TIMEOUT_S = 30.0
_REMOTE_OPTIONS = ("persist", "heartbeat_interval_s", "heartbeat_ttl_s")

RepositoriesFactory = Callable[[Settings], Any]


def summary_of_result(result: RunResult) -> dict[str, Any]:
    return {
        "run_id": result.run_id,
        "status": result.status,
        "outputs": result.outputs,
        "error": result.error,
        "total_steps": result.total_steps,
        "elapsed_time": result.elapsed_time,
    }


def summary_of_event(event: RunEndedEvent) -> dict[str, Any]:
    status = RUN_STATUS_OF_EVENT[type(event)]
    error = event.error if isinstance(event, RunFailedEvent) else ""
    if isinstance(event, RunTerminatedEvent):
        error = event.reason
    return {
        "run_id": event.run_id,
        "status": status,
        "outputs": dict(event.outputs) if status != "failed" else {},
        "error": error,
        "total_steps": event.total_steps,
        "elapsed_time": event.elapsed_time,
    }


def execute_remote_run(
    payload: dict[str, Any],
    client: redis.Redis,
    *,
    settings: Settings,
    repositories: RepositoriesFactory | None = None,
    owner: str = "",
) -> dict[str, Any]:
    """Run ``payload`` to its end in this process (raises RedisError only if the run cannot be claimed)."""
    run_id = str(payload["run_id"])
    options = dict(payload.get("options") or {})
    remote = {key: options.pop(key) for key in _REMOTE_OPTIONS if key in options}
    heartbeat = Heartbeat(
        client,
        run_id,
        owner or f"{socket.gethostname()}:{os.getpid()}",
        ttl_s=float(remote.get("heartbeat_ttl_s", DEFAULT_TTL_S)),
        interval_s=float(remote.get("heartbeat_interval_s", DEFAULT_INTERVAL_S)),
    )
    if not heartbeat.claim():
        log.warning("run %s: another worker owns it; this delivery is dropped", run_id)
        return {"run_id": run_id, "status": "running", "duplicate": True}
    try:
        prior = last_event(client, run_id)
        if prior is not None and payload.get("snapshot") is None:
            if is_terminal(prior):
                assert isinstance(prior, RunEndedEvent)
                log.info("run %s already ended (%s): nothing to do", run_id, prior.name)
                return summary_of_event(prior)
            log.error("run %s: its previous owner died mid-run; left for the console to mark", run_id)
            return {"run_id": run_id, "status": "interrupted", "outputs": {}, "error": "owner died"}
        return _run(
            payload,
            client,
            options,
            heartbeat,
            settings,
            repositories if remote.get("persist", True) else None,
        )
    finally:
        heartbeat.stop()


def _run(
    payload: dict[str, Any],
    client: redis.Redis,
    options: dict[str, Any],
    heartbeat: Heartbeat,
    settings: Settings,
    repositories: RepositoriesFactory | None,
) -> dict[str, Any]:
    run_id = heartbeat.run_id
    publisher = RedisEventPublisher(client, run_id)
    channel = RedisCommandChannel(client, run_id)
    try:
        try:
            repos = repositories(settings) if repositories is not None else None
            handle = start_workflow(
                payload["graph"],
                payload.get("inputs") or {},
                payload.get("system") or {},
                payload.get("mocks") or None,
                settings=settings,
                run_id=run_id,
                channel=channel,
                listeners=[publisher],
                snapshot=payload.get("snapshot"),
                execution_repository=repos.executions if repos is not None else None,
                node_execution_repository=repos.node_executions if repos is not None else None,
                triggered_from=str(payload.get("triggered_from") or "remote-run"),
                **options,
            )
        except Exception as exc:  # bad graph, inputs, options or database: the run fails before it starts
            log.error("run %s could not start: %s", run_id, exc)
            failed = RunFailedEvent(
                run_id=run_id, seq=1, at=time.time(), error=f"{type(exc).__name__}: {exc}"
            )
            publisher(failed)
            return summary_of_event(failed)
        while True:
            try:
                result = handle.wait(heartbeat.interval_s)
                break
            except TimeoutError:
                heartbeat.beat()
        return summary_of_result(result)
    finally:
        channel.close()
        if not publisher.close(PUBLISH_CLOSE_TIMEOUT_S):
            log.error("run %s: not every event reached Redis", run_id)


def register_run_tasks(
    app: Celery, settings: Settings | None = None, *, events_url: str | None = None
) -> Task:
    """Register ``run_workflow`` on ``app`` (routed to ``workflow_runs``) and return it.

    Workers of ``app`` also sweep for orphaned runs (:mod:`engine.remote.worker_sweep`).
    """
    routes = dict(app.conf.task_routes or {})
    routes[RUN_TASK] = {"queue": RUN_QUEUE}
    app.conf.task_routes = routes
    lazy: dict[str, Any] = {}  # built on first use, after the worker forked
    lock = threading.Lock()

    def current_settings() -> Settings:
        with lock:
            if "settings" not in lazy:
                lazy["settings"] = settings or Settings()
            return lazy["settings"]

    def client() -> redis.Redis:
        with lock:
            if "redis" not in lazy:
                url = events_url or app.conf.get(EVENTS_URL_CONF_KEY) or app.conf.broker_url
                timeout = (settings or Settings()).celery.socket_timeout_s
                lazy["redis"] = redis_client(str(url), socket_timeout_s=max(1.0, timeout))
            return lazy["redis"]

    def repositories(cfg: Settings) -> Any:
        from engine.persistence.factory import build_repositories

        with lock:
            if "repos" not in lazy:
                lazy["repos"] = build_repositories(cfg)
            return lazy["repos"]

    def sweep_client() -> redis.Redis:
        url = events_url or app.conf.get(EVENTS_URL_CONF_KEY) or app.conf.broker_url
        return redis_client(str(url), socket_timeout_s=max(1.0, current_settings().celery.socket_timeout_s))

    def sweep_repositories() -> Any:
        from engine.persistence.factory import build_repositories

        cfg = current_settings()
        with lock:  # never two database upgrades at once (Alembic's context is process-global)
            return build_repositories(cfg)

    install_orphan_sweeps(app, sweep_client, sweep_repositories)

    @app.task(
        name=RUN_TASK,
        bind=True,
        shared=False,
        queue=RUN_QUEUE,
        acks_late=True,
        reject_on_worker_lost=True,
        ignore_result=True,
        serializer="json",
        max_retries=5,
    )
    def run_workflow(self: Task, payload: dict[str, Any]) -> dict[str, Any]:
        try:
            return execute_remote_run(
                payload,
                client(),
                settings=current_settings(),
                repositories=repositories,
                owner=f"{socket.gethostname()}:{os.getpid()}:{self.request.id}",
            )
        except redis.RedisError as exc:  # the run could not be claimed: try again shortly
            log.warning(
                "run %s: Redis unreachable before the run started, retrying: %s", payload.get("run_id"), exc
            )
            raise self.retry(exc=exc, countdown=2) from exc

    return run_workflow
