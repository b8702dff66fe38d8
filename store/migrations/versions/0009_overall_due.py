"""The overall limit is a deadline (issue 14.3): open disputes by their overall limit, so the
morning digest finds those near or past it without scanning every open dispute.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = sa.text("status != 'closed'")


def upgrade() -> None:
    op.create_index(
        "ix_disputes_overall_due",
        "disputes",
        ["overall_due_at"],
        sqlite_where=OPEN,
        postgresql_where=OPEN,
    )


def downgrade() -> None:
    op.drop_index("ix_disputes_overall_due", table_name="disputes")
