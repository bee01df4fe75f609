"""What the flusher batches: saved records, the latest per id, grouped into task messages.

A save is a ``to_dict()`` mapping, or a live record (the lifecycle manager keeps
mutating it) with the ``seq`` it was saved with.  :func:`add_latest` keeps one save per
task, caller context and record id; :func:`to_messages` snapshots the live ones
(:func:`materialise`) and groups them into one message per task and context.  A record
that cannot be snapshotted is handed back as a :class:`FailedRecord` instead of taking
its batch down with it.
"""

from __future__ import annotations

import uuid
from dataclasses import astuple, dataclass
from typing import Any, Protocol

from engine.persistence.celery.failed_records import FailedRecord, describe

#: one task message: ``(task_id, task_name, [records, *caller context])``
Message = tuple[str, str, list[Any]]


@dataclass(slots=True)
class FlusherStats:
    records_submitted: int = 0
    records_handled: int = 0
    tasks_published: int = 0
    tasks_to_outbox: int = 0
    tasks_resent: int = 0
    publish_failures: int = 0
    records_failed: int = 0  # kept in the outbox with their error (could not be serialised)


@dataclass(frozen=True, slots=True)
class CallerContext:
    """Who saves the records: the trailing arguments of every storage task."""

    tenant_id: str | None = None
    app_id: str | None = None
    triggered_from: str | None = None
    creator_user_id: str | None = None
    creator_user_role: str | None = None


class LiveRecord(Protocol):
    """A record the caller keeps mutating (``WorkflowExecution``, ``NodeExecution``)."""

    id: str
    seq: int

    def to_dict(self) -> dict[str, Any]: ...


#: a saved record: a ``to_dict()`` mapping, or a live record and its ``seq`` when saved
Saved = tuple[dict[str, Any] | LiveRecord, int]
#: a batch: the latest save (highest ``seq``, later wins on ties) per task, context and id
Batch = dict[tuple[str, CallerContext, Any], Saved]


def add_latest(batch: Batch, task_name: str, context: CallerContext, record: Any, seq: int) -> None:
    """Put the save in ``batch`` unless it already holds a newer one of the same id.

    Done as records are drained, so a node's "started" save is dropped as soon as its
    "ended" one arrives: one snapshot per record and batch.
    """
    key = (task_name, context, record["id"] if isinstance(record, dict) else record.id)
    current = batch.get(key)
    if current is None or seq >= current[1]:
        batch[key] = (record, seq)


def materialise(saved: Saved) -> dict[str, Any]:
    """The mapping to send: a live record is snapshotted now, labelled with its save-time ``seq``.

    The caller may be mutating a live record while this runs, so the snapshot can mix
    fields of two states.  It still carries the ``seq`` of the save that queued it,
    which is lower than the ``seq`` of the save that follows every mutation; the
    ``seq``-guarded upserts therefore always end on a snapshot taken after the last
    mutation (the last save is materialised after it was queued, so after the
    mutation that preceded it).
    """
    record, seq = saved
    if isinstance(record, dict):
        return record
    for _ in range(4):
        try:
            data = record.to_dict()
            break
        except RuntimeError:  # a dict changed size while it was copied: take it again
            continue
    else:
        data = record.to_dict()
    data["seq"] = seq
    return data


def to_messages(batch: Batch) -> tuple[list[Message], list[FailedRecord]]:
    """One message per task and caller context; the records that could not be snapshotted apart."""
    groups: dict[tuple[str, CallerContext], list[dict[str, Any]]] = {}
    failed: list[FailedRecord] = []
    for (task_name, context, record_id), saved in batch.items():
        try:
            data = materialise(saved)
        except Exception as exc:  # a record that cannot even be copied must not take its batch down
            failed.append(
                FailedRecord(task_name, str(record_id), saved[0], list(astuple(context)), describe(exc))
            )
            continue
        groups.setdefault((task_name, context), []).append(data)
    messages = [
        (uuid.uuid4().hex, task_name, [records, *astuple(context)])
        for (task_name, context), records in groups.items()
    ]
    return messages, failed
