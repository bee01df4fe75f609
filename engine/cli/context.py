"""What every command needs before it works: the settings, the run store, the facade.

Failures end the command the same way everywhere: invalid settings exit 2, a
database that cannot be opened exits 4 with one line naming the masked URL.
Everything comes from ``engine.api``; SQLAlchemy, Alembic and Celery load only when a
command asks for them, never when ``engine.cli`` is imported.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from engine.cli.output import EXIT_BAD_INPUT, bad_input, fail, storage_unreachable, warn

if TYPE_CHECKING:
    from engine.api import Flowdeck, RecordReader, Settings, WorkflowExecution

T = TypeVar("T")


def load_settings(*, uses_broker: bool = False) -> Settings:
    """The settings, with a warning when a broker URL is set that the local backend ignores.

    ``uses_broker``: the command talks to the broker itself (``run --on-worker``), so the
    URL is not ignored.
    """
    from pydantic import ValidationError

    from engine.api import CelerySettings, Settings

    try:
        settings = Settings()
    except ValidationError as exc:
        raise bad_input(f"invalid Flowdeck settings: {_first_error(exc)}") from None
    default_broker = CelerySettings.model_fields["broker_url"].default
    if (
        not uses_broker
        and settings.celery.backend == "local"
        and settings.celery.broker_url != default_broker
    ):
        warn(
            "a broker URL is set (FLOWDECK_CELERY__BROKER_URL or [celery] broker_url) but the celery"
            " backend is 'local', which runs its own in-process worker and ignores it;"
            " set FLOWDECK_CELERY__BACKEND=remote to use the broker"
        )
    return settings


def _first_error(exc: Any) -> str:
    errors = exc.errors()
    if not errors:
        return str(exc).splitlines()[0]
    first = errors[0]
    place = ".".join(str(p) for p in first.get("loc", ())) or "settings"
    return f"{place}: {first.get('msg', 'invalid value')}"


def open_store(settings: Settings) -> RecordReader:
    """A reader of the run records, opened without running migrations (see :func:`read`)."""
    from engine.api import open_record_reader, storage_errors

    try:
        return open_record_reader(settings.database_url)
    except storage_errors() as exc:
        storage_unreachable(settings.database_url, exc)


def read(store: RecordReader, url: str, query: Callable[[RecordReader], T]) -> T:
    """``query(store)``; a missing or older schema is upgraded once and the query retried.

    Reads skip Alembic (its import alone takes longer than listing runs) unless the
    schema is not there yet.
    """
    from engine.api import read_records, storage_errors

    try:
        return read_records(store, query)
    except storage_errors() as exc:
        storage_unreachable(url, exc)


def open_flowdeck(settings: Settings, persistence: str | None = None) -> Flowdeck:
    """The facade on ``settings`` (``persistence``: sync, celery or none, default the settings')."""
    from engine import api

    mode = persistence or settings.persistence
    if mode not in api.PERSISTENCE_CHOICES:
        raise bad_input(f"--persistence {mode!r}: expected {', '.join(api.PERSISTENCE_CHOICES)}")
    try:
        return api.open_flowdeck(settings, mode)  # type: ignore[arg-type]
    except Exception as exc:  # a database, broker or outbox that cannot be opened: one line
        if api.is_backend_error(exc):
            storage_unreachable(settings.database_url, exc)
        raise


def resolve_run(service: Flowdeck, run_id: str) -> WorkflowExecution:
    """The recorded run ``run_id`` (or the one whose id starts with it); exit 2 when there is none."""
    from engine.api import AmbiguousRunId, UnknownRun, find_recorded_run

    try:
        return find_recorded_run(service, run_id)
    except AmbiguousRunId as exc:
        fail(str(exc), EXIT_BAD_INPUT)
    except UnknownRun:
        fail(f"no run with id {run_id!r} (see `flowdeck runs`)", EXIT_BAD_INPUT)
