"""The transition table as store-level cases: a record in ``from``, then a write in ``to`` with a higher seq.

A store receives snapshots, not every change: the lifecycle manager saves each change,
but the write-behind writer and the Celery flusher keep only the latest save of a record
per batch, so a store may see ``paused`` followed by ``succeeded`` (the ``running`` of the
resume in between was coalesced away).  A store therefore applies a newer write when
``to`` can be *reached* from ``from`` along the table (one step or more), which includes
every pair the table allows and excludes every other status after a final one.
:func:`reachable` derives that here from the table itself, independently of the stores.
(A final status may be written again with a higher seq: the status does not change, a
torn snapshot is completed; tests/engine/persistence/sql/test_run_store.py shows why.)
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum

from engine.status import (
    NODE_TERMINAL,
    NODE_TRANSITIONS,
    RUN_TERMINAL,
    RUN_TRANSITIONS,
    NodeStatus,
    RunStatus,
)


def reachable(
    table: Mapping[StrEnum | None, frozenset[StrEnum]], start: StrEnum | None
) -> frozenset[StrEnum]:
    seen: set[StrEnum] = set()
    todo = list(table.get(start, frozenset()))
    while todo:
        status = todo.pop()
        if status not in seen:
            seen.add(status)
            todo.extend(table.get(status, frozenset()))
    return frozenset(seen)


@dataclass(frozen=True, slots=True)
class Case:
    record_id: str
    before: StrEnum | None  # None: no record yet
    after: StrEnum
    applies: bool  # the store must end in ``after``

    @property
    def expected(self) -> StrEnum | None:
        return self.after if self.applies else self.before


def _cases(kind: str, table: Mapping, statuses: type[StrEnum], terminal: frozenset) -> Iterator[Case]:
    for before in [None, *statuses]:
        assert before is None or before in table, f"{before} is missing from the {kind} table"
        closure = reachable(table, before)
        for after in statuses:
            applies = after in closure
            # the table's own pairs always apply; no other status applies over a final one
            assert applies or after not in table[before]
            assert not (applies and before in terminal)
            if before in terminal and after == before:
                applies = True  # the same final status, completed: stored unchanged either way
            yield Case(f"{kind}-{before or 'new'}-to-{after}", before, after, applies)


RUN_CASES: tuple[Case, ...] = tuple(_cases("run", RUN_TRANSITIONS, RunStatus, RUN_TERMINAL))
NODE_CASES: tuple[Case, ...] = tuple(_cases("node", NODE_TRANSITIONS, NodeStatus, NODE_TERMINAL))


def mismatches(cases: tuple[Case, ...], stored: Mapping[str, str | None]) -> list[str]:
    """Readable lines for every case whose stored status is not the expected one."""
    return [
        f"{c.before or 'new'} -> {c.after}: stored {stored.get(c.record_id)!r}, expected {str(c.expected)!r}"
        for c in cases
        if stored.get(c.record_id) != (None if c.expected is None else str(c.expected))
    ]
