"""Reading run records without the facade: what ``flowdeck runs`` and ``flowdeck show`` use.

A reader opens the record database without running migrations (importing Alembic
alone takes longer than listing runs); :func:`read_records` upgrades a missing or
older schema once and retries.  A SQLite file at the current schema is listed with
the standard library's ``sqlite3`` (:func:`list_runs_quick`).  SQLAlchemy is
imported only when a function here needs it, never when this module is imported.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol, TypeVar

if TYPE_CHECKING:
    from engine.lifecycle.records import NodeExecution, WorkflowExecution
    from engine.persistence.protocols import RunPage, RunQuery

T = TypeVar("T")
R = TypeVar("R", bound="RecordReader")

_SCHEMA_PROBLEMS = ("no such table", "no such column", "does not exist", "undefinedtable")


class RecordReader(Protocol):
    """The reads of a run-record store (a SQL store satisfies it)."""

    def get_run(self, run_id: str) -> WorkflowExecution | None: ...
    def find_run_ids(self, prefix: str, limit: int = 10) -> list[str]: ...
    def list_runs(self, query: RunQuery) -> RunPage: ...
    def get_node_executions(self, run_id: str) -> list[NodeExecution]: ...
    def close(self, timeout: float | None = 10.0) -> bool: ...


class AmbiguousRunId(LookupError):
    """A run id prefix that more than one recorded run starts with."""

    def __init__(self, prefix: str, matches: list[str]) -> None:
        self.prefix = prefix
        self.matches = matches
        super().__init__(f"run id {prefix!r} is ambiguous: {', '.join(matches)}")


def storage_errors() -> tuple[type[BaseException], ...]:
    """The errors that mean the record database cannot be opened or read."""
    from sqlalchemy.exc import SQLAlchemyError

    return (SQLAlchemyError, OSError)


def is_backend_error(exc: BaseException) -> bool:
    """``exc`` comes from a record backend (database, migrations, broker, outbox), not from Flowdeck."""
    if isinstance(exc, storage_errors()):
        return True
    return type(exc).__module__.split(".")[0] in ("kombu", "celery", "redis", "alembic")


def open_record_reader(url: str) -> RecordReader:
    """A reader on the database at ``url``, opened without migrations (see :func:`read_records`)."""
    from engine.persistence.sql.store import open_run_store

    return open_run_store(url, upgrade=False)


def read_records(reader: R, query: Callable[[R], T]) -> T:
    """``query(reader)``; a missing or older schema is upgraded once and the query retried."""
    from sqlalchemy.exc import OperationalError, ProgrammingError

    try:
        return query(reader)
    except (OperationalError, ProgrammingError) as exc:
        text = str(getattr(exc, "orig", None) or exc).lower()
        if not any(problem in text for problem in _SCHEMA_PROBLEMS):
            raise
    from engine.persistence.sql.database import upgrade_database

    upgrade_database(reader.engine)  # type: ignore[attr-defined]
    return query(reader)


def list_runs_quick(url: str, query: RunQuery) -> RunPage | None:
    """The page from a SQLite file at the current schema without SQLAlchemy; None for anything else."""
    from engine.persistence.sqlite_listing import list_runs

    return list_runs(url, query)


def find_run(reader: RecordReader, run_id: str) -> WorkflowExecution:
    """The run with id ``run_id``, or the one run whose id starts with it.

    :class:`~engine.control.errors.UnknownRun` when there is none, :class:`AmbiguousRunId`
    when several ids start with it.
    """
    run = reader.get_run(run_id)
    if run is not None:
        return run
    return _by_prefix(reader.get_run, getattr(reader, "find_run_ids", None), run_id)


def find_recorded_run(service: object, run_id: str) -> WorkflowExecution:
    """:func:`find_run` through the facade's records (``service``: a :class:`~engine.service.Flowdeck`)."""
    from engine.control.errors import UnknownRun

    def get(candidate: str) -> WorkflowExecution | None:
        try:
            return service.get_run(candidate)  # type: ignore[attr-defined,no-any-return]
        except UnknownRun:
            return None

    run = get(run_id)
    if run is not None:
        return run
    executions = getattr(service, "repositories", None)
    # an in-memory store has no prefix search: only whole ids are found there
    finder = getattr(getattr(executions, "executions", None), "find_run_ids", None)
    return _by_prefix(get, finder, run_id)


def _by_prefix(
    get: Callable[[str], WorkflowExecution | None],
    finder: Callable[..., list[str]] | None,
    prefix: str,
) -> WorkflowExecution:
    from engine.control.errors import UnknownRun

    matches = finder(prefix, limit=5) if finder is not None else []
    if len(matches) == 1:
        found = get(matches[0])
        if found is not None:
            return found
    if len(matches) > 1:
        raise AmbiguousRunId(prefix, matches)
    raise UnknownRun(f"no run with id {prefix!r}")
