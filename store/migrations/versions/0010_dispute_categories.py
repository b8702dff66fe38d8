"""Several categories (issue 14.5): where a policy's form ticks every category that applies
(seed 003), the categories ticked after the first are kept one row each in
``dispute_categories``; ``disputes.category`` stays the first, so a dispute raised before (one
category, no rows here) reads as it did.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dispute_categories",
        sa.Column(
            "reference", sa.String(20), sa.ForeignKey("disputes.reference"), primary_key=True
        ),
        sa.Column("position", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("category", sa.String(64), nullable=False),
    )
    # The report counts each category ticked: by category, from this index alone.
    op.create_index(
        "ix_dispute_categories_report", "dispute_categories", ["reference", "category"]
    )


def downgrade() -> None:
    op.drop_index("ix_dispute_categories_report", table_name="dispute_categories")
    op.drop_table("dispute_categories")
