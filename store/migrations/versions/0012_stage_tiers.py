"""Tiers of management within a stage (issue 14, seed 004 §2.10): the tier a dispute is at
(1: the stage's own roles). A climb to the next tier opens a stage visit of its own, so the
visits need no column: the events say which tier each was.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("disputes", sa.Column("tier", sa.Integer(), nullable=False, server_default="1"))


def downgrade() -> None:
    op.drop_column("disputes", "tier")
