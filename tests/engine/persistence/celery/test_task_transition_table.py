"""The whole transition table through the Celery storage tasks: final states stay final.

Every (from, to) pair of RUN_TRANSITIONS and NODE_TRANSITIONS: a batch of records in
``from``, then a batch in ``to`` with a higher seq, through the task functions the
worker runs (in this process), and through a real ``celery worker`` on a real Redis.
The stored status is ``to`` exactly when the table reaches it from ``from``
(tests/engine/persistence/transition_table.py).
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from engine.persistence.celery.app import create_celery_app
from engine.persistence.celery.names import SAVE_EXECUTION_TASK, SAVE_NODE_EXECUTION_TASK
from engine.persistence.sql.models import NodeExecutionRow, WorkflowRunRow
from tests.engine.persistence.sql.sample_records import node, run
from tests.engine.persistence.transition_table import NODE_CASES, RUN_CASES, Case, mismatches
from tests.support.waiting import wait_until


def _batches(seq: int, *, before: bool) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    def status(case: Case) -> Any:
        return case.before if before else case.after

    runs = [run(c.record_id, seq=seq, status=status(c)).to_dict() for c in RUN_CASES if status(c) is not None]
    nodes = [
        node(c.record_id, seq=seq, status=status(c)).to_dict() for c in NODE_CASES if status(c) is not None
    ]
    return runs, nodes


def _stored(db_engine: Any) -> dict[str, str | None]:
    with db_engine.connect() as conn:
        rows = conn.execute(select(WorkflowRunRow.id, WorkflowRunRow.status)).all()
        rows += conn.execute(select(NodeExecutionRow.id, NodeExecutionRow.status)).all()
    return {record_id: status for record_id, status in rows}


def test_every_pair_of_the_tables_through_the_task_functions(database_url: str, db_engine: Any) -> None:
    app = create_celery_app("memory://localhost/", database_url)
    save_runs, save_nodes = app.tasks[SAVE_EXECUTION_TASK], app.tasks[SAVE_NODE_EXECUTION_TASK]
    for before in (True, False):
        runs, nodes = _batches(5 if before else 9, before=before)
        for task, args in ((save_runs, [runs, "t1", "a1"]), (save_nodes, [nodes])):
            result = task.apply(args=args)  # eager: the task function, bound, in this process
            assert result.successful(), result.traceback
            assert result.result == len(args[0])

    stored = _stored(db_engine)
    assert mismatches(RUN_CASES, stored) == []
    assert mismatches(NODE_CASES, stored) == []


@pytest.mark.redis
@pytest.mark.slow
def test_every_pair_of_the_tables_through_a_real_worker(
    redis_server: Any, celery_workers: Any, database_url: str, db_engine: Any
) -> None:
    celery_workers()
    app = create_celery_app(redis_server.url, database_url, socket_timeout_s=2.0)
    try:
        runs, nodes = _batches(5, before=True)
        app.send_task(SAVE_EXECUTION_TASK, args=[runs])
        app.send_task(SAVE_NODE_EXECUTION_TASK, args=[nodes])
        wait_until(lambda: len(_stored(db_engine)) == len(runs) + len(nodes), 20, "the first batches")

        runs, nodes = _batches(9, before=False)
        app.send_task(SAVE_EXECUTION_TASK, args=[runs])
        app.send_task(SAVE_NODE_EXECUTION_TASK, args=[nodes])
        # each task is one transaction: once the writes that apply are in, the refused ones were seen
        wait_until(lambda: mismatches(RUN_CASES + NODE_CASES, _stored(db_engine)) == [], 20, "both tables")
    finally:
        app.close()
