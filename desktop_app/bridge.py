"""Engine events into the GUI thread, merged per frame.

Engine threads (the dispatcher of an in-process run, the watcher of a remote run) call
:meth:`EventBridge.listener`; it only appends to a thread-safe deque.  A GUI-thread
``QTimer`` drains the deque about 30 times a second and emits :attr:`EventBridge.batch`
once per run with every event that arrived since the last frame, so the views apply
many events in one pass and never run on an engine thread.
"""

from __future__ import annotations

import collections
import time
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot

from engine.api import EngineEvent

FRAME_MS = 30  # a precise timer: ~30 frames a second even when frames take a few ms


class EventBridge(QObject):
    batch = Signal(str, list)  # run id, events of that run since the last frame (seq order)

    def __init__(self, parent: QObject | None = None, *, frame_ms: int = FRAME_MS) -> None:
        super().__init__(parent)
        self._queue: collections.deque[EngineEvent] = collections.deque()
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(frame_ms)
        self._timer.timeout.connect(self.drain)
        self._timer.start()
        self._window: collections.deque[tuple[float, int]] = collections.deque()  # (time, events) per frame
        self.frames = 0
        self.events_total = 0

    @property
    def listener(self) -> Callable[[EngineEvent], None]:
        """The callable engine threads are given: appends, nothing else (deque.append is thread-safe)."""
        return self._queue.append

    @Slot()
    def drain(self) -> None:
        queue = self._queue
        if not queue:
            return
        by_run: dict[str, list[EngineEvent]] = {}
        n = len(queue)  # only what is there now: a busy engine cannot keep this loop going
        for _ in range(n):
            event = queue.popleft()
            by_run.setdefault(event.run_id, []).append(event)
        self.frames += 1
        self.events_total += n
        self._window.append((time.monotonic(), n))
        for run_id, events in by_run.items():
            self.batch.emit(run_id, events)

    def events_per_second(self) -> float:
        """Events drained over the last 2 seconds, per second."""
        now = time.monotonic()
        while self._window and now - self._window[0][0] > 2.0:
            self._window.popleft()
        return sum(n for _, n in self._window) / 2.0

    def stop(self) -> None:
        self._timer.stop()
