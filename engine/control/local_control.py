"""A Flowdeck's side of run ownership in a SQL database (the "here", "local" and "gone" owners).

:class:`LocalControl` claims a ``run_owners`` row for every run the Flowdeck
starts, wires the run to a :class:`DatabaseCommandChannel` and an
:class:`OwnedRunListener`, runs the one :class:`ControlKeeper` thread (started on
first use), tells whether another live process owns a run, and handles runs whose
owner is gone: terminating them in the records, taking a paused one over to
continue it from its snapshot, and letting go of paused runs on close.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from sqlalchemy import Engine

from engine.control.errors import RunAlreadyEnded, RunTakenOver, UnknownRun
from engine.control.identity import OwnerIdentity
from engine.control.keeper import ControlKeeper
from engine.control.orphan_policy import FINAL_SEQ, NODES_ENDED
from engine.control.owned_run import OwnedRunListener, RecordGate
from engine.lifecycle.records import WorkflowExecution
from engine.persistence.sql import orphan_sweep, reads, run_owners
from engine.persistence.sql.command_channel import DatabaseCommandChannel, send_command
from engine.persistence.sql.upserts import upsert_runs
from engine.scheduler.commands import Command, TerminateCommand
from engine.settings import OwnerSettings
from engine.status import RUN_TERMINAL, RunStatus, run_status, transition


class LocalControl:
    def __init__(
        self, db: Engine, identity: OwnerIdentity | None = None, *, owners: OwnerSettings | None = None
    ) -> None:
        self.db = db
        self.identity = identity or OwnerIdentity()
        self.owners = owners or OwnerSettings()
        self._keeper: ControlKeeper | None = None
        self._owned: dict[str, tuple[OwnedRunListener, list[RecordGate]]] = {}
        self._lock = threading.Lock()
        self._closed = False

    def keeper(self) -> ControlKeeper | None:
        """The control thread, started on first use (None once closed)."""
        with self._lock:
            if self._keeper is None and not self._closed:
                self._keeper = ControlKeeper(
                    self.db,
                    self.identity,
                    beat_interval_s=self.owners.heartbeat_interval_s,
                    sweep_interval_s=self.owners.sweep_interval_s,
                    stale_after_s=self.owners.heartbeat_ttl_s,
                )
                self._keeper.start()
            return self._keeper

    # ------------------------------------------------------------ our runs
    def adopt(self, run_id: str, gates: list[RecordGate], *, claimed: bool = False) -> dict[str, Any]:
        """Own ``run_id`` (claim its row unless ``claimed``); the wiring to pass to ``start_workflow``."""
        keeper = self.keeper()
        if keeper is None:
            raise RuntimeError("this Flowdeck is closed")
        me = self.identity
        channel = DatabaseCommandChannel(self.db, run_id)

        def ended(run: str, forget: bool) -> None:
            with self._lock:
                self._owned.pop(run, None)  # an ended run keeps nothing here (bounded memory)
            keeper.disown(run, forget=forget)

        listener = OwnedRunListener(self.db, run_id, me.owner_id, channel, ended)
        if not claimed:
            run_owners.claim_run(self.db, run_id, me.owner_id, me.host, me.pid)
        keeper.own(run_id)
        with self._lock:
            self._owned[run_id] = (listener, gates)
        return {"channel": channel, "listener": listener}

    def abandon(self, run_id: str) -> None:
        """The run did not start after all (bad input): drop its row."""
        with self._lock:
            self._owned.pop(run_id, None)
        keeper = self.keeper()
        if keeper is not None:
            keeper.disown(run_id, forget=False)
        run_owners.forget_runs(self.db, [run_id], self.identity.owner_id)

    def let_go(self, run_id: str) -> bool:
        """On close, for a paused run: stop writing its records, keep its snapshot (False: cannot)."""
        with self._lock:
            entry = self._owned.get(run_id)
        if entry is None or not entry[0].snapshot_stored:
            return False
        for gate in entry[1]:
            gate.detach()  # the run winds down in-process without touching its records
        entry[0].detach()
        return True

    def close(self, let_go: list[str]) -> None:
        """Stop the control thread (removing ended runs' rows) and release the paused runs let go."""
        with self._lock:
            self._closed = True
            keeper = self._keeper
        if keeper is not None:
            keeper.stop()
        if let_go:
            run_owners.release(self.db, self.identity.owner_id, let_go)

    # ---------------------------------------------------------- other runs
    def live_owner(self, run_id: str) -> bool:
        """Another live process (or Flowdeck) owns ``run_id``."""
        owner = run_owners.owner_of(self.db, run_id)
        if owner is None or owner.owner_id == self.identity.owner_id:
            return False
        return self.identity.owner_alive(owner, time.time(), self.owners.heartbeat_ttl_s)

    def has_owner_row(self, run_id: str) -> bool:
        return run_owners.owner_of(self.db, run_id) is not None

    def send(self, run_id: str, command: Command) -> None:
        send_command(self.db, run_id, command)

    def sweep(self) -> list[str]:
        keeper = self.keeper()
        return keeper.sweep() if keeper is not None else []

    def replays_of(self, run_ids: list[str]) -> list[WorkflowExecution]:
        return reads.replays_of(self.db, run_ids)

    def terminate_abandoned(self, record: WorkflowExecution, reason: str) -> None:
        """A run whose owner is gone: end its records ``terminated`` right here (a final seq).

        The terminate also goes to the owner's command rows: should it only have stalled, it
        stops when it wakes, and its records can no longer change.
        """
        run_id = record.id
        current = run_status(record.status)
        transition(current, RunStatus.TERMINATED, subject=f"run {run_id}")
        if orphan_sweep.end_run(
            self.db,
            run_id,
            record.seq,
            (RunStatus.RUNNING, RunStatus.PAUSED),
            RunStatus.TERMINATED,
            reason,
            seq=FINAL_SEQ,
            node_statuses=NODES_ENDED,
            command=TerminateCommand(reason).to_dict(),
        ):
            return
        now = reads.get_run(self.db, run_id)
        if now is not None and now.status in RUN_TERMINAL:
            raise RunAlreadyEnded(f"run {run_id} already ended {now.status}")
        raise RunTakenOver(f"run {run_id} changed while it was being terminated: try again")

    def take_over_paused(self, record: WorkflowExecution) -> dict[str, Any]:
        """Own the paused run of a gone owner; the snapshot to continue it from (same run id).

        The record is written ``running`` one ``seq`` above the paused one, and the
        snapshot's ``last_seq`` is moved up to it, so the continued run's events and
        records follow above it.
        """
        run_id = record.id
        if record.status != RunStatus.PAUSED:
            raise UnknownRun(f"run {run_id} is {record.status} and its owner is gone: nothing to resume")
        owner = run_owners.owner_of(self.db, run_id)
        snapshot = run_owners.load_snapshot(self.db, run_id)
        if owner is None or snapshot is None:
            raise UnknownRun(
                f"run {run_id} is paused but has no stored snapshot (paused inside a container, or by an "
                "older Flowdeck): replay it instead"
            )
        me = self.identity
        if not run_owners.take_over(self.db, run_id, owner.owner_id, me.owner_id, me.host, me.pid):
            raise RunTakenOver(f"run {run_id} was taken over by another process first")
        seq = record.seq + 1
        status = transition(run_status(record.status), RunStatus.RUNNING, subject=f"run {run_id}")
        running = WorkflowExecution.from_dict({**record.to_dict(), "status": str(status), "seq": seq})
        upsert_runs(self.db, [running])
        return {**snapshot, "last_seq": max(int(snapshot.get("last_seq", 0)), seq)}
