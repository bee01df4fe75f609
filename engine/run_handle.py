"""A run in progress on a thread of its own: :class:`RunHandle` (events, control, waiting)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from typing import Any

from engine.events import (
    RUN_STATUS_OF_EVENT,
    EngineEvent,
    NodeStreamChunkEvent,
    RunEndedEvent,
    RunPausedEvent,
    RunResumedEvent,
)
from engine.graph import Workflow
from engine.lifecycle.cycle_manager import WorkflowCycleManager
from engine.run_result import RunResult, result_from_terminal
from engine.scheduler.commands import CommandChannel, CommandSender
from engine.scheduler.engine import GraphEngine
from engine.status import RunStatus

FLUSH_TIMEOUT_S = 30.0
log = logging.getLogger(__name__)


class RunHandle(CommandSender):
    """A run in progress, on a thread of its own."""

    def __init__(
        self, engine: GraphEngine, manager: WorkflowCycleManager, *, synchronous: bool = True
    ) -> None:
        self._engine = engine
        self._manager = manager
        self._synchronous = synchronous
        self.run_id = engine.run_id
        self.channel: CommandChannel = engine.channel
        self._events: list[EngineEvent] = []
        self._stream: list[str] = []
        self._cond = threading.Condition()
        self._watchers = 0  # event iterators waiting: only then is a new event announced
        self._done = threading.Event()
        self._ended: RunEndedEvent | None = None
        self._paused: RunPausedEvent | None = None
        self._result: RunResult | None = None
        self._on_done: list[Callable[[RunHandle], None]] = []
        engine.add_listener(self._on_event)
        self._thread = threading.Thread(target=self._run, name=f"flowdeck-run-{self.run_id[:8]}", daemon=True)

    def _start(self) -> RunHandle:
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            self._engine.run_to_end()
        finally:
            # a synchronous store has the records in the database when the run returns;
            # asynchronous ones (Celery) keep delivering after it, fire-and-forget
            if self._synchronous and not self._manager.flush(FLUSH_TIMEOUT_S):
                log.warning(
                    "run %s: the run records were not all stored within %s s", self.run_id, FLUSH_TIMEOUT_S
                )
            with self._cond:
                self._result = self._build_result()
                self._done.set()
                self._cond.notify_all()
                callbacks, self._on_done = self._on_done, []
            for callback in callbacks:
                self._call(callback)

    def add_done_callback(self, callback: Callable[[RunHandle], None]) -> None:
        """Call ``callback(handle)`` once the run ended and its result is built (at once if it has)."""
        with self._cond:
            if not self._done.is_set():
                self._on_done.append(callback)
                return
        self._call(callback)

    def _call(self, callback: Callable[[RunHandle], None]) -> None:
        try:
            callback(self)
        except Exception:  # a follower that raises never breaks the run's end
            log.exception("run %s: a done callback failed", self.run_id)

    def _on_event(self, event: EngineEvent) -> None:
        self._manager.handle(event)
        if isinstance(event, NodeStreamChunkEvent):
            self._stream.append(event.chunk)
        self._events.append(event)  # list.append is atomic; readers take len() under the lock
        if isinstance(event, RunEndedEvent):
            self._ended = event
        elif isinstance(event, RunPausedEvent):
            self._paused = event
        elif self._paused is not None and isinstance(event, RunResumedEvent):
            self._paused = None
        else:
            if not self._watchers:
                return
        with self._cond:
            self._cond.notify_all()

    # ------------------------------------------------------------ watching
    @property
    def workflow(self) -> Workflow:
        """The workflow this run executes."""
        return self._engine.workflow

    @property
    def status(self) -> RunStatus:
        with self._cond:
            if self._ended is not None:
                return RunStatus(RUN_STATUS_OF_EVENT[type(self._ended)])
            return RunStatus.PAUSED if self._paused is not None else RunStatus.RUNNING

    def events(self, timeout: float | None = None) -> Iterator[EngineEvent]:
        """Every event of the run from the first, live; ends after the terminal one."""
        index = 0
        while True:
            with self._cond:
                while index >= len(self._events):
                    if self._result is not None:
                        return
                    self._watchers += 1
                    try:
                        woke = self._cond.wait(timeout)
                    finally:
                        self._watchers -= 1
                    if not woke:
                        raise TimeoutError(f"no event from run {self.run_id} within {timeout} s")
                batch = self._events[index:]
            index += len(batch)
            yield from batch

    def history(self) -> list[EngineEvent]:
        """The events so far (does not wait)."""
        with self._cond:
            return list(self._events)

    def wait_paused(self, timeout: float | None = None) -> dict[str, Any]:
        """Block until the run is paused; returns its snapshot."""
        with self._cond:
            self._watchers += 1
            try:
                paused = self._cond.wait_for(
                    lambda: self._paused is not None or self._result is not None, timeout
                )
            finally:
                self._watchers -= 1
            if not paused:
                raise TimeoutError(f"run {self.run_id} did not pause within {timeout} s")
            if self._paused is None:
                raise RuntimeError(f"run {self.run_id} ended before it paused")
            return self._paused.snapshot

    def wait(self, timeout: float | None = None) -> RunResult:
        if not self._done.wait(timeout):
            raise TimeoutError(f"run {self.run_id} did not end within {timeout} s")
        assert self._result is not None
        return self._result

    def _build_result(self) -> RunResult:
        return result_from_terminal(self.run_id, self._ended, self._manager, "".join(self._stream))
