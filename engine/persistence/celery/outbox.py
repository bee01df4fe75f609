"""A durable local outbox (SQLite) for record batches the broker has not taken yet.

Each row is one task message: its ``task_id``, task name and JSON arguments (kombu's
JSON, as the broker gets them).  The remote backend adds a row when the broker refuses
or times out and deletes it once a re-send was accepted; the local backend adds every
batch before handing it to the in-process worker and deletes it when the task has
written it, so an app crash loses nothing.  Re-sending a row twice is harmless: the
storage tasks are ``seq``-guarded.

A row with an ``error`` is a record that could not be serialised
(:mod:`.failed_records`): kept for a person to read (its arguments as readable JSON),
counted by :meth:`SqliteOutbox.status`, never re-sent.  Schema version 1 added that
column (``PRAGMA user_version``); an older outbox file is migrated when opened.

WAL mode with ``synchronous=NORMAL`` survives an application crash (not a power cut);
one connection, guarded by a lock, serves all threads.
"""

from __future__ import annotations

import sqlite3
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kombu.utils.json import loads

from engine.persistence.celery.failed_records import ENCODING_ERRORS, FailedRecord, encode
from engine.persistence.outbox_status import OutboxStatus, read_status

SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    task_id TEXT NOT NULL UNIQUE,
    task_name TEXT NOT NULL,
    args TEXT NOT NULL,
    created_at REAL NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    error TEXT
)
"""
_PENDING = "error IS NULL"

#: one task message: ``(task_id, task_name, args)``
Message = tuple[str, str, list[Any]]


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    row_id: int
    task_id: str
    task_name: str
    args: list[Any]
    attempts: int


class SqliteOutbox:
    """Task messages waiting for a broker, persisted in ``path``."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(
            str(self.path), timeout=10.0, check_same_thread=False, isolation_level=None
        )
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.execute(_SCHEMA)
        _migrate(self._conn)

    def add_many(self, messages: list[Message]) -> list[Message]:
        """Store the messages in one transaction (idempotent per task_id); the ones that do not encode.

        A message whose arguments cannot be encoded is not stored and is returned, so the
        caller can split it (:func:`~.failed_records.split_message`).
        """
        now = time.time()
        rows: list[tuple[str, str, str, float]] = []
        unencodable: list[Message] = []
        for message in messages:
            task_id, name, args = message
            try:
                rows.append((task_id, name, encode(args), now))
            except ENCODING_ERRORS:
                unencodable.append(message)
        self._insert(rows)
        return unencodable

    def add(self, task_id: str, task_name: str, args: list[Any]) -> None:
        self.add_many([(task_id, task_name, args)])

    def add_failed(self, failed: list[FailedRecord]) -> None:
        """Keep records that could not be serialised, one row each, with their error."""
        now = time.time()
        rows = [(uuid.uuid4().hex, f.task_name, f.readable_json(), now, f.error) for f in failed]
        self._insert(rows, with_error=True)

    def _insert(self, rows: list[tuple[Any, ...]], *, with_error: bool = False) -> None:
        if not rows:
            return
        columns = "task_id, task_name, args, created_at" + (", error" if with_error else "")
        marks = ", ".join("?" * (5 if with_error else 4))
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                self._conn.executemany(f"INSERT OR IGNORE INTO outbox ({columns}) VALUES ({marks})", rows)
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise

    def oldest(self, limit: int = 50, *, max_row_id: int | None = None) -> list[OutboxMessage]:
        """Up to ``limit`` messages to send, oldest first (only rows up to ``max_row_id`` if given)."""
        query = f"SELECT id, task_id, task_name, args, attempts FROM outbox WHERE {_PENDING}"
        params: tuple[Any, ...] = ()
        if max_row_id is not None:
            query += " AND id <= ?"
            params = (max_row_id,)
        query += " ORDER BY id LIMIT ?"
        with self._lock:
            rows = self._conn.execute(query, (*params, limit)).fetchall()
        return [OutboxMessage(r[0], r[1], r[2], loads(r[3]), r[4]) for r in rows]

    def failed(self, limit: int = 50) -> list[tuple[str, str, str]]:
        """The latest records kept because they could not be serialised: ``(task_name, error, args JSON)``."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT task_name, error, args FROM outbox WHERE error IS NOT NULL ORDER BY id DESC LIMIT ?",
                (limit,),
            ).fetchall()
        return [(r[0], r[1], r[2]) for r in rows]

    def last_row_id(self) -> int:
        with self._lock:
            row = self._conn.execute("SELECT COALESCE(MAX(id), 0) FROM outbox").fetchone()
        return int(row[0])

    def remove(self, task_ids: list[str]) -> None:
        if not task_ids:
            return
        with self._lock:
            self._conn.executemany("DELETE FROM outbox WHERE task_id = ?", [(t,) for t in task_ids])

    def mark_attempt(self, task_ids: list[str]) -> None:
        if not task_ids:
            return
        with self._lock:
            self._conn.executemany(
                "UPDATE outbox SET attempts = attempts + 1 WHERE task_id = ?", [(t,) for t in task_ids]
            )

    def status(self) -> OutboxStatus:
        with self._lock:
            return read_status(self._conn, str(self.path))

    def __len__(self) -> int:
        """Messages waiting to be sent (records kept with an error are not counted)."""
        with self._lock:
            row = self._conn.execute(f"SELECT COUNT(*) FROM outbox WHERE {_PENDING}").fetchone()
        return int(row[0])

    def close(self) -> None:
        with self._lock:
            self._conn.close()


def _migrate(conn: sqlite3.Connection) -> None:
    """Bring an outbox written by an older Flowdeck to :data:`SCHEMA_VERSION` (in place, rows kept)."""
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if version >= SCHEMA_VERSION:
        return
    columns = {row[1] for row in conn.execute("PRAGMA table_info(outbox)")}
    if "error" not in columns:  # version 0: no error column
        conn.execute("ALTER TABLE outbox ADD COLUMN error TEXT")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
