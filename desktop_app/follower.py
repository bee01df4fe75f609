"""Follow the selected run, wherever it executes, and tell the views what changed.

- A run of this process: its handle's history first, then the bridge's live batches
  (the cycle manager inside :class:`RunState` ignores events it has already seen).
- A run on a Celery worker: its records first, then its Redis Stream (``Flowdeck.watch``,
  on a thread that only hands events to the bridge), so it is as live as a local one.
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
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from desktop_app.run_state import RunState
from desktop_app.tasks import TaskRunner
from engine.events import EngineEvent
from engine.graph import Workflow
from engine.lifecycle.records import NodeExecution, WorkflowExecution
from engine.run import RunHandle
from engine.service import Flowdeck, UnknownRun

REMOTE_TRIGGER = "remote-run"  # engine.remote.service_support.REMOTE_TRIGGER (not imported: Redis, Celery)

log = logging.getLogger(__name__)


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
        self._streams: dict[str, threading.Event] = {}  # run id -> stop flag of its stream thread
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
        for other, flag in list(self._streams.items()):
            if other != run_id:
                flag.set()  # its thread ends at its next event
        self.state = RunState(run_id) if run_id else None
        if not run_id:
            self.changed.emit("", [])
            return
        try:
            handle = self._flowdeck.handle(run_id)
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
        flowdeck = self._flowdeck

        def read() -> tuple[WorkflowExecution, list[NodeExecution], Workflow | None]:
            run = flowdeck.get_run(run_id)
            workflow = flowdeck.workflow_of(run) if first else None
            return run, flowdeck.node_executions(run_id), workflow

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
        if not run.is_final and run.triggered_from == REMOTE_TRIGGER:
            self._watch_stream(run_id)
        changed = state.apply_records(run, records)
        if first and state.workflow is not None:
            self.loaded.emit(run_id)
            changed = set(state.nodes)
        self.changed.emit(run_id, sorted(changed))
        if run.is_final:
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
        if self._listener is None or run_id in self._streams:
            return
        stop = self._streams[run_id] = threading.Event()
        flowdeck, listener = self._flowdeck, self._listener

        def follow() -> None:
            try:
                for event in flowdeck.watch(run_id):
                    if stop.is_set():
                        return
                    listener(event)
            except Exception as exc:  # no broker, an unknown stream: the records still tell
                log.warning("events of run %s not followed: %s", run_id, exc)
            finally:
                self._streams.pop(run_id, None)

        threading.Thread(target=follow, name=f"flowdeck-watch-{run_id[:8]}", daemon=True).start()

    def stop(self) -> None:
        self._timer.stop()
        for flag in list(self._streams.values()):
            flag.set()
