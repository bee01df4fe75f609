"""Runs started by this facade: start, replay, continue a paused run here; the live ones and their events.

A run started here is owned in the database when there is one (a ``run_owners`` row,
commands polled from ``run_commands``, its snapshot stored when it pauses); its handle
is kept in :class:`~engine.facade.live_runs.LiveRuns` only while it runs.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, Literal

from engine.control.errors import RunTakenOver, UnknownRun
from engine.control.local_control import LocalControl
from engine.control.owned_run import RecordGate
from engine.dsl import load_workflow
from engine.events import EngineEvent
from engine.facade.live_runs import LiveRuns
from engine.facade.queries import Queries
from engine.facade.remote_side import RemoteSide
from engine.facade.workflows import WorkflowCache
from engine.lifecycle.records import WorkflowExecution
from engine.replay import ReplayMode, check_mode, replay_workflow
from engine.run import RunHandle, WorkflowSource, start_workflow
from engine.settings import Settings
from engine.status import RunStatus

Listeners = list[Callable[[EngineEvent], None]] | None
Mocks = Mapping[str, Any] | str | Path | None


class Launcher:
    def __init__(
        self,
        settings: Settings,
        repositories: Any,
        local: LocalControl | None,
        remote: RemoteSide,
        queries: Queries,
        workflows: WorkflowCache,
        live: LiveRuns | None = None,
    ) -> None:
        self._settings = settings
        self._repositories = repositories
        self._local = local
        self._remote = remote
        self._queries = queries
        self._workflows = workflows
        self.live_runs = live or LiveRuns()
        self.closed = False

    @property
    def recent_limit(self) -> int:
        """How many ended runs' handles are kept (for a watcher arriving just after the end)."""
        return self.live_runs.recent_limit

    def start(
        self,
        workflow: WorkflowSource,
        inputs: Mapping[str, Any] | None = None,
        system: Mapping[str, Any] | None = None,
        mocks: Mocks = None,
        *,
        where: Literal["here", "worker"] = "here",
        listeners: Listeners = None,
        **options: Any,
    ) -> Any:
        """Start a run: ``where="here"`` in this process (a :class:`RunHandle`), ``"worker"`` on Celery."""
        wf = self._workflows.remember(load_workflow(workflow))
        if where == "worker":
            self._check_open()
            return self._remote.start(wf, inputs, system, mocks, listeners, **options)
        if where != "here":
            raise ValueError(f"start(where={where!r}): expected 'here' or 'worker'")

        def begin(**wiring: Any) -> RunHandle:
            return start_workflow(wf, inputs, system, mocks, **options, **wiring)

        return self._launch(begin, listeners)

    def replay(
        self,
        run_id: str,
        mode: ReplayMode = "rerun",
        inputs: Mapping[str, Any] | None = None,
        mocks: Mapping[str, Any] | None = None,
        *,
        listeners: Listeners = None,
        **options: Any,
    ) -> RunHandle:
        """Start a replay of ``run_id`` here, linked by ``replay_of``."""
        from_failure = check_mode(mode) == "from-failure"
        run = self._queries.get_run(run_id)
        wf = self._queries.workflow_of(run)
        nodes = self._queries.node_executions(run_id) if from_failure else []

        def begin(**wiring: Any) -> RunHandle:
            return replay_workflow(
                wf, run, nodes, from_failure=from_failure, inputs=inputs, mocks=mocks, **options, **wiring
            )

        return self._launch(begin, listeners)

    def resume_here(
        self, record: WorkflowExecution, mocks: Mocks, listeners: Listeners, **options: Any
    ) -> RunHandle:
        """Continue a paused run whose owner is gone, from its stored snapshot, same run id."""
        snapshot = self._remote.paused_snapshot(record)  # a worker run whose worker died paused
        if snapshot is not None:
            from sqlalchemy.exc import IntegrityError

            try:  # the owner-row claim makes one resumer win
                return self._continue(record, snapshot, mocks, listeners, claimed=False, **options)
            except IntegrityError as exc:
                raise RunTakenOver(f"run {record.id} was resumed by another process first") from exc
        assert self._local is not None
        snapshot = self._local.take_over_paused(record)
        return self._continue(record, snapshot, mocks, listeners, claimed=True, **options)

    # ------------------------------------------------------------ live runs
    def handle(self, run_id: str) -> RunHandle:
        """The handle of a run of this process (running, or just ended); UnknownRun otherwise."""
        handle = self.live_runs.get(run_id)
        if handle is None:
            raise UnknownRun(f"run {run_id} is not running in this process")
        return handle

    def live(self) -> list[RunHandle]:
        """The runs running (or paused) in this process."""
        return self.live_runs.live()

    def watch(self, run_id: str, timeout: float | None = None) -> Iterator[EngineEvent]:
        """The run's events from the first, live (a run of this process, or a remote one)."""
        handle = self.live_runs.get(run_id)
        if handle is not None:
            return handle.events(timeout)
        remote = self._remote.watch(run_id, timeout)
        if remote is not None:
            return remote
        raise UnknownRun(
            f"run {run_id} does not run in this process nor on a worker: its events are not streamed "
            "here (read its records)"
        )

    def close(self, timeout: float) -> list[str]:
        """Terminate the live runs, letting paused ones go resumable; the ids let go."""
        self.closed = True
        handles = self.live_runs.live()
        let_go: list[str] = []
        for handle in handles:
            status = handle.status
            if status == RunStatus.PAUSED and self._local is not None and self._local.let_go(handle.run_id):
                let_go.append(handle.run_id)
                handle.terminate("the application is closing (the paused run stays resumable)")
            elif not status.is_final:
                handle.terminate("the application is closing")
        for handle in handles:
            if not handle.status.is_final:
                handle.wait(timeout)
        return let_go

    # ------------------------------------------------------------ internals
    def _check_open(self) -> None:
        if self.closed:
            raise RuntimeError("this Flowdeck is closed")

    def _continue(
        self,
        record: WorkflowExecution,
        snapshot: dict[str, Any],
        mocks: Mocks,
        listeners: Listeners,
        *,
        claimed: bool,
        **options: Any,
    ) -> RunHandle:
        """Start ``record``'s run again in this process from ``snapshot``, under its own run id."""
        workflow = self._workflows.of(record)

        def begin(**wiring: Any) -> RunHandle:
            return start_workflow(workflow, mocks=mocks, snapshot=snapshot, **options, **wiring)

        return self._launch(begin, listeners, run_id=record.id, original=record, claimed=claimed)

    def _launch(
        self,
        begin: Callable[..., RunHandle],
        listeners: Listeners,
        *,
        run_id: str | None = None,
        original: WorkflowExecution | None = None,
        claimed: bool = False,
    ) -> RunHandle:
        """Start a run here through ``begin(**wiring)``, owned in the database when there is one."""
        self._check_open()
        run_id = run_id or uuid.uuid4().hex
        repos = self._repositories
        gates = [RecordGate(repos.executions, original=original)]
        if repos.node_executions is not repos.executions:
            gates.append(RecordGate(repos.node_executions))
        wiring: dict[str, Any] = {
            "settings": self._settings,
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
        self.live_runs.add(handle)
        return handle
