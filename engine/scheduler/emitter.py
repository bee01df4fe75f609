"""Gives every event of a run its ``seq`` and delivers it to the run's listeners.

All dispatchers of a run (the top level and container bodies) share one
emitter, so ``seq`` strictly increases over the whole run.  Listeners are
called in the emitting thread, in order; a listener that raises is logged and
never breaks the run.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from engine.events import EngineEvent, is_terminal

Listener = Callable[[EngineEvent], None]

log = logging.getLogger(__name__)
_TERMINAL: dict[type, bool] = {}  # event class -> ends a run (is_terminal, asked once per class)


class EventEmitter:
    __slots__ = ("_closed", "_listeners", "_lock", "_seq", "run_id")

    def __init__(self, run_id: str, listeners: list[Listener] | None = None, first_seq: int = 1) -> None:
        self.run_id = run_id
        self._seq = first_seq - 1  # the last seq given out
        self._listeners: list[Listener] = list(listeners or [])
        self._lock = threading.Lock()
        self._closed = False

    def add_listener(self, listener: Listener) -> None:
        self._listeners.append(listener)

    @property
    def last_seq(self) -> int:
        return self._seq

    def emit(self, cls: type[EngineEvent], **fields: Any) -> EngineEvent | None:
        with self._lock:  # seq order == delivery order (the dispatcher and the run's owner thread)
            if self._closed:  # nothing follows a run's terminal event
                log.debug("dropped %s emitted after the run ended", cls.name)
                return None
            seq = self._seq + 1
            event = cls(run_id=self.run_id, seq=seq, at=time.time(), **fields)
            self._seq = seq
            terminal = _TERMINAL.get(cls)
            if terminal is None:
                terminal = _TERMINAL[cls] = is_terminal(event)
            self._closed = terminal
            for listener in self._listeners:
                try:
                    listener(event)
                except Exception:
                    log.exception("event listener %r failed on %s", listener, event.name)
        return event
