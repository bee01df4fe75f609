"""run_owners and run_commands: operator control from other processes

``run_owners``: the owner (owner id, host, pid) of a run started through Flowdeck,
its heartbeat and, while paused, its snapshot.  ``run_commands``: terminate / pause /
resume commands any process inserts and the owner takes.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "run_owners",
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.Column("owner_id", sa.String(length=64), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("claimed_at", sa.Double(), nullable=False),
        sa.Column("heartbeat_at", sa.Double(), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("run_id", name=op.f("pk_run_owners")),
    )
    with op.batch_alter_table("run_owners", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_run_owners_owner_id"), ["owner_id"], unique=False)

    op.create_table(
        "run_commands",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.Column("command", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.Double(), nullable=False),
        sa.Column("taken_at", sa.Double(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_run_commands")),
    )
    with op.batch_alter_table("run_commands", schema=None) as batch_op:
        batch_op.create_index("ix_run_commands_run_id_taken_at", ["run_id", "taken_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("run_commands", schema=None) as batch_op:
        batch_op.drop_index("ix_run_commands_run_id_taken_at")
    op.drop_table("run_commands")
    with op.batch_alter_table("run_owners", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_run_owners_owner_id"))
    op.drop_table("run_owners")
