"""The one background thread of a Flowdeck: heartbeats for its runs, sweeps for orphans.

Every ``beat_interval_s`` it refreshes the heartbeat of all runs this owner has
(one ``UPDATE``; skipped while it has none) and removes the owner rows of runs
that ended (one ``DELETE``, kept out of the run's own thread), and every
``sweep_interval_s`` it marks the running runs whose owner died as failed,
interrupted.  Errors are
logged and retried on the next tick; the thread never stops a run.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Callable

from sqlalchemy import Engine

from engine.control.identity import STALE_AFTER_S, OwnerIdentity, pid_alive
from engine.control.orphan_policy import OrphanPolicy
from engine.control.sql_owners import SqlOwners
from engine.persistence.sql import run_owners

log = logging.getLogger(__name__)

BEAT_INTERVAL_S = 2.0
SWEEP_INTERVAL_S = 3.0


class ControlKeeper:
    def __init__(
        self,
        engine: Engine,
        identity: OwnerIdentity,
        *,
        beat_interval_s: float = BEAT_INTERVAL_S,
        sweep_interval_s: float = SWEEP_INTERVAL_S,
        stale_after_s: float = STALE_AFTER_S,
        on_swept: Callable[[list[str]], None] | None = None,
    ) -> None:
        if sweep_interval_s <= 0:
            sweep_interval_s = float("inf")  # this process never sweeps on its own
        if beat_interval_s >= stale_after_s:
            raise ValueError(f"beat interval ({beat_interval_s} s) must be shorter than {stale_after_s} s")
        self._engine = engine
        self.identity = identity
        self._beat_interval = beat_interval_s
        self._sweep_interval = sweep_interval_s
        self._stale_after = stale_after_s
        self._on_swept = on_swept
        self._owned: set[str] = set()
        self._ended: set[str] = set()  # owner rows to remove
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._failing = False
        self.policy = OrphanPolicy(
            SqlOwners(engine, host=identity.host, pid_alive=pid_alive, ttl_s=stale_after_s)
        )

    # ------------------------------------------------------------ ownership
    def own(self, run_id: str) -> None:
        with self._lock:
            self._owned.add(run_id)

    def disown(self, run_id: str, *, forget: bool = True) -> None:
        """The run ended here; ``forget``: remove its owner row (at the next tick)."""
        with self._lock:
            self._owned.discard(run_id)
            if forget:
                self._ended.add(run_id)

    @property
    def owned(self) -> frozenset[str]:
        with self._lock:
            return frozenset(self._owned)

    # ------------------------------------------------------------- the work
    def beat(self) -> int:
        """Refresh our heartbeats and drop the rows of ended runs; heartbeats refreshed."""
        with self._lock:
            ended, self._ended = list(self._ended), set()
            owned = bool(self._owned)
        try:
            run_owners.forget_runs(self._engine, ended, self.identity.owner_id)
        except Exception:
            with self._lock:
                self._ended.update(ended)
            raise
        return run_owners.beat(self._engine, self.identity.owner_id) if owned else 0

    def sweep(self) -> list[str]:
        """The orphan policy on this database: the ids of the runs it interrupted."""
        return self.policy.sweep()

    # ----------------------------------------------------------- the thread
    def start(self) -> None:
        with self._lock:
            if self._thread is not None or self._stop.is_set():
                return
            self._thread = threading.Thread(target=self._loop, name="flowdeck-control", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the thread, then remove the owner rows of the runs that ended meanwhile."""
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
        with self._lock:
            ended, self._ended = list(self._ended), set()
        try:
            run_owners.forget_runs(self._engine, ended, self.identity.owner_id)
        except Exception as exc:
            log.warning("owner rows of %d ended run(s) not removed: %s", len(ended), exc)

    def _loop(self) -> None:
        tick = min(self._beat_interval, self._sweep_interval)
        since_beat = since_sweep = 0.0
        self._tick(sweep=math.isfinite(self._sweep_interval))
        while not self._stop.wait(tick):
            since_beat += tick
            since_sweep += tick
            if since_beat >= self._beat_interval or since_sweep >= self._sweep_interval:
                swept = since_sweep >= self._sweep_interval
                self._tick(sweep=swept)
                since_beat = 0.0
                since_sweep = 0.0 if swept else since_sweep

    def _tick(self, *, sweep: bool) -> None:
        try:
            self.beat()
            swept = self.sweep() if sweep else []
        except Exception as exc:  # the database is away: try again next tick
            if not self._failing:
                log.warning("flowdeck control thread: %s: %s", type(exc).__name__, exc)
                self._failing = True
            return
        self._failing = False
        if swept and self._on_swept is not None:
            self._on_swept(swept)
