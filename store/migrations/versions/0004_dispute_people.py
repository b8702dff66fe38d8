"""Approvers and deciders: a dispute may wait for any of several approvers, and a stage may name
deciders who share the review with the raiser (issue 15). They move from the single
``disputes.approver`` column to ``dispute_people`` (one row per person and part); a close may wait
for agreement (``pending_outcome``, ``pending_note``); a final step's deadline is indexed.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dispute_people",
        sa.Column(
            "reference", sa.String(20), sa.ForeignKey("disputes.reference"), primary_key=True
        ),
        sa.Column("part", sa.String(64), primary_key=True),
        sa.Column("position", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("person_id", sa.String(100), nullable=False),
    )
    op.create_index(
        "ix_dispute_people_person_id", "dispute_people", ["person_id", "part", "reference"]
    )
    op.execute(
        "INSERT INTO dispute_people (reference, part, position, person_id) "
        "SELECT reference, 'approver', 0, approver FROM disputes WHERE approver <> ''"
    )
    op.drop_index("ix_disputes_approver", table_name="disputes")
    op.drop_column("disputes", "approver")
    op.add_column("disputes", sa.Column("pending_outcome", sa.String(64), nullable=True))
    op.add_column(
        "disputes", sa.Column("pending_note", sa.Text(), nullable=False, server_default="")
    )
    # A final step may have a deadline now: the sweep finds them by index.
    op.create_index(
        "ix_disputes_final_due", "disputes", ["due_at"],
        sqlite_where=sa.text("status = 'external'"),
        postgresql_where=sa.text("status = 'external'"),
    )


def downgrade() -> None:
    op.drop_index("ix_disputes_final_due", table_name="disputes")
    op.drop_column("disputes", "pending_note")
    op.drop_column("disputes", "pending_outcome")
    op.add_column(
        "disputes", sa.Column("approver", sa.String(100), nullable=False, server_default="")
    )
    op.execute(
        "UPDATE disputes SET approver = COALESCE((SELECT person_id FROM dispute_people p "
        "WHERE p.reference = disputes.reference AND p.part = 'approver' AND p.position = 0), '')"
    )
    op.execute(
        "CREATE INDEX ix_disputes_approver ON disputes (approver) "
        "WHERE status = 'awaiting_approval'"
    )
    op.drop_index("ix_dispute_people_person_id", table_name="dispute_people")
    op.drop_table("dispute_people")
