"""Flowdeck: the one facade the console and the CLI use.

It owns the settings, the run-record repositories and the live run handles:
start, terminate, pause, resume, replay, list and watch.  Everything it
returns is an engine dataclass; nothing here imports Qt, and no call blocks
on a run (the console calls it from worker threads anyway for database
reads).

Operator control reaches a run wherever it executes.  Each control call asks
:meth:`Flowdeck._owner_of` who owns the run and dispatches on the answer:

- ``"here"``: this Flowdeck started it: its handle;
- ``"local"``: another live process on the same database: a row in
  ``run_commands`` its owner polls (``engine.persistence.sql.command_channel``);
- ``"remote"``: a Celery worker: the Redis command channel (the ``_remote``
  section below; filled in by the remote side);
- ``"gone"``: the owner died or let go: the records are ended directly, and a
  paused run with a stored snapshot is continued in this process.

With a SQL store every run started here claims a ``run_owners`` row; one
background thread per Flowdeck (:class:`~engine.control.keeper.ControlKeeper`,
started lazily, stopped by :meth:`Flowdeck.close`) beats for all of them and
sweeps runs whose owner died.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import Engine

from engine.control.errors import RunAlreadyEnded, RunTakenOver, UnknownRun
from engine.control.local_control import LocalControl
from engine.control.owned_run import RecordGate
from engine.dsl import load_workflow
from engine.events import EngineEvent
from engine.graph import Workflow
from engine.lifecycle.records import NodeExecution, WorkflowExecution
from engine.lifecycle.statuses import TERMINAL_RUN_STATUSES, is_final
from engine.persistence.protocols import DurationPoint, RunPage, RunQuery, RunSummaries
from engine.replay import ReplayMode, ReplayPlan, check_mode, plan_replay, replay_chain, replay_workflow
from engine.run import RunHandle, WorkflowSource, start_workflow
from engine.scheduler.commands import Command, PauseCommand, ResumeCommand, TerminateCommand
from engine.settings import Settings

Owner = Literal["here", "local", "remote", "gone"]
log = logging.getLogger(__name__)
WAIT_POLL_S = 0.1

__all__ = ["Flowdeck", "RunAlreadyEnded", "RunTakenOver", "UnknownRun", "sql_engine_of"]


def sql_engine_of(repositories: Any) -> Engine | None:
    """The SQLAlchemy engine behind ``repositories`` (sync store, or the reader of Celery ones).

    None for an in-memory SQLite database: no other process can share it, and its
    one connection must not carry the control thread's transactions too.
    """
    for repo in (getattr(repositories, "executions", None), getattr(repositories, "node_executions", None)):
        for candidate in (repo, getattr(repo, "_reader", None)):
            engine = getattr(candidate, "engine", None)
            if isinstance(engine, Engine):
                url = engine.url
                memory = url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")
                return None if memory else engine
    return None


class Flowdeck:
    def __init__(self, settings: Settings | None = None, *, repositories: Any = None) -> None:
        self.settings = settings or Settings()
        if repositories is None:
            from engine.persistence.factory import build_repositories

            repositories = build_repositories(self.settings)
        self.repositories = repositories
        db = sql_engine_of(repositories)
        # runs recorded in a SQL database are owned there (commands, heartbeat, snapshots)
        self._local = LocalControl(db) if db is not None else None
        self._handles: dict[str, RunHandle] = {}
        self._workflows: dict[str, Workflow] = {}
        self._lock = threading.Lock()
        self._closed = False
        self._remote_runs: Any = None  # engine.remote.service_support.RemoteRuns, built on first use
        if self.settings.celery.backend == "remote":
            self._remote_side()  # a console of the remote backend sweeps orphaned worker runs

    @property
    def local_control(self) -> LocalControl | None:
        """Run ownership in the SQL database (None when the records are not in one)."""
        return self._local

    # ------------------------------------------------------------- running
    def start(
        self,
        workflow: WorkflowSource,
        inputs: Mapping[str, Any] | None = None,
        system: Mapping[str, Any] | None = None,
        mocks: Mapping[str, Any] | str | Path | None = None,
        *,
        where: Literal["here", "worker"] = "here",
        listeners: list[Callable[[EngineEvent], None]] | None = None,
        **options: Any,
    ) -> Any:
        """Start a run: ``where="here"`` in this process (a :class:`RunHandle`), ``"worker"`` on Celery."""
        wf = self._remember(load_workflow(workflow))
        if where == "worker":
            return self._remote_start(wf, inputs, system, mocks, listeners=listeners, **options)
        if where != "here":
            raise ValueError(f"start(where={where!r}): expected 'here' or 'worker'")

        def begin(**wiring: Any) -> RunHandle:
            return start_workflow(wf, inputs, system, mocks, **options, **wiring)

        return self._launch(begin, listeners)

    def handle(self, run_id: str) -> RunHandle:
        with self._lock:
            handle = self._handles.get(run_id)
        if handle is None:
            raise UnknownRun(f"run {run_id} is not running in this process")
        return handle

    # ------------------------------------------------------------- control
    def terminate(self, run_id: str, reason: str = "terminated by the operator") -> None:
        """Stop the run wherever it executes; it ends ``terminated`` with ``reason``."""
        owner, handle, record = self._owner_of(run_id)
        if owner == "here":
            handle.terminate(reason)  # type: ignore[union-attr]
        elif owner == "local":
            self._local.send(run_id, TerminateCommand(reason))  # type: ignore[union-attr]
        elif owner == "remote":
            self._remote_send(run_id, TerminateCommand(reason))
        else:
            self._local.terminate_abandoned(record, reason)  # type: ignore[union-attr,arg-type]

    def pause(self, run_id: str) -> None:
        """Ask the run to pause: once its in-flight nodes finish it is ``paused`` (snapshot stored)."""
        owner, handle, _record = self._owner_of(run_id)
        if owner == "here":
            handle.pause()  # type: ignore[union-attr]
        elif owner == "local":
            self._local.send(run_id, PauseCommand())  # type: ignore[union-attr]
        elif owner == "remote":
            self._remote_send(run_id, PauseCommand())
        else:
            raise UnknownRun(f"run {run_id} has no live owner to pause it (its process is gone)")

    def resume(
        self,
        run_id: str,
        *,
        mocks: Mapping[str, Any] | str | Path | None = None,
        listeners: list[Callable[[EngineEvent], None]] | None = None,
        **options: Any,
    ) -> RunHandle | None:
        """Resume a paused run: its live owner continues it (None), or, owner gone, this process does.

        ``mocks``, ``listeners`` and ``options`` apply only when the run continues
        here from its stored snapshot (mocks are not part of a snapshot).
        """
        owner, handle, record = self._owner_of(run_id)
        if owner == "here":
            handle.resume()  # type: ignore[union-attr]
            return handle
        if owner == "local":
            self._local.send(run_id, ResumeCommand())  # type: ignore[union-attr]
            return None
        if owner == "remote":
            self._remote_send(run_id, ResumeCommand())
            return None
        snapshot = self._remote_paused_snapshot(run_id, record)  # a worker run whose worker died paused
        if snapshot is not None:
            return self._resume_remote_here(run_id, record, snapshot, mocks, listeners, **options)
        return self._resume_here(run_id, record, mocks=mocks, listeners=listeners, **options)

    def watch(self, run_id: str, timeout: float | None = None) -> Iterator[EngineEvent]:
        """The run's events from the first, live (a run of this process, or a remote one)."""
        with self._lock:
            handle = self._handles.get(run_id)
        if handle is not None:
            return handle.events(timeout)
        remote = self._remote_watch(run_id, timeout)
        if remote is not None:
            return remote
        raise UnknownRun(
            f"run {run_id} does not run in this process nor on a worker: its events are not streamed "
            "here (read its records)"
        )

    def sweep_orphans(self) -> list[str]:
        """Mark the running runs whose owner died ``failed`` ("interrupted: ..."); their ids."""
        swept = self._local.sweep() if self._local is not None else []
        return swept + self._remote_sweep()

    def wait_for_end(self, run_id: str, timeout: float) -> WorkflowExecution:
        """The run's record once it is final (polls the records); TimeoutError after ``timeout``."""
        deadline = time.monotonic() + timeout
        with self._lock:
            handle = self._handles.get(run_id)
        if handle is not None:
            handle.wait(timeout)  # a synchronous store has written the records when it returns
        while True:
            record = self.repositories.executions.get_run(run_id)
            if record is not None and record.status in TERMINAL_RUN_STATUSES:
                return record
            known = handle is not None or (self._local is not None and self._local.has_owner_row(run_id))
            known = known or self._remote_knows(run_id)  # a worker's run, not recorded yet
            if record is None and not known:
                raise UnknownRun(f"no run {run_id}: neither running nor recorded")
            left = deadline - time.monotonic()
            if left <= 0:
                status = record.status if record is not None else "not recorded yet"
                raise TimeoutError(f"run {run_id} did not end within {timeout} s (it is {status})")
            time.sleep(min(WAIT_POLL_S, left))

    # -------------------------------------------------------------- replay
    def replay_plan(self, run_id: str, mode: ReplayMode = "from-failure") -> ReplayPlan:
        """Which nodes a replay of ``run_id`` reuses and which run, and the time and tokens saved."""
        run = self.get_run(run_id)
        return plan_replay(self._workflow_of(run), self.node_executions(run_id), check_mode(mode))

    def plan_replay(self, run_id: str, mode: ReplayMode = "from-failure") -> ReplayPlan:
        """The old name of :meth:`replay_plan`."""
        return self.replay_plan(run_id, mode)

    def replay(
        self,
        run_id: str,
        mode: ReplayMode = "rerun",
        inputs: Mapping[str, Any] | None = None,
        mocks: Mapping[str, Any] | None = None,
        *,
        from_failure: bool | None = None,
        listeners: list[Callable[[EngineEvent], None]] | None = None,
        **options: Any,
    ) -> RunHandle:
        """Start a replay of ``run_id`` here, linked by ``replay_of`` (``from_failure=``: old spelling)."""
        if from_failure is not None:
            mode = "from-failure" if from_failure else "rerun"
        check_mode(mode)
        run = self.get_run(run_id)
        wf = self._workflow_of(run)
        nodes = self.node_executions(run_id) if mode == "from-failure" else []

        def begin(**wiring: Any) -> RunHandle:
            return replay_workflow(
                wf,
                run,
                nodes,
                from_failure=mode == "from-failure",
                inputs=inputs,
                mocks=mocks,
                **options,
                **wiring,
            )

        return self._launch(begin, listeners)

    def replay_chain(self, run_id: str) -> list[WorkflowExecution]:
        """The original of ``run_id`` and every replay of it, transitively, oldest first."""
        return replay_chain(self.get_run(run_id), self.repositories.executions.get_run, self._replays_of)

    # --------------------------------------------------------------- reads
    def list_runs(self, query: RunQuery | None = None) -> RunPage:
        if self._local is not None:
            self._local.keeper()  # a console that only watches still sweeps orphans
        return self.repositories.executions.list_runs(query or RunQuery())

    def workflow_names(self) -> list[str]:
        """Distinct workflow names of the recorded runs (the console's workflow filter)."""
        return self._summaries().workflow_names()

    def status_counts(self, query: RunQuery | None = None) -> dict[str, int]:
        """Runs per status among those ``query`` matches, its status filter ignored (one read)."""
        return self._summaries().status_counts(query or RunQuery())

    def _summaries(self) -> RunSummaries:
        executions = self.repositories.executions
        if not isinstance(executions, RunSummaries):
            raise TypeError(f"the run records ({type(executions).__name__}) offer no summaries")
        return executions

    def get_run(self, run_id: str) -> WorkflowExecution:
        run = self.repositories.executions.get_run(run_id)
        if run is None:
            raise UnknownRun(f"no recorded run {run_id}")
        return run

    def node_executions(self, run_id: str) -> list[NodeExecution]:
        return self.repositories.node_executions.get_node_executions(run_id)

    def duration_history(self, workflow_id: str, limit: int = 200) -> list[DurationPoint]:
        return self.repositories.executions.duration_history(workflow_id, limit)

    def workflow_of(self, run: WorkflowExecution) -> Workflow:
        """The workflow a recorded run executed (from its graph snapshot; cached per graph)."""
        return self._workflow_of(run)

    def close(self, timeout: float = 10.0) -> None:
        """Stop the control thread; terminate this process's running runs, leave paused ones resumable.

        A paused run whose snapshot is stored is let go: its record stays ``paused``
        and another Flowdeck can :meth:`resume` it.  Other live runs are terminated.
        """
        with self._lock:
            self._closed = True
            handles = list(self._handles.values())
        let_go: list[str] = []
        for handle in handles:
            if handle.status == "paused" and self._local is not None and self._local.let_go(handle.run_id):
                let_go.append(handle.run_id)
                handle.terminate("the application is closing (the paused run stays resumable)")
            elif handle.status in ("running", "paused"):
                handle.terminate("the application is closing")
        for handle in handles:
            handle.wait(timeout) if handle.status in ("running", "paused") else None
        if self._local is not None:
            self._local.close(let_go)
        if self._remote_runs is not None:
            self._remote_runs.close()
        self.repositories.close(timeout) if hasattr(self.repositories, "close") else None

    # ---------------------------------------------------------- internals
    def _launch(
        self,
        begin: Callable[..., RunHandle],
        listeners: list[Callable[[EngineEvent], None]] | None,
        *,
        run_id: str | None = None,
        original: WorkflowExecution | None = None,
        claimed: bool = False,
    ) -> RunHandle:
        """Start a run here through ``begin(**wiring)``, owned in the database when there is one."""
        if self._closed:
            raise RuntimeError("this Flowdeck is closed")
        run_id = run_id or uuid.uuid4().hex
        repos = self.repositories
        gates = [RecordGate(repos.executions, original=original)]
        if repos.node_executions is not repos.executions:
            gates.append(RecordGate(repos.node_executions))
        wiring: dict[str, Any] = {
            "settings": self.settings,
            "run_id": run_id,
            "execution_repository": gates[0],
            "node_execution_repository": gates[-1],
        }
        all_listeners = list(listeners or [])
        if self._local is not None:
            owned = self._local.adopt(run_id, gates, claimed=claimed)
            all_listeners.insert(0, owned["listener"])  # before the records: the snapshot is stored first
            wiring["channel"] = owned["channel"]
        try:
            handle = begin(listeners=all_listeners, **wiring)
        except Exception:
            if self._local is not None:
                self._local.abandon(run_id)
            raise
        with self._lock:
            self._handles[run_id] = handle
        return handle

    def _owner_of(self, run_id: str) -> tuple[Owner, RunHandle | None, WorkflowExecution | None]:
        """Who owns the run; RunAlreadyEnded if it ended, UnknownRun if nobody knows it."""
        with self._lock:
            handle = self._handles.get(run_id)
        if handle is not None:
            status = handle.status
            if is_final(status):
                raise RunAlreadyEnded(f"run {run_id} already ended {status}")
            return "here", handle, None
        record = self.repositories.executions.get_run(run_id)
        if record is not None and record.status in TERMINAL_RUN_STATUSES:
            raise RunAlreadyEnded(f"run {run_id} already ended {record.status}")
        if self._local is not None and self._local.live_owner(run_id):
            return "local", None, record
        if self._remote_owns(run_id, record):
            return "remote", None, record
        if record is None:
            raise UnknownRun(f"no run {run_id}: neither running nor recorded")
        if self._local is None:
            raise UnknownRun(f"run {run_id} is not running in this process")
        return "gone", None, record

    def _resume_here(
        self,
        run_id: str,
        record: WorkflowExecution | None,
        *,
        mocks: Mapping[str, Any] | str | Path | None,
        listeners: list[Callable[[EngineEvent], None]] | None,
        **options: Any,
    ) -> RunHandle:
        """Continue a paused run whose owner is gone from its stored snapshot, same run id."""
        assert self._local is not None and record is not None
        snapshot = self._local.take_over_paused(record)
        return self._continue_here(record, snapshot, mocks, listeners, claimed=True, **options)

    def _continue_here(
        self,
        record: WorkflowExecution,
        snapshot: dict[str, Any],
        mocks: Mapping[str, Any] | str | Path | None,
        listeners: list[Callable[[EngineEvent], None]] | None,
        *,
        claimed: bool,
        **options: Any,
    ) -> RunHandle:
        """Start ``record``'s run again in this process from ``snapshot``, under its own run id."""
        workflow = self._workflow_of(record)

        def begin(**wiring: Any) -> RunHandle:
            return start_workflow(workflow, mocks=mocks, snapshot=snapshot, **options, **wiring)

        return self._launch(begin, listeners, run_id=record.id, original=record, claimed=claimed)

    def _replays_of(self, run_ids: list[str]) -> list[WorkflowExecution]:
        if self._local is not None:
            return self._local.replays_of(run_ids)
        wanted = set(run_ids)
        page = self.repositories.executions.list_runs(RunQuery(limit=10_000))
        return [r for r in page.items if r.replay_of in wanted]

    def _remember(self, workflow: Workflow) -> Workflow:
        with self._lock:
            return self._workflows.setdefault(workflow.graph_hash, workflow)

    def _workflow_of(self, run: WorkflowExecution) -> Workflow:
        with self._lock:
            known = self._workflows.get(run.graph_hash)
        if known is not None:
            return known
        if not run.graph:
            raise UnknownRun(f"run {run.id} has no graph snapshot to replay")
        return self._remember(load_workflow(run.graph))

    # ------------------------------------------------------------- _remote
    # Runs on Celery workers: engine.remote.service_support.RemoteRuns (Redis commands,
    # Redis Streams, heartbeats, orphan sweeps); imported on first use.
    def _remote_side(self) -> Any:
        with self._lock:
            if self._remote_runs is None:
                from engine.remote.service_support import RemoteRuns

                self._remote_runs = RemoteRuns(self.settings, self.repositories)
            return self._remote_runs

    def _remote_start(
        self,
        workflow: Workflow,
        inputs: Mapping[str, Any] | None,
        system: Mapping[str, Any] | None,
        mocks: Mapping[str, Any] | str | Path | None,
        *,
        listeners: list[Callable[[EngineEvent], None]] | None,
        **options: Any,
    ) -> Any:
        if self._closed:
            raise RuntimeError("this Flowdeck is closed")
        remote = self._remote_side()
        handle = remote.start(workflow, inputs, system, mocks, **options)
        if listeners:
            remote.follow(handle, list(listeners))
        return handle

    def _remote_owns(self, run_id: str, record: WorkflowExecution | None) -> bool:
        """The run executes on a Celery worker (its Redis heartbeat or stream knows it)."""
        from engine.remote.service_support import REMOTE_TRIGGER

        expected = record is not None and record.triggered_from == REMOTE_TRIGGER
        if record is not None and not expected and self._remote_runs is None:
            return False  # a local run, and this Flowdeck never used Redis
        state = self._remote_side().state(run_id, expected=expected)
        if state is None:
            return False
        if state.status in TERMINAL_RUN_STATUSES:
            raise RunAlreadyEnded(f"run {run_id} already ended {state.status}")
        return state.status in ("queued", "running", "paused")  # "interrupted": its owner is gone

    def _remote_send(self, run_id: str, command: Command) -> None:
        self._remote_side().send(run_id, command)

    def _remote_watch(self, run_id: str, timeout: float | None) -> Iterator[EngineEvent] | None:
        """The run's events from its Redis Stream, or None when it is not a remote run."""
        remote = self._remote_side()
        if remote.state(run_id) is None:
            return None
        return remote.watch(run_id, timeout)

    def _remote_knows(self, run_id: str) -> bool:
        """Redis has heard of the run (only asked once this Flowdeck has used Redis)."""
        return self._remote_runs is not None and self._remote_runs.state(run_id) is not None

    def _remote_paused_snapshot(self, run_id: str, record: WorkflowExecution | None) -> dict[str, Any] | None:
        """The snapshot of a paused worker run whose worker died (from its stream); else None."""
        from engine.remote.service_support import REMOTE_TRIGGER

        if record is None or record.status != "paused" or record.triggered_from != REMOTE_TRIGGER:
            return None
        return self._remote_side().paused_snapshot(run_id)

    def _resume_remote_here(
        self,
        run_id: str,
        record: WorkflowExecution,
        snapshot: dict[str, Any],
        mocks: Mapping[str, Any] | str | Path | None,
        listeners: list[Callable[[EngineEvent], None]] | None,
        **options: Any,
    ) -> RunHandle:
        """Continue it in this process, same run id (the owner-row claim makes one resumer win)."""
        from sqlalchemy.exc import IntegrityError

        try:
            return self._continue_here(record, snapshot, mocks, listeners, claimed=False, **options)
        except IntegrityError as exc:  # another process claimed it first
            raise RunTakenOver(f"run {run_id} was resumed by another process first") from exc

    def _remote_sweep(self) -> list[str]:
        """Orphaned worker runs marked interrupted (only once this Flowdeck has used Redis)."""
        if self._remote_runs is None:
            return []
        try:
            return list(self._remote_runs.sweep())
        except Exception as exc:  # Redis away: the background sweeper keeps trying
            log.warning("remote orphan sweep failed: %s", exc)
            return []
