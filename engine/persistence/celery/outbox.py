"""A durable local outbox (SQLite) for record batches the broker has not taken yet.

Each row is one task message: its ``task_id``, task name and JSON arguments.  The
remote backend adds a row when the broker refuses or times out and deletes it once a
re-send was accepted; the local backend adds every batch before handing it to the
in-process worker and deletes it when the task has written it, so an app crash loses
nothing.  Re-sending a row twice is harmless: the storage tasks are ``seq``-guarded.

WAL mode with ``synchronous=NORMAL`` survives an application crash (not a power cut);
one connection, guarded by a lock, serves all threads.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    task_id TEXT NOT NULL UNIQUE,
    task_name TEXT NOT NULL,
    args TEXT NOT NULL,
    created_at REAL NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0
)
"""


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

    def add_many(self, messages: list[tuple[str, str, list[Any]]]) -> None:
        """Store ``(task_id, task_name, args)`` messages in one transaction (idempotent per task_id)."""
        if not messages:
            return
        now = time.time()
        rows = [(task_id, name, json.dumps(args), now) for task_id, name, args in messages]
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                self._conn.executemany(
                    "INSERT OR IGNORE INTO outbox (task_id, task_name, args, created_at) VALUES (?, ?, ?, ?)",
                    rows,
                )
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise

    def add(self, task_id: str, task_name: str, args: list[Any]) -> None:
        self.add_many([(task_id, task_name, args)])

    def oldest(self, limit: int = 50, *, max_row_id: int | None = None) -> list[OutboxMessage]:
        """Up to ``limit`` messages, oldest first (only rows up to ``max_row_id`` if given)."""
        query = "SELECT id, task_id, task_name, args, attempts FROM outbox"
        params: tuple[Any, ...] = ()
        if max_row_id is not None:
            query += " WHERE id <= ?"
            params = (max_row_id,)
        query += " ORDER BY id LIMIT ?"
        with self._lock:
            rows = self._conn.execute(query, (*params, limit)).fetchall()
        return [OutboxMessage(r[0], r[1], r[2], json.loads(r[3]), r[4]) for r in rows]

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

    def __len__(self) -> int:
        with self._lock:
            row = self._conn.execute("SELECT COUNT(*) FROM outbox").fetchone()
        return int(row[0])

    def close(self) -> None:
        with self._lock:
            self._conn.close()
