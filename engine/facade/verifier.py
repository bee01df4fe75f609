"""One thread that checks every pending verification on each tick, so no caller's thread waits.

``watch(check, timeout, on_timeout)`` returns a :class:`concurrent.futures.Future` at once.
Each tick (``poll_s``, or at once after :meth:`Verifier.wake`) the thread calls every pending
``check()``: a value other than None resolves its future, an exception fails it; past its
deadline ``on_timeout()`` gives the result (or the exception).  Checks are short reads; the
futures' callbacks run on this thread, so a GUI hands them over to its own thread.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, InvalidStateError
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

T = TypeVar("T")
log = logging.getLogger(__name__)
POLL_S = 0.1


@dataclass(slots=True, eq=False)
class _Probe(Generic[T]):
    check: Callable[[], T | None]
    deadline: float
    on_timeout: Callable[[], T]
    future: Future[T]


class Verifier:
    def __init__(self, *, poll_s: float = POLL_S, name: str = "flowdeck-verify") -> None:
        self._poll_s = poll_s
        self._name = name
        self._probes: list[_Probe[Any]] = []
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._closed = False

    def watch(
        self,
        check: Callable[[], T | None],
        timeout: float,
        on_timeout: Callable[[], T],
        future: Future[T] | None = None,
    ) -> Future[T]:
        future = future if future is not None else Future()
        probe = _Probe(check, time.monotonic() + timeout, on_timeout, future)
        with self._lock:
            closed = self._closed
            if not closed:
                self._probes.append(probe)
                if self._thread is None:
                    self._thread = threading.Thread(target=self._loop, name=self._name, daemon=True)
                    self._thread.start()
        if closed:
            resolve(future, exc=RuntimeError("this Flowdeck is closed"))
        self._wake.set()
        return future

    def wake(self, *_args: object) -> None:
        """Check now (a run ended, its records may be final)."""
        self._wake.set()

    def close(self, timeout: float = 5.0) -> None:
        """Stop checking; the futures still pending are cancelled."""
        with self._lock:
            self._closed = True
            probes, self._probes = self._probes, []
            thread = self._thread
        self._wake.set()
        for probe in probes:
            probe.future.cancel()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    def _loop(self) -> None:
        while True:
            with self._lock:
                waiting = bool(self._probes)
            self._wake.wait(self._poll_s if waiting else None)
            self._wake.clear()
            with self._lock:
                if self._closed:
                    return
                probes = list(self._probes)
            finished = [p for p in probes if self._settled(p)]
            if finished:
                with self._lock:
                    self._probes = [p for p in self._probes if p not in finished]

    def _settled(self, probe: _Probe[Any]) -> bool:
        """Check ``probe`` once; True when its future is resolved (or was cancelled)."""
        if probe.future.done():
            return True
        try:
            value = probe.check()
            if value is None and time.monotonic() >= probe.deadline:
                value = probe.on_timeout()
        except Exception as exc:
            resolve(probe.future, exc=exc)
            return True
        if value is None:
            return False
        resolve(probe.future, value=value)
        return True


def resolve(future: Future[Any], *, value: Any = None, exc: BaseException | None = None) -> None:
    """Set ``future``'s result (or exception) unless it was cancelled meanwhile."""
    try:
        if exc is not None:
            future.set_exception(exc)
        else:
            future.set_result(value)
    except InvalidStateError:  # cancelled by its caller meanwhile
        log.debug("verification future already resolved", exc_info=True)
