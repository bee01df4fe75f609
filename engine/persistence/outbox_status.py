"""How the Celery outbox stands: records waiting for the broker, and records that could not be sent.

:func:`outbox_status` reads the outbox of the settings' Celery backend without
importing Celery (the CLI and the console call it through ``engine.api``); it never
creates the file.  ``pending`` counts task messages (batches of records) still
waiting to be sent or, on the local backend, to be written by its worker; ``failed``
counts records kept because they could not be serialised, ``last_error`` names the
latest one's error.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from engine.settings import Settings


@dataclass(frozen=True, slots=True)
class OutboxStatus:
    pending: int = 0
    failed: int = 0
    last_error: str | None = None
    path: str | None = None  # the outbox file (None: this persistence has no outbox)

    @property
    def ok(self) -> bool:
        """Nothing was kept back because it could not be sent."""
        return self.failed == 0


def outbox_status(settings: Settings, *, path: str | Path | None = None) -> OutboxStatus:
    """The outbox of ``settings`` (``path`` overrides where it is); zeros when there is none."""
    if path is None:
        if settings.persistence != "celery":
            return OutboxStatus()
        from engine.persistence.factory import outbox_path

        path = outbox_path(settings, settings.celery.backend)
    file = Path(path)
    if not file.is_file():
        return OutboxStatus(path=str(file))
    try:
        conn = sqlite3.connect(f"file:{file}?mode=ro", uri=True, timeout=5.0)
    except sqlite3.Error as exc:
        return OutboxStatus(last_error=f"cannot read the outbox: {exc}", path=str(file))
    try:
        return read_status(conn, str(file))
    except sqlite3.Error as exc:
        return OutboxStatus(last_error=f"cannot read the outbox: {exc}", path=str(file))
    finally:
        conn.close()


def read_status(conn: sqlite3.Connection, path: str) -> OutboxStatus:
    """The counts of an open outbox database (one written before the ``error`` column too)."""
    columns = {row[1] for row in conn.execute("PRAGMA table_info(outbox)")}
    if not columns:
        return OutboxStatus(path=path)
    if "error" not in columns:
        return OutboxStatus(pending=int(conn.execute("SELECT COUNT(*) FROM outbox").fetchone()[0]), path=path)
    pending, failed = conn.execute(
        "SELECT COUNT(*) FILTER (WHERE error IS NULL), COUNT(*) FILTER (WHERE error IS NOT NULL) FROM outbox"
    ).fetchone()
    row = conn.execute("SELECT error FROM outbox WHERE error IS NOT NULL ORDER BY id DESC LIMIT 1").fetchone()
    return OutboxStatus(
        pending=int(pending), failed=int(failed), last_error=row[0] if row else None, path=path
    )
