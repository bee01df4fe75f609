"""Flowdeck: the composition root of the facade the console and the CLI use.

It owns the settings, the run-record repositories and three objects, one role each:

- ``flowdeck.runs`` (:class:`~engine.facade.launching.Launcher`): start, replay, the runs live
  here and their events (finished runs are forgotten: a bounded few are kept);
- ``flowdeck.control`` (:class:`~engine.facade.control.Control`): terminate, pause, resume
  wherever a run executes, each returning a future at once (verified off the caller's thread);
- ``flowdeck.queries`` (:class:`~engine.facade.queries.Queries`): the reads of the records.

The methods of ``Flowdeck`` itself are the former blocking API, kept while callers move onto
the three objects: each one delegates (``terminate``/``pause``/``resume`` route and send on the
caller's thread and raise at once; ``wait_for_end`` blocks on ``control.ended``).

With a SQL store every run started here claims a ``run_owners`` row; one background thread
per Flowdeck (:class:`~engine.control.keeper.ControlKeeper`, started lazily, stopped by
:meth:`Flowdeck.close`) beats for all of them and sweeps runs whose owner died.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Literal

from sqlalchemy import Engine

from engine.control.errors import RunAlreadyEnded, RunTakenOver, UnknownRun
from engine.control.local_control import LocalControl
from engine.events import EngineEvent
from engine.facade.control import DEFAULT_REASON, Control
from engine.facade.launching import Launcher, Listeners, Mocks
from engine.facade.owners import Owners
from engine.facade.queries import Queries
from engine.facade.remote_side import RemoteSide
from engine.facade.workflows import WorkflowCache
from engine.graph import Workflow
from engine.lifecycle.records import NodeExecution, WorkflowExecution
from engine.persistence.protocols import DurationPoint, RunPage, RunQuery
from engine.replay import ReplayMode, ReplayPlan
from engine.run import RunHandle, WorkflowSource
from engine.scheduler.commands import PauseCommand, ResumeCommand, TerminateCommand
from engine.settings import Settings

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
        self._local = LocalControl(db, owners=self.settings.owners) if db is not None else None
        self._remote = RemoteSide(self.settings, repositories)
        workflows = WorkflowCache()
        self.queries = Queries(repositories, self._local, workflows)
        self.runs = Launcher(self.settings, repositories, self._local, self._remote, self.queries, workflows)
        owners = Owners(self.runs.live_runs, repositories.executions, self._local, self._remote)
        self.control = Control(owners, self.runs, self.queries, self._local, self._remote)
        if self.settings.celery.backend == "remote":
            self._remote.runs()  # a console of the remote backend sweeps orphaned worker runs

    @property
    def local_control(self) -> LocalControl | None:
        """Run ownership in the SQL database (None when the records are not in one)."""
        return self._local

    def close(self, timeout: float = 10.0) -> None:
        """Stop the control threads; terminate this process's running runs, leave paused ones resumable.

        A paused run whose snapshot is stored is let go: its record stays ``paused``
        and another Flowdeck can resume it.  Other live runs are terminated.
        """
        let_go = self.runs.close(timeout)
        self.control.close()
        if self._local is not None:
            self._local.close(let_go)
        self._remote.close()
        self.repositories.close(timeout) if hasattr(self.repositories, "close") else None

    # ------------------------------------------- the former API (delegates)
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
        return self.runs.start(workflow, inputs, system, mocks, where=where, listeners=listeners, **options)

    def replay(
        self,
        run_id: str,
        mode: ReplayMode = "rerun",
        inputs: Mapping[str, Any] | None = None,
        mocks: Mapping[str, Any] | None = None,
        *,
        from_failure: bool | None = None,
        listeners: Listeners = None,
        **options: Any,
    ) -> RunHandle:
        """``runs.replay`` (``from_failure=``: the old spelling of ``mode``)."""
        if from_failure is not None:
            mode = "from-failure" if from_failure else "rerun"
        return self.runs.replay(run_id, mode, inputs, mocks, listeners=listeners, **options)

    def handle(self, run_id: str) -> RunHandle:
        return self.runs.handle(run_id)

    def watch(self, run_id: str, timeout: float | None = None) -> Iterator[EngineEvent]:
        return self.runs.watch(run_id, timeout)

    def terminate(self, run_id: str, reason: str = DEFAULT_REASON) -> None:
        """Blocking: route and send (``control.terminate`` returns a future instead)."""
        self.control.deliver(run_id, TerminateCommand(reason))

    def pause(self, run_id: str) -> None:
        """Blocking: route and send (``control.pause`` returns a future instead)."""
        self.control.deliver(run_id, PauseCommand())

    def resume(
        self, run_id: str, *, mocks: Mocks = None, listeners: Listeners = None, **options: Any
    ) -> RunHandle | None:
        """Blocking: the run's handle when it runs here (or continues here from its snapshot), else None."""
        return self.control.deliver(run_id, ResumeCommand(), mocks, listeners, **options).handle

    def wait_for_end(self, run_id: str, timeout: float) -> WorkflowExecution:
        """Blocking: the run's record once final; TimeoutError after ``timeout``."""
        return self.control.ended(run_id, timeout).result()

    def sweep_orphans(self) -> list[str]:
        return self.control.sweep_orphans()

    def list_runs(self, query: RunQuery | None = None) -> RunPage:
        return self.queries.list_runs(query)

    def workflow_names(self) -> list[str]:
        return self.queries.workflow_names()

    def status_counts(self, query: RunQuery | None = None) -> dict[str, int]:
        return self.queries.status_counts(query)

    def get_run(self, run_id: str) -> WorkflowExecution:
        return self.queries.get_run(run_id)

    def node_executions(self, run_id: str) -> list[NodeExecution]:
        return self.queries.node_executions(run_id)

    def duration_history(self, workflow_id: str, limit: int = 200) -> list[DurationPoint]:
        return self.queries.duration_history(workflow_id, limit)

    def workflow_of(self, run: WorkflowExecution) -> Workflow:
        return self.queries.workflow_of(run)

    def replay_plan(self, run_id: str, mode: ReplayMode = "from-failure") -> ReplayPlan:
        return self.queries.replay_plan(run_id, mode)

    def replay_chain(self, run_id: str) -> list[WorkflowExecution]:
        return self.queries.replay_chain(run_id)
