"""The operator's actions, carried out off the GUI thread through the facade.

Each action reports what the records say afterwards, never what it hoped to do:
``terminate`` waits (off-thread, bounded) for the run's record to become final and then
hands the run and its node records to :attr:`Operations.terminated`, so the console can
show what it verified (the run ended ``terminated``, N nodes cancelled, none left running).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from desktop_app.tasks import TaskRunner
from engine.api import EngineEvent, Flowdeck, NodeExecution, ReplayPlan, Workflow, WorkflowExecution

VERIFY_TIMEOUT_S = 10.0


class Operations(QObject):
    started = Signal(str)  # run id of a run this console started (a run or a replay)
    terminated = Signal(object, list)  # the final run record, its node records
    done = Signal(str, str)  # level ("info" | "warning" | "error"), message
    failed = Signal(str, str)  # title, message

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

    # ----------------------------------------------------------------- start
    def start(
        self,
        workflow: Workflow | str | Path,
        inputs: Mapping[str, Any] | None = None,
        *,
        mocks: str | Path | Mapping[str, Any] | None = None,
        where: str = "here",
    ) -> None:
        flowdeck, listener = self.flowdeck, self._listener

        def start() -> str:
            # a run here feeds the bridge from its engine; a worker's run is followed from its
            # stream, from the first event, once selected (desktop_app/follower.py)
            options: dict[str, Any] = {"where": where} if where != "here" else {"listeners": [listener]}
            handle = flowdeck.start(workflow, dict(inputs or {}), mocks=mocks, **options)
            return handle.run_id

        self._tasks.submit(start, self.started.emit, self._failure("Could not start the run"))

    # --------------------------------------------------------------- control
    def terminate(self, run_id: str, reason: str) -> None:
        flowdeck = self.flowdeck

        def terminate() -> tuple[WorkflowExecution, list[NodeExecution]]:
            flowdeck.terminate(run_id, reason)
            return _wait_final(flowdeck, run_id), flowdeck.node_executions(run_id)

        self._tasks.submit(
            terminate,
            lambda r: self.terminated.emit(r[0], r[1]),
            self._failure("Could not terminate the run"),
        )

    def pause(self, run_id: str) -> None:
        self._tasks.submit(
            lambda: self.flowdeck.pause(run_id),
            lambda _: self.done.emit("info", f"Pausing run {run_id[:8]}: running nodes finish first"),
            self._failure("Could not pause the run"),
        )

    def resume(self, run_id: str) -> None:
        listener = self._listener

        def resume() -> None:
            self.flowdeck.resume(run_id, listeners=[listener])  # continued here when its owner is gone

        self._tasks.submit(
            resume,
            lambda _: self.done.emit("info", f"Run {run_id[:8]} resumed."),
            self._failure("Could not resume the run"),
        )

    # ---------------------------------------------------------------- replay
    def replay(self, run_id: str, mode: str, inputs: Mapping[str, Any] | None = None) -> None:
        flowdeck, listener = self.flowdeck, self._listener

        def replay() -> str:
            return flowdeck.replay(
                run_id, mode=mode, inputs=dict(inputs) if inputs is not None else None, listeners=[listener]
            ).run_id

        self._tasks.submit(replay, self.started.emit, self._failure("Could not replay the run"))

    def _failure(self, title: str) -> Callable[[BaseException], None]:
        return lambda exc: self.failed.emit(title, str(exc) or type(exc).__name__)

    def plan(self, run_id: str, mode: str) -> ReplayPlan:
        """The replay plan (blocking: call it from a task)."""
        return self.flowdeck.replay_plan(run_id, mode)  # type: ignore[arg-type]


def _wait_final(flowdeck: Flowdeck, run_id: str, timeout: float = VERIFY_TIMEOUT_S) -> WorkflowExecution:
    """The run's record once final (or as it stands after ``timeout``)."""
    try:
        return flowdeck.wait_for_end(run_id, timeout)
    except TimeoutError:
        return flowdeck.get_run(run_id)
