"""The status bar: database, broker, event rate and the selected run, always visible.

Health is checked off the GUI thread every few seconds (a one-row read of the runs
table; a Redis PING with short socket timeouts when a broker is configured).  A dead
backend shows as ✕ with its error, and :attr:`ConsoleStatusBar.health_changed` tells
the window to raise or clear its banner; the window never freezes on it.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QTimer, Signal, Slot
from PySide6.QtWidgets import QLabel, QStatusBar, QWidget

from desktop_app import theme
from desktop_app.dialogs.where_choice import configured_where
from desktop_app.tasks import TaskRunner
from engine.api import Flowdeck, NodeStatus, RunQuery, mask_url

HEALTH_INTERVAL_MS = 5000


def _database_label(url: str) -> str:
    if url.startswith("sqlite:///"):
        return url.removeprefix("sqlite:///")
    return mask_url(url)


def broker_url_in_use(flowdeck: Flowdeck, where: str | None = None) -> str | None:
    """The broker this console depends on (records sent through it, or runs sent to workers), or None."""
    settings = flowdeck.settings
    if settings.persistence == "celery" and settings.celery.backend == "remote":
        return settings.celery.broker_url
    if (where if where is not None else configured_where()) == "worker":
        return settings.celery.broker_url
    return None


class ConsoleStatusBar(QStatusBar):
    health_changed = Signal(str, bool, str)  # "database" | "broker", ok, error text

    def __init__(
        self,
        flowdeck: Flowdeck,
        tasks: TaskRunner,
        events_per_second: Callable[[], float],
        parent: QWidget | None = None,
        *,
        dark: bool = False,
        where: str | None = None,
    ) -> None:
        """``where``: where the console sends runs (default: ``[console] where`` of flowdeck.toml)."""
        super().__init__(parent)
        self._flowdeck = flowdeck
        self._tasks = tasks
        self._rate = events_per_second
        self._palette = theme.palette(dark)
        self._ok: dict[str, bool] = {}
        self.database = QLabel()
        self.broker = QLabel()
        self.rate = QLabel("0 events/s")
        self.selected = QLabel("")
        for label in (self.database, self.broker, self.rate):
            self.addWidget(label)
        self.addPermanentWidget(self.selected)
        self._set("database", None, _database_label(flowdeck.settings.database_url))
        # read once (the settings dialog's changes apply at the next start)
        self._broker = broker = broker_url_in_use(flowdeck, where)
        if broker is None:
            self.broker.setText("broker — embedded (no server)")
        else:
            self._set("broker", None, mask_url(broker))
        self._timer = QTimer(self)
        self._timer.setInterval(HEALTH_INTERVAL_MS)
        self._timer.timeout.connect(self.check)
        self._timer.start()
        self._ticker = QTimer(self)
        self._ticker.setInterval(1000)
        self._ticker.timeout.connect(self._tick)
        self._ticker.start()
        self.check()

    def is_ok(self, what: str) -> bool | None:
        return self._ok.get(what)

    @Slot()
    def check(self) -> None:
        flowdeck = self._flowdeck

        def database() -> float:
            t0 = time.perf_counter()
            flowdeck.queries.list_runs(RunQuery(limit=1))
            return time.perf_counter() - t0

        self._tasks.submit(
            database,
            lambda s: self._health("database", True, ""),
            lambda e: self._health("database", False, str(e)),
            key="health:database",
        )
        broker = self._broker
        if broker is not None:
            self._tasks.submit(
                lambda: _ping(broker),
                lambda _: self._health("broker", True, ""),
                lambda e: self._health("broker", False, str(e)),
                key="health:broker",
            )

    def _health(self, what: str, ok: bool, error: str) -> None:
        changed = self._ok.get(what) != ok
        self._ok[what] = ok
        target = (
            _database_label(self._flowdeck.settings.database_url)
            if what == "database"
            else mask_url(self._broker or "")
        )
        self._set(what, ok, target, error)
        if changed:
            self.health_changed.emit(what, ok, error)

    def _set(self, what: str, ok: bool | None, target: str, error: str = "") -> None:
        label = self.database if what == "database" else self.broker
        mark = "…" if ok is None else ("✓" if ok else "✕")
        colour = (
            self._palette.text_muted
            if ok is None
            else (self._palette.state(NodeStatus.SUCCEEDED).fill if ok else self._palette.danger)
        )
        label.setText(f"<span style='color:{colour}'>{mark}</span> {what} {target}")
        label.setToolTip(error or target)

    def show_selected(self, text: str) -> None:
        self.selected.setText(text)

    @Slot()
    def _tick(self) -> None:
        self.rate.setText(f"{self._rate():,.0f} events/s")

    def set_dark(self, dark: bool) -> None:
        self._palette = theme.palette(dark)

    def stop(self) -> None:
        self._timer.stop()
        self._ticker.stop()


def _ping(url: str) -> None:
    import redis  # only when a broker is configured

    client = redis.Redis.from_url(url, socket_timeout=1.0, socket_connect_timeout=1.0)
    try:
        client.ping()
    finally:
        client.close()
