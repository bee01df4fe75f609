"""Records that cannot be sent: found in a message that does not serialise, kept with their error.

A storage task message is JSON (kombu's encoder, the only serializer the app accepts).
When a message does not encode, :func:`split_message` finds the records that do not
(one JSON encode per record, only on that failure path) and returns the message with
the others, so the rest of the batch is still sent.  Each record left out becomes a
:class:`FailedRecord`: the outbox keeps it with its error (``error`` column), readable
through :func:`engine.persistence.outbox_status.outbox_status`, never re-sent on its own
(it would fail the same way).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from kombu.exceptions import EncodeError
from kombu.utils.json import dumps

#: what an encoder raises for a value it cannot represent (kombu wraps them in EncodeError)
ENCODING_ERRORS: tuple[type[Exception], ...] = (
    EncodeError,
    TypeError,
    ValueError,
    OverflowError,
    RecursionError,
)
_REPR_LIMIT = 20_000


@dataclass(frozen=True, slots=True)
class FailedRecord:
    task_name: str
    record_id: str
    record: Any  # the mapping (or the live record) that could not be sent
    context: list[Any]  # the task's trailing arguments
    error: str

    def readable_json(self) -> str:
        """The record as JSON for a person to read: values JSON lacks become their ``repr``."""
        try:
            return json.dumps([self.record, *self.context], default=_safe_repr, ensure_ascii=False)
        except ENCODING_ERRORS:  # e.g. keys that are not strings, a cycle
            return json.dumps([{"id": self.record_id, "repr": _safe_repr(self.record)}, *self.context])


def describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def encode(args: list[Any]) -> str:
    """The JSON text of a message's arguments, as the broker would get it (kombu's encoder)."""
    return dumps(args)


def split_message(
    task_id: str, task_name: str, args: list[Any]
) -> tuple[list[Any] | None, list[FailedRecord]]:
    """The message's arguments without the records that do not encode (None: none left), and those."""
    records, context = args[0], list(args[1:])
    good: list[Any] = []
    failed: list[FailedRecord] = []
    for record in records if isinstance(records, list) else [records]:
        try:
            dumps(record)
        except ENCODING_ERRORS as exc:
            record_id = record.get("id") if isinstance(record, dict) else None
            failed.append(FailedRecord(task_name, str(record_id), record, context, describe(exc)))
        else:
            good.append(record)
    return ([good, *context] if good else None), failed


def _safe_repr(value: Any) -> str:
    try:
        text = repr(value)
    except Exception as exc:  # a broken __repr__
        text = f"<{type(value).__name__}: repr failed: {describe(exc)}>"
    return text if len(text) <= _REPR_LIMIT else text[:_REPR_LIMIT] + "…"
