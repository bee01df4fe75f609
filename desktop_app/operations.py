"""The operator's actions, through the facade's roles: ``runs`` (start, replay) and ``control``.

Each action reports what the records say afterwards, never what it hoped to do.
Control calls return at once with a future (``flowdeck.control``): the console holds no
thread while a command is verified.  The facade resolves the future on its own
verifier thread; the callback only emits a queued signal, so the outcome reaches
:meth:`Operations._on_outcome` in the GUI thread, which hands a terminate's run and node
records to :attr:`Operations.terminated` (the console shows what it verified: the run
ended ``terminated``, N nodes cancelled, none left running).

Starting and replaying still read files, the database or the broker, so they run on the
:class:`TaskRunner`'s pool, never on the GUI thread.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from desktop_app.formatting import short_id
from desktop_app.tasks import TaskRunner
from engine.api import ControlFuture, ControlOutcome, EngineEvent, Flowdeck, ReplayPlan, RunStatus, Workflow

_TITLES = {
    "terminate": "Could not terminate the run",
    "pause": "Could not pause the run",
    "resume": "Could not resume the run",
}


class Operations(QObject):
    started = Signal(str)  # run id of a run this console started (a run or a replay)
    terminated = Signal(object, list)  # the final run record, its node records
    done = Signal(str, str)  # level ("info" | "warning" | "error"), message
    failed = Signal(str, str)  # title, message
    _settled = Signal(object)  # a control future, resolved on the facade's thread (queued to the GUI's)

    def __init__(
        self,
        flowdeck: Flowdeck,
        tasks: TaskRunner,
        listener: Callable[[EngineEvent], None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.flowdeck = flowdeck
        self._tasks = tasks
        self._listener = listener
        self._settled.connect(self._on_outcome)

    # ----------------------------------------------------------------- start
    def start(
        self,
        workflow: Workflow | str | Path,
        inputs: Mapping[str, Any] | None = None,
        *,
        mocks: str | Path | Mapping[str, Any] | None = None,
        where: str = "here",
    ) -> None:
        runs, listener = self.flowdeck.runs, self._listener

        def start() -> str:
            # a run here feeds the bridge from its engine; a worker's run is followed from its
            # stream, from the first event, once selected (desktop_app/follower.py)
            options: dict[str, Any] = {"where": where} if where != "here" else {"listeners": [listener]}
            return runs.start(workflow, dict(inputs or {}), mocks=mocks, **options).run_id

        self._tasks.submit(start, self.started.emit, self._failure("Could not start the run"))

    # --------------------------------------------------------------- control
    def terminate(self, run_id: str, reason: str) -> None:
        self._follow(self.flowdeck.control.terminate(run_id, reason))

    def pause(self, run_id: str) -> None:
        future = self.flowdeck.control.pause(run_id)
        future.delivered.add_done_callback(lambda delivered: self._settled.emit(delivered))
        self._follow(future)

    def resume(self, run_id: str) -> None:
        # continued here, feeding the bridge, when its owner is gone
        self._follow(self.flowdeck.control.resume(run_id, listeners=[self._listener]))

    def _follow(self, future: ControlFuture) -> None:
        future.add_done_callback(self._settled.emit)  # on the facade's thread: a queued signal only

    @Slot(object)
    def _on_outcome(self, future: Future[Any]) -> None:
        """A control future (or a pause's delivery) resolved; in the GUI thread."""
        if isinstance(future, ControlFuture):
            exc = future.exception()
            if exc is not None:
                self.failed.emit(_TITLES[future.command], str(exc) or type(exc).__name__)
            else:
                self._report(future.result())
        elif future.exception() is None:  # a pause reached the run's owner: it pauses when nodes finish
            run_id = future.result().run_id
            self.done.emit("info", f"Pausing run {short_id(run_id)}: running nodes finish first")

    def _report(self, outcome: ControlOutcome) -> None:
        run, name = outcome.run, short_id(outcome.run_id)
        if outcome.command == "terminate":
            if run is None:
                self.failed.emit(_TITLES["terminate"], f"run {outcome.run_id} is not recorded")
            else:
                self.terminated.emit(run, list(outcome.nodes))
        elif outcome.command == "pause":
            if outcome.verified and run is not None and run.status == RunStatus.PAUSED:
                self.done.emit("info", f"Run {name} paused.")
            elif not outcome.verified:  # a long node: the run pauses once it finishes
                status = run.status if run is not None else "not recorded"
                self.done.emit("info", f"Run {name} is still {status}: it pauses when its nodes finish.")
        elif outcome.verified:
            self.done.emit("info", f"Run {name} resumed.")
        else:
            self.done.emit("warning", f"Run {name} is still paused after the resume was asked.")

    # ---------------------------------------------------------------- replay
    def replay(self, run_id: str, mode: str, inputs: Mapping[str, Any] | None = None) -> None:
        runs, listener = self.flowdeck.runs, self._listener
        edited = dict(inputs) if inputs is not None else None

        def replay() -> str:
            return runs.replay(run_id, mode, inputs=edited, listeners=[listener]).run_id  # type: ignore[arg-type]

        self._tasks.submit(replay, self.started.emit, self._failure("Could not replay the run"))

    def plan(self, run_id: str, mode: str) -> ReplayPlan:
        """The replay plan (a database read: call it from a task)."""
        return self.flowdeck.queries.replay_plan(run_id, mode)  # type: ignore[arg-type]

    def _failure(self, title: str) -> Callable[[BaseException], None]:
        return lambda exc: self.failed.emit(title, str(exc) or type(exc).__name__)
