"""Which stored status a newer write may replace: the stores' side of the state machine.

A store receives snapshots, not every change: the lifecycle manager saves each change
(after :func:`engine.status.accept`), but the write-behind writer and the Celery flusher
keep only the latest save of a record per batch.  A store may therefore see ``paused``
followed by ``succeeded`` (the ``running`` of the resume in between was coalesced
away), or a first write that is already ``paused``.  So a write with a higher ``seq``
applies when its status can be *reached* from the stored one along
:data:`~engine.status.RUN_TRANSITIONS` / :data:`~engine.status.NODE_TRANSITIONS` (one
step or more): every pair the table allows, never another status after a final one
(nothing is reachable from one), never back to ``queued`` or ``pending``.

One more write applies over a final status: the same final status with a higher
``seq``.  The SQL and Celery stores snapshot a live record when they write it, not when
it was saved, and label the snapshot with the save's ``seq`` (see
:class:`~engine.persistence.sql.store.LiveNode`): a snapshot taken while the manager
was ending the node can show the final status with only part of the final fields.
The save that follows carries the same status, a higher ``seq`` and every field; it
completes the record.  The status itself never changes after it is final.

:func:`reachable_sql` renders the same rule as an SQL condition for the upserts'
``ON CONFLICT ... DO UPDATE ... WHERE``, generated from the tables (no status is
spelled here), so two processes writing at once cannot race past it.
:func:`may_replace` is the rule in Python (the in-memory store); :func:`refused` logs
a write the rule turned down through :func:`engine.status.accept`.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from engine.status import NODE_TRANSITIONS, RUN_TRANSITIONS, NodeStatus, RunStatus, accept

RUN = "run"
NODE = "node"


def _closure(table: Mapping[Any, frozenset[Any]]) -> dict[Any, frozenset[Any]]:
    def reach(start: Any) -> frozenset[Any]:
        seen: set[Any] = set()
        todo = list(table.get(start, ()))
        while todo:
            status = todo.pop()
            if status not in seen:
                seen.add(status)
                todo.extend(table.get(status, ()))
        return frozenset(seen)

    return {start: reach(start) for start in table}


def _after(table: Mapping[Any, frozenset[Any]]) -> dict[Any, frozenset[Any]]:
    """Reachable statuses; a final status (nothing reachable) admits only itself (see above)."""
    return {start: reach or frozenset({start}) for start, reach in _closure(table).items()}


#: kind -> stored status (None: no record yet) -> the statuses a newer write may bring
REACHABLE: dict[str, dict[Any, frozenset[Any]]] = {
    RUN: _after(RUN_TRANSITIONS),
    NODE: _after(NODE_TRANSITIONS),
}
_PARSE: dict[str, type[StrEnum]] = {RUN: RunStatus, NODE: NodeStatus}


def _parsed(kind: str, value: Any) -> Any:
    if value is None:
        return None
    try:
        return _PARSE[kind](value)
    except ValueError:
        return value  # unknown: nothing may replace it, nothing may follow it


def may_replace(kind: str, stored: Any, incoming: Any) -> bool:
    """May a newer write in ``incoming`` replace a record stored in ``stored`` (None: absent)?"""
    return _parsed(kind, incoming) in REACHABLE[kind].get(_parsed(kind, stored), frozenset())


def refused(kind: str, record_id: str, stored: Any, incoming: Any) -> None:
    """Log a newer write the stores turned down (through the state machine's own refusal)."""
    accept(_parsed(kind, stored), _parsed(kind, incoming), subject=f"stored {kind} record {record_id}")


def _literal(status: StrEnum) -> str:
    return "'" + str(status).replace("'", "''") + "'"


@functools.cache
def reachable_sql(kind: str, stored: str, incoming: str) -> str:
    """``CASE <stored> WHEN 'a' THEN <incoming> IN (...) ... ELSE FALSE END`` (SQLite and PostgreSQL).

    An unknown stored status has no ``WHEN``: the condition is false.
    """
    whens = [
        f"WHEN {_literal(before)} THEN {incoming} IN ({', '.join(_literal(s) for s in sorted(after))})"
        for before, after in REACHABLE[kind].items()
        if before is not None and after
    ]
    return f"(CASE {stored} {' '.join(whens)} ELSE FALSE END)"
