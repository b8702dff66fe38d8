"""Agreed actions are tracked (issue 14.4): requested and agreed actions become rows with an
owner, a complete-by date and who ticked them done (``dispute_actions``, open ones indexed by
date for the scheduler); a dispute counts how often its chair reopened it. Actions requested on
disputes raised before this revision stay in ``disputes.requested_actions`` as they were.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = sa.text("done_at IS NULL")


def upgrade() -> None:
    op.create_table(
        "dispute_actions",
        sa.Column(
            "reference", sa.String(20), sa.ForeignKey("disputes.reference"), primary_key=True
        ),
        sa.Column("position", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("complete_by", sa.Date(), nullable=False),
        sa.Column("owner", sa.String(100), nullable=False),
        sa.Column("added_by", sa.String(100), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("stage", sa.String(64), nullable=False),
        sa.Column("done_by", sa.String(100), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True)),
        sa.Column("passed_noted", sa.Boolean(), nullable=False),
    )
    op.create_index(
        "ix_dispute_actions_open",
        "dispute_actions",
        ["complete_by"],
        sqlite_where=OPEN,
        postgresql_where=OPEN,
    )
    op.add_column(
        "disputes", sa.Column("reopened", sa.Integer(), nullable=False, server_default="0")
    )


def downgrade() -> None:
    op.drop_column("disputes", "reopened")
    op.drop_index("ix_dispute_actions_open", table_name="dispute_actions")
    op.drop_table("dispute_actions")
