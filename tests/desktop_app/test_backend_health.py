"""A database that goes away mid-session shows as such, and the window keeps answering."""

from __future__ import annotations

import time

import pytest
from psycopg import sql
from PySide6.QtCore import QTimer

from desktop_app.main_window import MainWindow
from engine.api import Flowdeck, Settings
from tests.engine.persistence.conftest import _admin, temporary_postgres_database


@pytest.mark.postgres
def test_a_dropped_database_shows_in_the_status_bar_and_a_banner_and_nothing_freezes(qtbot) -> None:
    with temporary_postgres_database() as url:
        deck = Flowdeck(Settings(database_url=url))
        window = MainWindow(deck)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitUntil(lambda: window.status.is_ok("database") is True, timeout=10_000)
        assert "✓" in window.status.database.text()

        name = url.rsplit("/", 1)[1]
        with _admin() as conn:  # the database server drops it under the console
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
        window.status.check()  # as its 5 s timer would
        qtbot.waitUntil(lambda: window.status.is_ok("database") is False, timeout=15_000)
        assert "✕" in window.status.database.text()
        assert "database is unreachable" in window.header.banner_message()
        assert "runs of this console go on" in window.header.banner_message()

        # the GUI thread stayed free: a timer set for 50 ms fires on time while the reads fail
        fired: list[float] = []
        asked = time.monotonic()
        QTimer.singleShot(50, lambda: fired.append(time.monotonic() - asked))
        window.reload()  # F5 against the dead database
        qtbot.waitUntil(lambda: bool(fired), timeout=5000)
        assert fired[0] < 1.0
        window.close()
        deck.close(5)
