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

import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import Engine

from engine.control.identity import OwnerIdentity
from engine.control.keeper import ControlKeeper
from engine.control.owned_run import OwnedRunListener, RecordGate
from engine.dsl import load_workflow
from engine.events import EngineEvent
from engine.graph import Workflow
from engine.lifecycle.records import NodeExecution, WorkflowExecution
from engine.lifecycle.statuses import TERMINAL_RUN_STATUSES, is_final
from engine.persistence.protocols import DurationPoint, RunPage, RunQuery
from engine.persistence.sql import orphan_sweep, reads, run_owners
from engine.persistence.sql.command_channel import DatabaseCommandChannel, send_command
from engine.persistence.sql.upserts import upsert_runs
from engine.replay import ReplayMode, ReplayPlan, check_mode, plan_replay, replay_workflow
from engine.run import RunHandle, WorkflowSource, start_workflow
from engine.scheduler.commands import Command, PauseCommand, ResumeCommand, TerminateCommand
from engine.settings import Settings

Owner = Literal["here", "local", "remote", "gone"]
WAIT_POLL_S = 0.1


class UnknownRun(LookupError):
    """No live or recorded run has this id (or none that this call can reach)."""


class RunAlreadyEnded(ValueError):
    """terminate / pause / resume of a run that already ended."""


class RunTakenOver(RuntimeError):
    """Another process took over the run first (two resumes of an orphaned paused run)."""


def sql_engine_of(repositories: Any) -> Engine | None:
    """The SQLAlchemy engine behind ``repositories`` (sync store, or the reader of Celery ones)."""
    for repo in (getattr(repositories, "executions", None), getattr(repositories, "node_executions", None)):
        for candidate in (repo, getattr(repo, "_reader", None)):
            engine = getattr(candidate, "engine", None)
            if isinstance(engine, Engine):
                return engine
    return None


class Flowdeck:
    def __init__(self, settings: Settings | None = None, *, repositories: Any = None) -> None:
        self.settings = settings or Settings()
        if repositories is None:
            from engine.persistence.factory import build_repositories

            repositories = build_repositories(self.settings)
        self.repositories = repositories
        self.identity = OwnerIdentity()
        self._db = sql_engine_of(repositories)
        self._keeper: ControlKeeper | None = None
        self._handles: dict[str, RunHandle] = {}
        self._owned: dict[str, tuple[OwnedRunListener, list[RecordGate]]] = {}
        self._workflows: dict[str, Workflow] = {}
        self._lock = threading.Lock()
        self._closed = False

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
            self._send(run_id, TerminateCommand(reason))
        elif owner == "remote":
            self._remote_send(run_id, TerminateCommand(reason))
        else:
            self._end_abandoned(run_id, record, reason)

    def pause(self, run_id: str) -> None:
        """Ask the run to pause: once its in-flight nodes finish it is ``paused`` (snapshot stored)."""
        owner, handle, _record = self._owner_of(run_id)
        if owner == "here":
            handle.pause()  # type: ignore[union-attr]
        elif owner == "local":
            self._send(run_id, PauseCommand())
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
            self._send(run_id, ResumeCommand())
            return None
        if owner == "remote":
            self._remote_send(run_id, ResumeCommand())
            return None
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
        keeper = self._control()
        return keeper.sweep() if keeper is not None else []

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
            if record is None and handle is None and not self._has_owner_row(run_id):
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
        root = self.get_run(run_id)
        seen = {root.id}
        while root.replay_of and root.replay_of not in seen:
            parent = self.repositories.executions.get_run(root.replay_of)
            if parent is None:
                break
            seen.add(parent.id)
            root = parent
        chain = {root.id: root}
        frontier = [root.id]
        while frontier:
            children = [r for r in self._replays_of(frontier) if r.id not in chain]
            chain.update((r.id, r) for r in children)
            frontier = [r.id for r in children]
        return sorted(chain.values(), key=lambda r: (r.started_at, r.id))

    # --------------------------------------------------------------- reads
    def list_runs(self, query: RunQuery | None = None) -> RunPage:
        self._control()
        return self.repositories.executions.list_runs(query or RunQuery())

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
            owned = dict(self._owned)
        let_go: list[str] = []
        for handle in handles:
            entry = owned.get(handle.run_id)
            if handle.status == "paused" and entry is not None and entry[0].snapshot_stored:
                let_go.append(handle.run_id)
                for gate in entry[1]:
                    gate.detach()  # the run winds down in-process without touching its records
                entry[0].detach()
                handle.terminate("the application is closing (the paused run stays resumable)")
            elif handle.status in ("running", "paused"):
                handle.terminate("the application is closing")
        for handle in handles:
            handle.wait(timeout) if handle.status in ("running", "paused") else None
        if self._keeper is not None:
            self._keeper.stop()  # also removes the owner rows of the runs that ended
        if self._db is not None and let_go:
            run_owners.release(self._db, self.identity.owner_id, let_go)
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
        listener: OwnedRunListener | None = None
        keeper = self._control()
        if keeper is not None and self._db is not None:
            me = self.identity
            channel = DatabaseCommandChannel(self._db, run_id)
            listener = OwnedRunListener(
                self._db, run_id, me.owner_id, channel, lambda run, forget: keeper.disown(run, forget=forget)
            )
            if not claimed:
                run_owners.claim_run(self._db, run_id, me.owner_id, me.host, me.pid)
            keeper.own(run_id)
            all_listeners.insert(0, listener)  # before the records: the snapshot is stored first
            wiring["channel"] = channel
        try:
            handle = begin(listeners=all_listeners, **wiring)
        except Exception:
            if listener is not None and keeper is not None and self._db is not None:
                keeper.disown(run_id)
            raise
        with self._lock:
            self._handles[run_id] = handle
            if listener is not None:
                self._owned[run_id] = (listener, gates)
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
        if self._db is not None:
            owner = run_owners.owner_of(self._db, run_id)
            mine = owner is not None and owner.owner_id == self.identity.owner_id
            if owner is not None and not mine and self.identity.owner_alive(owner, time.time()):
                return "local", None, record
        if self._remote_owns(run_id, record):
            return "remote", None, record
        if record is None:
            raise UnknownRun(f"no run {run_id}: neither running nor recorded")
        if self._db is None:
            raise UnknownRun(f"run {run_id} is not running in this process")
        return "gone", None, record

    def _send(self, run_id: str, command: Command) -> None:
        assert self._db is not None
        send_command(self._db, run_id, command)

    def _end_abandoned(self, run_id: str, record: WorkflowExecution | None, reason: str) -> None:
        """Terminate a run whose owner is gone: its records end ``terminated`` right here."""
        assert self._db is not None and record is not None
        if not orphan_sweep.end_orphan(
            self._db, run_id, record.seq, reason, status="terminated", from_statuses=("running", "paused")
        ):
            now = self.get_run(run_id)
            if now.status in TERMINAL_RUN_STATUSES:
                raise RunAlreadyEnded(f"run {run_id} already ended {now.status}")
            raise RunTakenOver(f"run {run_id} changed while it was being terminated: try again")

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
        assert self._db is not None and record is not None
        if record.status != "paused":
            raise UnknownRun(f"run {run_id} is {record.status} and its owner is gone: nothing to resume")
        owner = run_owners.owner_of(self._db, run_id)
        snapshot = run_owners.load_snapshot(self._db, run_id)
        if owner is None or snapshot is None:
            raise UnknownRun(
                f"run {run_id} is paused but has no stored snapshot (paused inside a container, or by an "
                "older Flowdeck): replay it instead"
            )
        me = self.identity
        if not run_owners.take_over(self._db, run_id, owner.owner_id, me.owner_id, me.host, me.pid):
            raise RunTakenOver(f"run {run_id} was taken over by another process first")
        workflow = self._workflow_of(record)
        # the record says running again, above the paused seq; the run's events follow above it
        seq = record.seq + 1
        record.status, record.seq = "running", seq
        upsert_runs(self._db, [record])
        snapshot = {**snapshot, "last_seq": max(int(snapshot.get("last_seq", 0)), seq)}

        def begin(**wiring: Any) -> RunHandle:
            return start_workflow(workflow, mocks=mocks, snapshot=snapshot, **options, **wiring)

        return self._launch(begin, listeners, run_id=run_id, original=record, claimed=True)

    def _control(self) -> ControlKeeper | None:
        """The keeper thread (started on first use) when runs are recorded in a SQL database."""
        if self._db is None:
            return None
        with self._lock:
            if self._keeper is None and not self._closed:
                self._keeper = ControlKeeper(self._db, self.identity)
                self._keeper.start()
            return self._keeper

    def _has_owner_row(self, run_id: str) -> bool:
        return self._db is not None and run_owners.owner_of(self._db, run_id) is not None

    def _replays_of(self, run_ids: list[str]) -> list[WorkflowExecution]:
        if self._db is not None:
            return reads.replays_of(self._db, run_ids)
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
    # Hooks for runs on Celery workers (the remote side fills these in).
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
        raise NotImplementedError("start(where='worker') is not available in this build")

    def _remote_owns(self, run_id: str, record: WorkflowExecution | None) -> bool:
        """The run executes on a Celery worker (its Redis heartbeat or stream knows it)."""
        return False

    def _remote_send(self, run_id: str, command: Command) -> None:
        raise NotImplementedError(f"run {run_id} runs on a worker: remote commands are not available")

    def _remote_watch(self, run_id: str, timeout: float | None) -> Iterator[EngineEvent] | None:
        """The run's events from its Redis Stream, or None when it is not a remote run."""
        return None
