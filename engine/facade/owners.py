"""Who owns a run, so that a control call reaches it wherever it executes.

- ``here``: this process runs it: its :class:`~engine.run.RunHandle`;
- ``local``: another live process on the same database: a ``run_commands`` row its owner polls;
- ``remote``: a Celery worker: the Redis command channel;
- ``gone``: the owner died or let go: the records are ended directly, and a paused run with a
  stored snapshot is continued in this process.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from engine.control.errors import RunAlreadyEnded, UnknownRun
from engine.control.local_control import LocalControl
from engine.facade.live_runs import LiveRuns
from engine.facade.remote_side import RemoteSide
from engine.lifecycle.records import WorkflowExecution
from engine.run_handle import RunHandle
from engine.status import RUN_TERMINAL

Owner = Literal["here", "local", "remote", "gone"]


@dataclass(frozen=True, slots=True)
class Route:
    owner: Owner
    handle: RunHandle | None = None  # owner "here"
    record: WorkflowExecution | None = None  # the record as it stood when routed (not for "here")


class Owners:
    def __init__(
        self, live: LiveRuns, executions: Any, local: LocalControl | None, remote: RemoteSide
    ) -> None:
        self._live = live
        self._executions = executions
        self._local = local
        self._remote = remote

    def route(self, run_id: str) -> Route:
        """Who owns the run; RunAlreadyEnded if it ended, UnknownRun if nobody knows it."""
        handle = self._live.running(run_id)
        if handle is not None:
            status = handle.status
            if status.is_final:
                raise RunAlreadyEnded(f"run {run_id} already ended {status}")
            return Route("here", handle)
        ended = self._live.ended_status(run_id)
        if ended is not None:
            raise RunAlreadyEnded(f"run {run_id} already ended {ended}")
        record = self._executions.get_run(run_id)
        if record is not None and record.status in RUN_TERMINAL:
            raise RunAlreadyEnded(f"run {run_id} already ended {record.status}")
        if self._local is not None and self._local.live_owner(run_id):
            return Route("local", record=record)
        if self._remote.owns(run_id, record):
            return Route("remote", record=record)
        if record is None:
            raise UnknownRun(f"no run {run_id}: neither running nor recorded")
        if self._local is None:
            raise UnknownRun(f"run {run_id} is not running in this process")
        return Route("gone", record=record)

    def known(self, run_id: str) -> bool:
        """Someone has heard of ``run_id`` though it may not be recorded yet."""
        if self._live.get(run_id) is not None or self._live.ended_status(run_id) is not None:
            return True
        if self._local is not None and self._local.has_owner_row(run_id):
            return True
        return self._remote.knows(run_id)  # a worker's run, not recorded yet
