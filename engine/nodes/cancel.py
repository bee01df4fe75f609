"""Cooperative cancellation: one token per node attempt, fired on terminate."""

from __future__ import annotations

import threading
from collections.abc import Callable

from engine.errors import NodeCancelled


class CancelToken:
    """Set once; nodes poll it, wait on it, or register a callback that aborts their I/O."""

    __slots__ = ("_callbacks", "_event", "_lock", "reason")

    def __init__(self) -> None:
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._callbacks: list[Callable[[], None]] = []
        self.reason = ""

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def cancel(self, reason: str = "terminated") -> None:
        with self._lock:
            if self._event.is_set():
                return
            self.reason = reason
            self._event.set()
            callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            try:
                callback()
            except Exception:  # a failing abort must not stop the others
                pass

    def on_cancel(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Run ``callback`` on cancel (at once if already cancelled); returns an unregister function."""
        with self._lock:
            if not self._event.is_set():
                self._callbacks.append(callback)

                def unregister() -> None:
                    with self._lock:
                        if callback in self._callbacks:
                            self._callbacks.remove(callback)

                return unregister
        callback()
        return lambda: None

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise NodeCancelled(self.reason)

    def sleep(self, seconds: float) -> None:
        """Sleep, waking (and raising :class:`NodeCancelled`) on cancel."""
        if self._event.wait(seconds):
            raise NodeCancelled(self.reason)
