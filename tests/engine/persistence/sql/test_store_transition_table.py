"""The whole transition table at the SQL store, on SQLite and PostgreSQL: final states stay final.

Every (from, to) pair of RUN_TRANSITIONS and NODE_TRANSITIONS: a record written in
``from``, then a write in ``to`` with a higher seq, through :class:`SqlRunStore`
(``save`` + ``flush``: the write-behind writer and the guarded upserts).  The stored
status is ``to`` exactly when the table reaches it from ``from``
(tests/engine/persistence/transition_table.py); a refused write is logged.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from sample_records import node, run
from sqlalchemy import Engine, select

from engine.persistence.sql import SqlRunStore, create_engine_for, upsert_runs
from engine.persistence.sql.models import NodeExecutionRow, WorkflowRunRow
from engine.status import RunStatus
from tests.engine.persistence.transition_table import NODE_CASES, RUN_CASES, mismatches


@pytest.fixture
def sql_store(migrated_url: str) -> Iterator[SqlRunStore]:
    store = SqlRunStore(create_engine_for(migrated_url), owns_engine=True)
    yield store
    store.close()


def _stored(engine: Engine) -> dict[str, str | None]:
    with engine.connect() as conn:
        rows = conn.execute(select(WorkflowRunRow.id, WorkflowRunRow.status)).all()
        rows += conn.execute(select(NodeExecutionRow.id, NodeExecutionRow.status)).all()
    return {record_id: status for record_id, status in rows}


def test_every_pair_of_the_tables_through_the_sql_store(
    sql_store: SqlRunStore, caplog: pytest.LogCaptureFixture
) -> None:
    for case in RUN_CASES:
        if case.before is not None:
            sql_store.save(run(case.record_id, seq=5, status=case.before))
    for case in NODE_CASES:
        if case.before is not None:
            sql_store.save(node(case.record_id, seq=5, status=case.before))
    assert sql_store.flush(10.0)

    with caplog.at_level(logging.WARNING, logger="flowdeck.status"):
        for case in RUN_CASES:
            sql_store.save(run(case.record_id, seq=9, status=case.after))
        for case in NODE_CASES:
            sql_store.save(node(case.record_id, seq=9, status=case.after))
        assert sql_store.flush(10.0)

    stored = _stored(sql_store.engine)
    assert mismatches(RUN_CASES, stored) == []
    assert mismatches(NODE_CASES, stored) == []
    refused = [c for c in RUN_CASES + NODE_CASES if not c.applies]
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for case in refused:
        assert case.record_id in logged, f"refused write {case.record_id} not logged"
    assert sql_store.dropped == 0


def test_a_final_run_refuses_a_later_write_whatever_its_seq(engine: Engine) -> None:
    """The reproducer of issue 13 defect 3 at the SQL level (a seq far above the stored one)."""
    assert upsert_runs(engine, [run(seq=5, status=RunStatus.SUCCEEDED, outputs={"a": 1}).to_dict()]) == 1
    late = run(seq=2**62, status=RunStatus.RUNNING)
    assert upsert_runs(engine, [late.to_dict()]) == 0
    with engine.connect() as conn:
        status, seq = conn.execute(select(WorkflowRunRow.status, WorkflowRunRow.seq)).one()
    assert (status, seq) == (RunStatus.SUCCEEDED, 5)
