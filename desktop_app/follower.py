"""Follow the selected run, wherever it executes, and tell the views what changed.

- A run of this process: its handle's history first, then the bridge's live batches
  (the cycle manager inside :class:`RunState` ignores events it has already seen).
- A run on a Celery worker: its records first, then its Redis Stream (``Flowdeck.watch``,
  on a thread that only hands events to the bridge's thread-safe queue and sets its own
  flags), so it is as live as a local one.  The GUI thread alone owns the table of
  streams: it starts them, asks them to stop and forgets those that ended.
- Any other run (another ``flowdeck run`` on the same database, a finished run): its
  records, re-read off the GUI thread every ``poll_ms`` until the run is final.

:attr:`RunFollower.changed` carries the ids of the nodes whose view changed (an empty
list when only the run record moved); :attr:`RunFollower.loaded` fires once the run's
workflow is known (the canvas lays it out then).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from desktop_app.run_state import RunState
from desktop_app.states import run_final
from desktop_app.tasks import TaskRunner
from engine.api import (
    REMOTE_TRIGGER,
    EngineEvent,
    Flowdeck,
    NodeExecution,
    RunHandle,
    UnknownRun,
    Workflow,
    WorkflowExecution,
)

log = logging.getLogger(__name__)


@dataclass(slots=True)
class _Stream:
    """One watch thread's flags: the GUI thread sets ``stop``, the thread sets ``ended``."""

    stop: threading.Event = field(default_factory=threading.Event)
    ended: threading.Event = field(default_factory=threading.Event)

    @property
    def alive(self) -> bool:
        return not self.stop.is_set() and not self.ended.is_set()


class RunFollower(QObject):
    loaded = Signal(str)  # run id: state.workflow and state.run are set
    changed = Signal(str, list)  # run id, node ids whose view changed
    failed = Signal(str, str)  # run id, what went wrong reading it

    def __init__(
        self,
        flowdeck: Flowdeck,
        tasks: TaskRunner,
        parent: QObject | None = None,
        *,
        poll_ms: int = 400,
        listener: Callable[[EngineEvent], None] | None = None,
    ) -> None:
        super().__init__(parent)
        self._flowdeck = flowdeck
        self._tasks = tasks
        self._listener = listener  # the bridge's: where a watched stream's events go
        # run id -> its stream thread's flags; read and written by the GUI thread only
        self._streams: dict[str, _Stream] = {}
        self.state: RunState | None = None
        self._live = False  # fed by the bridge
        self._timer = QTimer(self)
        self._timer.setInterval(poll_ms)
        self._timer.timeout.connect(self._poll)
        self._reading = False

    @property
    def run_id(self) -> str:
        return self.state.run_id if self.state is not None else ""

    @property
    def live(self) -> bool:
        return self._live

    def follow(self, run_id: str) -> None:
        """Show ``run_id`` (``""``: nothing)."""
        self._timer.stop()
        self._live = False
        for other, stream in self._streams.items():
            if other != run_id:
                stream.stop.set()  # its thread ends at its next event
        self._forget_ended()
        self.state = RunState(run_id) if run_id else None
        if not run_id:
            self.changed.emit("", [])
            return
        try:
            handle = self._flowdeck.runs.handle(run_id)
        except UnknownRun:
            handle = None
        if isinstance(handle, RunHandle):  # in this process: its events, live
            self._live = True
            self.state.workflow = handle.workflow
            self.state.apply_events(handle.history())
            self.loaded.emit(run_id)
            self.changed.emit(run_id, list(self.state.nodes))
            return
        self._read(first=True)

    def reload(self) -> None:
        """Re-read the records now (F5)."""
        if self.state is not None and not self._live:
            self._read(first=self.state.workflow is None)

    @Slot(str, list)
    def on_batch(self, run_id: str, events: list[EngineEvent]) -> None:
        state = self.state
        if state is None or run_id != state.run_id:
            return
        if not self._live:
            # a run this process started while another was selected, now selected: the
            # records catch up by polling; live events need the workflow to fold them
            if state.workflow is None:
                return
            self._live = True
            self._timer.stop()
        changed = state.apply_events(events)
        self.changed.emit(run_id, sorted(changed))

    # ------------------------------------------------------------ records
    def _read(self, *, first: bool) -> None:
        state = self.state
        if state is None or self._reading:
            return
        run_id = state.run_id
        self._reading = True
        queries = self._flowdeck.queries

        def read() -> tuple[WorkflowExecution, list[NodeExecution], Workflow | None]:
            run = queries.get_run(run_id)
            workflow = queries.workflow_of(run) if first else None
            return run, queries.node_executions(run_id), workflow

        self._tasks.submit(read, lambda r: self._on_read(run_id, r), lambda e: self._on_error(run_id, e))

    def _on_read(self, run_id: str, result: tuple[Any, Any, Any]) -> None:
        self._reading = False
        state = self.state
        if state is None or state.run_id != run_id or self._live:
            return
        run, records, workflow = result
        first = state.workflow is None
        if workflow is not None:
            state.workflow = workflow
        if not run_final(run) and run.triggered_from == REMOTE_TRIGGER:
            self._watch_stream(run_id)
        changed = state.apply_records(run, records)
        if first and state.workflow is not None:
            self.loaded.emit(run_id)
            changed = set(state.nodes)
        self.changed.emit(run_id, sorted(changed))
        if run_final(run):
            self._timer.stop()
        elif not self._timer.isActive():
            self._timer.start()

    def _on_error(self, run_id: str, exc: BaseException) -> None:
        self._reading = False
        if self.state is not None and self.state.run_id == run_id:
            log.warning("reading run %s failed: %s", run_id, exc)
            self.failed.emit(run_id, str(exc) or type(exc).__name__)
            if not self._timer.isActive():
                self._timer.start()  # try again: the database may come back

    @Slot()
    def _poll(self) -> None:
        self._read(first=self.state is not None and self.state.workflow is None)

    def _watch_stream(self, run_id: str) -> None:
        """Follow a worker's run through its event stream (records keep being polled until it flows)."""
        self._forget_ended()
        known = self._streams.get(run_id)
        if self._listener is None or (known is not None and known.alive):
            return
        # a stream asked to stop (another run was selected meanwhile) or ended: a new one
        stream = self._streams[run_id] = _Stream()
        runs, listener = self._flowdeck.runs, self._listener

        def follow() -> None:  # on the watch thread: touches only the listener and its own flags
            try:
                for event in runs.watch(run_id):
                    if stream.stop.is_set():
                        return
                    listener(event)
            except Exception as exc:  # no broker, an unknown stream: the records still tell
                log.warning("events of run %s not followed: %s", run_id, exc)
            finally:
                stream.ended.set()

        threading.Thread(target=follow, name=f"flowdeck-watch-{run_id[:8]}", daemon=True).start()

    def _forget_ended(self) -> None:
        """Drop the streams whose thread has ended (GUI thread)."""
        for run_id in [r for r, stream in self._streams.items() if stream.ended.is_set()]:
            del self._streams[run_id]

    def streaming(self, run_id: str) -> bool:
        """A watch thread is following ``run_id``'s stream now."""
        stream = self._streams.get(run_id)
        return stream is not None and stream.alive

    def stop(self) -> None:
        self._timer.stop()
        for stream in self._streams.values():
            stream.stop.set()
