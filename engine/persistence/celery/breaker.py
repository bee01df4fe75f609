"""A small circuit breaker for publishing to the broker.

Closed: publish.  After a failure it opens for ``cooldown_s`` (doubling per consecutive
failure up to ``max_cooldown_s``); while open, callers skip the broker (records go to
the outbox at once instead of waiting on a dead socket).  When the cooldown has passed
one attempt is let through (half-open); its success closes the breaker again.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class CircuitBreaker:
    def __init__(
        self,
        cooldown_s: float = 0.5,
        max_cooldown_s: float = 15.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.cooldown_s = cooldown_s
        self.max_cooldown_s = max_cooldown_s
        self._clock = clock
        self._lock = threading.Lock()
        self._failures = 0
        self._open_until = 0.0

    @property
    def state(self) -> str:
        with self._lock:
            if self._failures == 0:
                return "closed"
            return "open" if self._clock() < self._open_until else "half-open"

    @property
    def consecutive_failures(self) -> int:
        return self._failures

    def allow(self) -> bool:
        """True when a publish may be attempted now (closed, or half-open probe)."""
        with self._lock:
            return self._failures == 0 or self._clock() >= self._open_until

    def record_success(self) -> None:
        with self._lock:
            self._failures = 0
            self._open_until = 0.0

    def record_failure(self) -> None:
        with self._lock:
            self._failures += 1
            cooldown = min(self.max_cooldown_s, self.cooldown_s * (2 ** (self._failures - 1)))
            self._open_until = self._clock() + cooldown
