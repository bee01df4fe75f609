"""Operator commands through the database: any process inserts, the run's owner takes.

:func:`send_command` inserts a row into ``run_commands``; the owner's
:class:`DatabaseCommandChannel` polls for rows not yet taken (one indexed
``SELECT`` on ``(run_id, taken_at)``, at most every ``poll_interval`` seconds, no
write unless something is pending) and marks them taken.  Commands sent in the
owner's own process go through the wrapped in-memory channel and wake the
dispatcher at once.

A database error while polling is logged and the poll retried later: the run
goes on.  A row that is not a known command is taken and dropped with a warning.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, insert, select, update

from engine.persistence.sql.models import RunCommandRow
from engine.scheduler.commands import Command, InMemoryCommandChannel, command_from_dict

log = logging.getLogger(__name__)

DEFAULT_POLL_INTERVAL_S = 0.1


def send_command(engine: Engine, run_id: str, command: Command) -> int:
    """Queue ``command`` for the owner of ``run_id``; returns the command's row id."""
    with engine.begin() as conn:
        result = conn.execute(
            insert(RunCommandRow).values(run_id=run_id, command=command.to_dict(), created_at=time.time())
        )
        key = result.inserted_primary_key
    return int(key[0]) if key else 0


def take_commands(engine: Engine, run_id: str) -> list[Command]:
    """The commands for ``run_id`` not taken yet, oldest first, now marked taken."""
    pending_stmt = (
        select(RunCommandRow.id, RunCommandRow.command)
        .where(RunCommandRow.run_id == run_id, RunCommandRow.taken_at.is_(None))
        .order_by(RunCommandRow.id)
    )
    with engine.connect() as conn:
        rows = conn.execute(pending_stmt).all()
    if not rows:
        return []
    commands: list[Command] = []
    with engine.begin() as conn:
        for row in rows:
            taken = conn.execute(
                update(RunCommandRow)
                .where(RunCommandRow.id == row.id, RunCommandRow.taken_at.is_(None))
                .values(taken_at=time.time())
            )
            if taken.rowcount != 1:
                continue  # somebody else took it meanwhile
            command = _parse(run_id, row.id, row.command)
            if command is not None:
                commands.append(command)
    return commands


def _parse(run_id: str, row_id: int, data: Any) -> Command | None:
    try:
        if not isinstance(data, dict):
            raise ValueError(f"expected a JSON object, got {type(data).__name__}")
        return command_from_dict(data)
    except (TypeError, ValueError) as exc:
        log.warning("run %s: dropping run_commands row %s: %s", run_id, row_id, exc)
        return None


class DatabaseCommandChannel:
    """A :class:`~engine.scheduler.commands.CommandChannel` fed by the database and by this process."""

    def __init__(
        self,
        engine: Engine,
        run_id: str,
        *,
        poll_interval: float = DEFAULT_POLL_INTERVAL_S,
        local: InMemoryCommandChannel | None = None,
    ) -> None:
        if poll_interval <= 0:
            raise ValueError(f"poll_interval must be positive, got {poll_interval}")
        self._engine = engine
        self.run_id = run_id
        self._poll_interval = poll_interval
        self._local = local or InMemoryCommandChannel()
        # monotonic time of the next database poll (not at once: a new run has no commands yet)
        self._next_poll = time.monotonic() + poll_interval
        self._closed = False
        self._failing = False
        self._lock = threading.Lock()  # fetch runs in the dispatcher; close() in another thread

    def send(self, command: Command) -> None:
        self._local.send(command)

    def fetch(self) -> list[Command]:
        commands = self._local.fetch()
        now = time.monotonic()
        if now < self._next_poll or self._closed:
            return commands
        with self._lock:
            if self._closed:
                return commands
            self._next_poll = now + self._poll_interval
            try:
                remote = take_commands(self._engine, self.run_id)
            except Exception as exc:  # the database is away: the run goes on, we poll again
                if not self._failing:
                    log.warning("run %s: polling run_commands failed: %s", self.run_id, exc)
                    self._failing = True
                return commands
            self._failing = False
        return commands + remote if commands else remote

    def set_wakeup(self, wakeup: Callable[[], None] | None) -> None:
        self._local.set_wakeup(wakeup)

    @property
    def poll_interval(self) -> float | None:
        return self._poll_interval

    def close(self) -> None:
        """Stop polling the database (local commands still arrive)."""
        with self._lock:
            self._closed = True
