"""Operator control wherever a run executes: terminate, pause, resume, each answered by a future.

``control.terminate(run_id, reason)`` returns a :class:`ControlFuture` at once.  Routing the
command to the run's owner (:mod:`engine.facade.owners`) and sending it happen on a small
shared pool (``CONTROL_THREADS``); its ``delivered`` future says to whom it went (or raises
UnknownRun / RunAlreadyEnded / RunTakenOver).  The future itself resolves with a
:class:`ControlOutcome` once the records verify the command (terminate: the run is final;
pause: paused or final; resume: no longer paused), or, after ``verify_timeout``, with what
they say then (``verified`` False).  Verification is one :class:`~engine.facade.verifier.Verifier`
thread for every pending command: no thread is held per command, and queries never wait for it.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from engine.control.errors import UnknownRun
from engine.control.local_control import LocalControl
from engine.facade.launching import Launcher, Listeners, Mocks
from engine.facade.owners import Owner, Owners
from engine.facade.queries import Queries
from engine.facade.remote_side import RemoteSide
from engine.facade.verifier import Verifier, resolve
from engine.lifecycle.records import NodeExecution, WorkflowExecution
from engine.run_handle import RunHandle
from engine.scheduler.commands import Command, PauseCommand, ResumeCommand, TerminateCommand
from engine.status import RUN_TERMINAL, RunStatus

CONTROL_THREADS = 2
VERIFY_TIMEOUT_S = 10.0
DEFAULT_REASON = "terminated by the operator"


@dataclass(frozen=True, slots=True)
class Delivery:
    """Where a command went: ``owner`` of the run; ``handle``: the run here (a resume here: the new one)."""

    run_id: str
    command: str  # "terminate" | "pause" | "resume"
    owner: Owner
    handle: RunHandle | None = None


@dataclass(frozen=True, slots=True)
class ControlOutcome:
    """What the records say after a command: verified, or as they stood when verifying gave up."""

    run_id: str
    command: str
    owner: Owner
    verified: bool
    run: WorkflowExecution | None
    nodes: list[NodeExecution] = field(default_factory=list)
    handle: RunHandle | None = None


class ControlFuture(Future[ControlOutcome]):
    """Resolves with the :class:`ControlOutcome`; ``delivered`` resolves first, with the :class:`Delivery`."""

    def __init__(self, run_id: str, command: str) -> None:
        super().__init__()
        self.run_id = run_id
        self.command = command
        self.delivered: Future[Delivery] = Future()


_VERIFIES: dict[str, Callable[[WorkflowExecution], bool]] = {
    "terminate": lambda run: run.status in RUN_TERMINAL,
    "pause": lambda run: run.status == RunStatus.PAUSED or run.status in RUN_TERMINAL,
    "resume": lambda run: run.status != RunStatus.PAUSED,
}


class Control:
    def __init__(
        self,
        owners: Owners,
        launcher: Launcher,
        queries: Queries,
        local: LocalControl | None,
        remote: RemoteSide,
        *,
        verify_timeout: float = VERIFY_TIMEOUT_S,
        threads: int = CONTROL_THREADS,
    ) -> None:
        self._owners = owners
        self._launcher = launcher
        self._queries = queries
        self._local = local
        self._remote = remote
        self.verify_timeout = verify_timeout
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="flowdeck-control")
        self._verifier = Verifier()
        launcher.live_runs.on_end(self._verifier.wake)  # a run here ended: check its records now

    # ------------------------------------------------------------ non-blocking
    def terminate(self, run_id: str, reason: str = DEFAULT_REASON) -> ControlFuture:
        """Stop the run wherever it executes; it ends ``terminated`` with ``reason``."""
        return self._submit(run_id, "terminate", lambda: self.deliver(run_id, TerminateCommand(reason)))

    def pause(self, run_id: str) -> ControlFuture:
        """Ask the run to pause: once its in-flight nodes finish it is ``paused`` (snapshot stored)."""
        return self._submit(run_id, "pause", lambda: self.deliver(run_id, PauseCommand()))

    def resume(
        self, run_id: str, *, mocks: Mocks = None, listeners: Listeners = None, **options: Any
    ) -> ControlFuture:
        """Resume a paused run: its live owner continues it, or, owner gone, this process does.

        ``mocks``, ``listeners`` and ``options`` apply only when the run continues here
        from its stored snapshot (the outcome's ``handle``).
        """
        return self._submit(
            run_id, "resume", lambda: self.deliver(run_id, ResumeCommand(), mocks, listeners, **options)
        )

    def ended(self, run_id: str, timeout: float) -> Future[WorkflowExecution]:
        """The run's record once final; TimeoutError after ``timeout``, UnknownRun if nobody knows it."""
        queries, owners = self._queries, self._owners

        def check() -> WorkflowExecution | None:
            record = queries.find_run(run_id)
            if record is not None and record.status in RUN_TERMINAL:
                return record
            if record is None and not owners.known(run_id):
                raise UnknownRun(f"no run {run_id}: neither running nor recorded")
            return None

        def timed_out() -> WorkflowExecution:
            record = queries.find_run(run_id)
            status = record.status if record is not None else "not recorded yet"
            raise TimeoutError(f"run {run_id} did not end within {timeout} s (it is {status})")

        return self._verifier.watch(check, timeout, timed_out)

    # ---------------------------------------------------------------- blocking
    def deliver(
        self,
        run_id: str,
        command: Command,
        mocks: Mocks = None,
        listeners: Listeners = None,
        **options: Any,
    ) -> Delivery:
        """Route ``command`` to the run's owner and send it, on the caller's thread (no verifying)."""
        route = self._owners.route(run_id)
        name = command.name
        if route.owner == "here":
            assert route.handle is not None
            route.handle.channel.send(command)
            return Delivery(run_id, name, "here", route.handle)
        if route.owner == "local":
            assert self._local is not None
            self._local.send(run_id, command)
        elif route.owner == "remote":
            self._remote.send(run_id, command)
        elif isinstance(command, TerminateCommand):
            assert self._local is not None and route.record is not None
            self._local.terminate_abandoned(route.record, command.reason)
        elif isinstance(command, ResumeCommand):
            assert route.record is not None
            handle = self._launcher.resume_here(route.record, mocks, listeners, **options)
            return Delivery(run_id, name, "gone", handle)
        else:
            raise UnknownRun(f"run {run_id} has no live owner to pause it (its process is gone)")
        return Delivery(run_id, name, route.owner)

    def sweep_orphans(self) -> list[str]:
        """Mark the running runs whose owner died; their ids."""
        swept = self._local.sweep() if self._local is not None else []
        return swept + self._remote.sweep()

    def close(self) -> None:
        """Stop verifying (pending futures are cancelled) and the control threads."""
        self._verifier.close()
        self._pool.shutdown(wait=False, cancel_futures=True)

    # ---------------------------------------------------------------- internals
    def _submit(self, run_id: str, command: str, send: Callable[[], Delivery]) -> ControlFuture:
        future = ControlFuture(run_id, command)

        def work() -> None:
            try:
                delivery = send()
            except BaseException as exc:
                resolve(future.delivered, exc=exc)
                resolve(future, exc=exc)
                return
            resolve(future.delivered, value=delivery)
            if not future.done():  # not cancelled by its caller meanwhile
                self._verify(future, delivery)

        self._pool.submit(work)
        return future

    def _verify(self, future: ControlFuture, delivery: Delivery) -> None:
        run_id, done = delivery.run_id, _VERIFIES[delivery.command]
        queries = self._queries

        def outcome(verified: bool, run: WorkflowExecution | None) -> ControlOutcome:
            nodes = queries.node_executions(run_id) if run is not None else []
            return ControlOutcome(
                run_id, delivery.command, delivery.owner, verified, run, nodes, delivery.handle
            )

        def check() -> ControlOutcome | None:
            run = queries.find_run(run_id)
            return outcome(True, run) if run is not None and done(run) else None

        self._verifier.watch(
            check, self.verify_timeout, lambda: outcome(False, queries.find_run(run_id)), future
        )
