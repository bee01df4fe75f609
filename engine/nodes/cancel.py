"""Cooperative cancellation: one token per node attempt, fired on terminate."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable

from engine.errors import NodeCancelled


class CancelToken:
    """Set once; nodes poll it, wait on it, or register a callback that aborts their I/O."""

    __slots__ = ("_callbacks", "_cancelled", "_event", "reason")

    # one lock for all tokens: a token is created per node attempt (hot path),
    # cancelling is rare, so the cheap creation matters more than contention
    _lock = threading.Lock()

    def __init__(self) -> None:
        self._cancelled = False
        self._event: threading.Event | None = None  # created by the first sleep()
        self._callbacks: list[Callable[[], None]] = []
        self.reason = ""

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    def cancel(self, reason: str = "terminated") -> None:
        with self._lock:
            if self._cancelled:
                return
            self.reason = reason
            self._cancelled = True
            if self._event is not None:
                self._event.set()
            callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            with contextlib.suppress(Exception):  # a failing abort must not stop the others
                callback()

    def on_cancel(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Run ``callback`` on cancel (at once if already cancelled); returns an unregister function."""
        with self._lock:
            if not self._cancelled:
                self._callbacks.append(callback)

                def unregister() -> None:
                    with self._lock:
                        if callback in self._callbacks:
                            self._callbacks.remove(callback)

                return unregister
        callback()
        return lambda: None

    def raise_if_cancelled(self) -> None:
        if self._cancelled:
            raise NodeCancelled(self.reason)

    def wait(self, seconds: float | None) -> bool:
        """Block up to ``seconds``; True when cancelled."""
        with self._lock:
            if self._event is None:
                self._event = threading.Event()
                if self._cancelled:
                    self._event.set()
            event = self._event
        return event.wait(seconds)

    def sleep(self, seconds: float) -> None:
        """Sleep, waking (and raising :class:`NodeCancelled`) on cancel."""
        if self.wait(seconds):
            raise NodeCancelled(self.reason)
