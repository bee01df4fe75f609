"""Every worker that serves ``workflow_runs`` also sweeps for orphaned runs.

:func:`install_orphan_sweeps` adds a worker bootstep to a Celery app: while the worker
runs, an :class:`~engine.remote.orphans.OrphanSweeper` thread in its main process marks
runs whose owner died (another worker SIGKILLed, a machine gone) failed, interrupted,
in their Redis stream and in the worker's database.  The sweep builds its own Redis
client and repositories on its thread, never the ones the tasks use (a prefork pool
child must not inherit a store whose writer thread lives in the parent).

``app.conf.flowdeck_sweep_interval_s`` sets the period (default 5 s; 0 turns it off).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import redis
from celery import Celery, bootsteps

from engine.remote.orphans import DEFAULT_SWEEP_INTERVAL_S, OrphanSweeper, sweep_remote

log = logging.getLogger(__name__)

SWEEP_INTERVAL_CONF_KEY = "flowdeck_sweep_interval_s"


def install_orphan_sweeps(
    app: Celery,
    client: Callable[[], redis.Redis],
    repositories: Callable[[], Any] | None = None,
) -> None:
    """Sweep for orphans periodically in every worker of ``app`` (``client``, ``repositories``: factories)."""
    lazy: dict[str, Any] = {}

    def sweep() -> list[str]:
        if "client" not in lazy:
            lazy["client"] = client()
        if repositories is not None and "repos" not in lazy:
            lazy["repos"] = repositories()
        swept = sweep_remote(lazy["client"], lazy.get("repos"))
        if swept:
            log.warning("orphan sweep marked %d run(s) interrupted: %s", len(swept), ", ".join(swept))
        return swept

    class OrphanSweepStep(bootsteps.StartStopStep):
        """The worker's orphan sweeper (started with the worker, stopped with it)."""

        def __init__(self, parent: Any, **kwargs: Any) -> None:
            super().__init__(parent, **kwargs)
            self.sweeper: OrphanSweeper | None = None

        def start(self, parent: Any) -> None:
            configured = app.conf.get(SWEEP_INTERVAL_CONF_KEY)
            interval = DEFAULT_SWEEP_INTERVAL_S if configured is None else float(configured)
            if interval <= 0:
                return
            self.sweeper = OrphanSweeper(sweep, interval_s=interval, name="flowdeck-worker-orphan-sweeper")
            self.sweeper.start()
            log.info("orphan sweeper started (every %.1f s)", interval)

        def stop(self, parent: Any) -> None:
            if self.sweeper is not None:
                self.sweeper.stop()
                self.sweeper = None
            closer = getattr(lazy.get("repos"), "close", None)
            if closer is not None:
                closer(5.0)
                lazy.pop("repos", None)

    app.steps["worker"].add(OrphanSweepStep)
