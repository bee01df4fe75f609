"""The Celery app that carries run records to the database (queue ``workflow_storage``).

:func:`create_celery_app` builds a fresh app from explicit values (no global app);
:func:`celery_app_from_settings` reads them from :class:`~engine.settings.Settings`.

Delivery guarantees come from three settings together (measured with celery/kombu 5.7,
Redis 7): ``task_acks_late`` + ``task_reject_on_worker_lost`` (a SIGKILLed worker or
pool child loses no message) and a low prefetch (``worker_prefetch_multiplier=1``) so a
dead worker held as few messages as possible.  Redis redelivers an unacknowledged
message only after ``visibility_timeout``; the value must exceed the longest time a
worker legitimately holds a message unacknowledged: prefetch wait (one batch, ms) +
run (ms to a few s) + the longest retry countdown, because a retried task waits for its
ETA inside the worker, unacknowledged.  Retries back off 60 s, 120 s, 240 s, so the
production default is :data:`DEFAULT_VISIBILITY_TIMEOUT_S` = 900 s (15 min, ~3.5x the
longest countdown).  A too-short timeout only causes duplicate runs of a task, which
the ``seq``-guarded upserts make harmless; a too-long one only delays redelivery after
a worker crash.  Tests use a few seconds.
"""

from __future__ import annotations

from typing import Any

from celery import Celery

from engine.persistence.celery.names import (
    DATABASE_URL_CONF_KEY,
    SAVE_EXECUTION_TASK,
    SAVE_NODE_EXECUTION_TASK,
    STORAGE_QUEUE,
)
from engine.persistence.celery.tasks import register_storage_tasks
from engine.settings import Settings

__all__ = [
    "DATABASE_URL_CONF_KEY",
    "DEFAULT_VISIBILITY_TIMEOUT_S",
    "SAVE_EXECUTION_TASK",
    "SAVE_NODE_EXECUTION_TASK",
    "STORAGE_QUEUE",
    "broker_transport_options",
    "celery_app_from_settings",
    "create_celery_app",
]

DEFAULT_VISIBILITY_TIMEOUT_S = 900.0


def broker_transport_options(socket_timeout_s: float, visibility_timeout_s: float) -> dict[str, Any]:
    """Redis transport options: bounded sockets and a visibility timeout with a matching sweep.

    kombu restores unacknowledged messages in a sweep every
    ``unacked_restore_interval * unacked_restore_throttle`` seconds (default 10 * 10);
    with a short visibility timeout (tests) the sweep must run about as often.
    """
    interval = int(min(10.0, max(1.0, visibility_timeout_s / 10.0)))
    throttle = 1 if visibility_timeout_s < 300 else 10
    return {
        "visibility_timeout": visibility_timeout_s,
        "socket_timeout": socket_timeout_s,
        "socket_connect_timeout": socket_timeout_s,
        "unacked_restore_interval": interval,
        "unacked_restore_throttle": throttle,
        # publish: at most one quick reconnect attempt, never an unbounded wait
        "max_retries": 1,
        "interval_start": 0,
        "interval_step": 0.2,
        "interval_max": 0.2,
    }


def create_celery_app(
    broker_url: str,
    database_url: str,
    *,
    socket_timeout_s: float = 2.0,
    visibility_timeout_s: float = DEFAULT_VISIBILITY_TIMEOUT_S,
    main: str = "flowdeck",
) -> Celery:
    """A new Celery app with the storage tasks registered on it."""
    app = Celery(main, broker=broker_url, set_as_current=False)
    app.conf.update(
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,
        result_backend=None,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_acks_on_failure_or_timeout=True,
        worker_prefetch_multiplier=1,
        task_default_queue=STORAGE_QUEUE,
        task_routes={
            SAVE_EXECUTION_TASK: {"queue": STORAGE_QUEUE},
            SAVE_NODE_EXECUTION_TASK: {"queue": STORAGE_QUEUE},
        },
        broker_transport_options=broker_transport_options(socket_timeout_s, visibility_timeout_s),
        broker_connection_timeout=socket_timeout_s,
        broker_connection_retry_on_startup=True,
        broker_connection_max_retries=None,
        broker_pool_limit=4,
        task_publish_retry=False,
        worker_hijack_root_logger=False,
        worker_send_task_events=False,
        task_send_sent_event=False,
        enable_utc=True,
    )
    app.conf.update({DATABASE_URL_CONF_KEY: database_url})
    register_storage_tasks(app, database_url)
    return app


def celery_app_from_settings(settings: Settings, *, broker_url: str | None = None) -> Celery:
    """The app for ``settings`` (``broker_url`` overrides, e.g. ``memory://`` for the local backend)."""
    visibility = float(getattr(settings.celery, "visibility_timeout_s", DEFAULT_VISIBILITY_TIMEOUT_S))
    return create_celery_app(
        broker_url or settings.celery.broker_url,
        settings.database_url,
        socket_timeout_s=settings.celery.socket_timeout_s,
        visibility_timeout_s=visibility,
    )
