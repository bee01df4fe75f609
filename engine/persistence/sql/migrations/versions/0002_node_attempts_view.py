"""node_attempts: one row per try, a view over workflow_node_executions.attempts

Attempts are stored with their node (one row written per node instead of two);
this view gives them back as the relation the run-records design names, for SQL
readers and reports.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SQLITE = """
CREATE VIEW node_attempts AS
SELECT n.id AS node_execution_id,
       n.run_id AS run_id,
       n.node_id AS node_id,
       CAST(json_extract(a.value, '$.index') AS INTEGER) AS attempt_index,
       json_extract(a.value, '$.started_at') AS started_at,
       json_extract(a.value, '$.finished_at') AS finished_at,
       json_extract(a.value, '$.error') AS error,
       json_extract(a.value, '$.status') AS status
FROM workflow_node_executions AS n, json_each(n.attempts) AS a
"""

_POSTGRESQL = """
CREATE VIEW node_attempts AS
SELECT n.id AS node_execution_id,
       n.run_id AS run_id,
       n.node_id AS node_id,
       (a.value ->> 'index')::integer AS attempt_index,
       (a.value ->> 'started_at')::double precision AS started_at,
       (a.value ->> 'finished_at')::double precision AS finished_at,
       a.value ->> 'error' AS error,
       a.value ->> 'status' AS status
FROM workflow_node_executions AS n
CROSS JOIN LATERAL json_array_elements(n.attempts::json) AS a(value)
"""


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.execute(_POSTGRESQL if dialect == "postgresql" else _SQLITE)


def downgrade() -> None:
    op.execute("DROP VIEW IF EXISTS node_attempts")
