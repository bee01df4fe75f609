"""A run this Flowdeck executes and owns in the database.

:class:`RecordGate` sits between the run's cycle manager and the repositories:
it forwards every record, except after :meth:`RecordGate.detach` (the Flowdeck
closes while the run is paused: the paused record and its snapshot stay as they
are for another process to resume, and the in-process run is wound down without
writing).  For a run continued from a snapshot in a new process it also puts back
the fields the new cycle manager cannot know (inputs, start time, replay link...);
node records need nothing (the snapshot's counters number them on).

:class:`OwnedRunListener` follows the run's events in its dispatcher thread:
stores the snapshot when the run pauses, clears it when it resumes, and forgets
the run (heartbeat, command polling; the keeper removes its owner row) when it ends.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine

from engine.events import EngineEvent, RunEndedEvent, RunPausedEvent, RunResumedEvent
from engine.lifecycle.records import NodeExecution, WorkflowExecution
from engine.persistence.sql import run_owners
from engine.persistence.sql.command_channel import DatabaseCommandChannel

log = logging.getLogger(__name__)

_CARRIED_FIELDS = (
    "inputs",
    "started_at",
    "workflow_name",
    "triggered_from",
    "created_by",
    "created_by_role",
    "tenant_id",
    "app_id",
    "replay_of",
)


class RecordGate:
    """A repository that forwards to ``inner`` until detached (both protocols)."""

    def __init__(self, inner: Any, *, original: WorkflowExecution | None = None) -> None:
        self._inner = inner
        self._original = original
        self.detached = False

    @property
    def synchronous(self) -> bool:
        return bool(getattr(self._inner, "synchronous", True))

    def save(self, record: WorkflowExecution | NodeExecution) -> None:
        if self.detached:
            return
        if self._original is not None and isinstance(record, WorkflowExecution):
            for name in _CARRIED_FIELDS:
                setattr(record, name, getattr(self._original, name))
        self._inner.save(record)

    def flush(self, timeout: float | None = None) -> bool:
        return bool(self._inner.flush(timeout))

    def detach(self) -> None:
        self.detached = True


class OwnedRunListener:
    """Keeps the run's ``run_owners`` row in step with its events (dispatcher thread)."""

    def __init__(
        self,
        engine: Engine,
        run_id: str,
        owner_id: str,
        channel: DatabaseCommandChannel,
        on_ended: Callable[[str, bool], None],
    ) -> None:
        self._engine = engine
        self.run_id = run_id
        self._owner_id = owner_id
        self.channel = channel
        self._on_ended = on_ended
        self.snapshot_stored = False
        self.detached = False

    def detach(self) -> None:
        """The owner lets go of the paused run: its row (and snapshot) stays when the run winds down."""
        self.detached = True
        self.channel.close()

    def __call__(self, event: EngineEvent) -> None:
        if self.detached and not isinstance(event, RunEndedEvent):
            return
        if isinstance(event, RunPausedEvent):
            self._safely(self._paused, event)
        elif isinstance(event, RunResumedEvent):
            if self.snapshot_stored:
                self._safely(self._resumed, event)
        elif isinstance(event, RunEndedEvent):
            self.channel.close()
            # a detached run keeps its row (and snapshot) for whoever resumes it
            self._on_ended(self.run_id, not self.detached)

    def _paused(self, event: RunPausedEvent) -> None:
        snapshot = event.snapshot or None  # a pause inside a container has no snapshot
        self.snapshot_stored = bool(snapshot) and run_owners.store_snapshot(
            self._engine, self.run_id, self._owner_id, snapshot
        )

    def _resumed(self, _event: RunResumedEvent) -> None:
        run_owners.store_snapshot(self._engine, self.run_id, self._owner_id, None)
        self.snapshot_stored = False

    def _safely(self, step: Callable[[Any], None], event: EngineEvent) -> None:
        try:
            step(event)
        except Exception as exc:  # a control write must never break the run
            log.warning("run %s: run_owners not updated on %s: %s", self.run_id, event.name, exc)
