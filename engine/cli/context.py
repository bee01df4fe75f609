"""What every command needs before it works: the settings, the run store, the facade.

Failures end the command the same way everywhere: invalid settings exit 2, a
database that cannot be opened exits 4 with one line naming the masked URL.
SQLAlchemy, Alembic and Celery are imported here only when a command asks for
them, never when ``engine.cli`` is imported.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from engine.cli.output import bad_input, storage_unreachable, warn

if TYPE_CHECKING:
    from engine.persistence.sql import SqlRunStore
    from engine.service import Flowdeck
    from engine.settings import Settings

T = TypeVar("T")


def load_settings(*, uses_broker: bool = False) -> Settings:
    """The settings, with a warning when a broker URL is set that the local backend ignores.

    ``uses_broker``: the command talks to the broker itself (``run --on-worker``), so the
    URL is not ignored.
    """
    from pydantic import ValidationError

    from engine.settings import CelerySettings, Settings

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


def _storage_errors() -> tuple[type[BaseException], ...]:
    from sqlalchemy.exc import SQLAlchemyError

    return (SQLAlchemyError, OSError)


def open_store(settings: Settings) -> SqlRunStore:
    """A store for reads, opened without running migrations (see :func:`read`)."""
    from engine.persistence.sql.store import open_run_store

    try:
        return open_run_store(settings.database_url, upgrade=False)
    except _storage_errors() as exc:
        storage_unreachable(settings.database_url, exc)


def read(store: SqlRunStore, url: str, query: Callable[[SqlRunStore], T]) -> T:
    """``query(store)``; a missing or older schema is upgraded once and the query retried.

    Reads skip Alembic (its import alone takes longer than listing runs) unless the
    schema is not there yet.
    """
    from sqlalchemy.exc import OperationalError, ProgrammingError

    try:
        try:
            return query(store)
        except (OperationalError, ProgrammingError) as exc:
            if not _schema_problem(exc):
                raise
            from engine.persistence.sql.database import upgrade_database

            upgrade_database(store.engine)
            return query(store)
    except _storage_errors() as exc:
        storage_unreachable(url, exc)


def _schema_problem(exc: BaseException) -> bool:
    text = str(getattr(exc, "orig", None) or exc).lower()
    return any(s in text for s in ("no such table", "no such column", "does not exist", "undefinedtable"))


def open_flowdeck(settings: Settings, persistence: str | None = None) -> Flowdeck:
    """The facade on ``settings`` (``persistence``: sync, celery or none, default the settings')."""
    from engine.service import Flowdeck

    mode = persistence or settings.persistence
    if mode not in ("sync", "celery", "none"):
        raise bad_input(f"--persistence {mode!r}: expected sync, celery or none")
    if mode == "none":
        from engine.persistence.factory import Repositories
        from engine.persistence.memory import InMemoryRunStore

        memory = InMemoryRunStore()
        return Flowdeck(settings, repositories=Repositories(memory, memory))
    try:
        return Flowdeck(settings.model_copy(update={"persistence": mode}))
    except _storage_errors() as exc:
        storage_unreachable(settings.database_url, exc)
    except Exception as exc:  # a broker or outbox that cannot be opened: still one line
        if type(exc).__module__.split(".")[0] in ("kombu", "celery", "redis", "alembic"):
            storage_unreachable(settings.database_url, exc)
        raise
