"""The facade's way to runs on Celery workers, built on first use (Redis is imported only then).

Everything goes through :class:`engine.remote.service_support.RemoteRuns`; this module
keeps the calls into it few and narrow (start, state, send, watch, paused snapshot, sweep).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from engine.control.errors import RunAlreadyEnded
from engine.events import EngineEvent
from engine.graph import Workflow
from engine.lifecycle.records import WorkflowExecution
from engine.scheduler.commands import Command
from engine.settings import Settings
from engine.status import RUN_ACTIVE, RUN_TERMINAL, RunStatus
from engine.triggers import REMOTE_TRIGGER

log = logging.getLogger(__name__)


class RemoteSide:
    def __init__(self, settings: Settings, repositories: Any) -> None:
        self._settings = settings
        self._repositories = repositories
        self._runs: Any = None  # engine.remote.service_support.RemoteRuns
        self._lock = threading.Lock()

    @property
    def used(self) -> bool:
        """This facade has talked to Redis already."""
        return self._runs is not None

    def runs(self) -> Any:
        with self._lock:
            if self._runs is None:
                from engine.remote.service_support import RemoteRuns

                self._runs = RemoteRuns(self._settings, self._repositories)
            return self._runs

    def start(
        self,
        workflow: Workflow,
        inputs: Mapping[str, Any] | None,
        system: Mapping[str, Any] | None,
        mocks: Mapping[str, Any] | str | Path | None,
        listeners: list[Callable[[EngineEvent], None]] | None,
        **options: Any,
    ) -> Any:
        remote = self.runs()
        handle = remote.start(workflow, inputs, system, mocks, **options)
        if listeners:
            remote.follow(handle, list(listeners))
        return handle

    def owns(self, run_id: str, record: WorkflowExecution | None) -> bool:
        """The run executes on a Celery worker (its Redis heartbeat or stream knows it)."""
        expected = record is not None and record.triggered_from == REMOTE_TRIGGER
        if record is not None and not expected and not self.used:
            return False  # a local run, and this facade never used Redis
        state = self.runs().state(run_id, expected=expected)
        if state is None:
            return False
        # an interrupted run's owner is gone: the records (and the orphan policy) decide
        if state.status in RUN_TERMINAL and state.status != RunStatus.INTERRUPTED:
            raise RunAlreadyEnded(f"run {run_id} already ended {state.status}")
        return state.status in RUN_ACTIVE

    def send(self, run_id: str, command: Command) -> None:
        self.runs().send(run_id, command)

    def watch(self, run_id: str, timeout: float | None) -> Iterator[EngineEvent] | None:
        """The run's events from its Redis Stream, or None when it is not a remote run."""
        remote = self.runs()
        if remote.state(run_id) is None:
            return None
        return remote.watch(run_id, timeout)  # type: ignore[no-any-return]

    def knows(self, run_id: str) -> bool:
        """Redis has heard of the run (only asked once this facade has used Redis)."""
        return self.used and self._runs.state(run_id) is not None

    def paused_snapshot(self, record: WorkflowExecution | None) -> dict[str, Any] | None:
        """The snapshot of a paused worker run whose worker died (from its stream); else None."""
        if record is None or record.status != RunStatus.PAUSED or record.triggered_from != REMOTE_TRIGGER:
            return None
        return self.runs().paused_snapshot(record.id)  # type: ignore[no-any-return]

    def sweep(self) -> list[str]:
        """Orphaned worker runs marked (only once this facade has used Redis)."""
        if not self.used:
            return []
        try:
            return list(self._runs.sweep())
        except Exception as exc:  # Redis away: the background sweeper keeps trying
            log.warning("remote orphan sweep failed: %s", exc)
            return []

    def close(self) -> None:
        if self._runs is not None:
            self._runs.close()
