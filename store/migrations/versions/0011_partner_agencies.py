"""Disputes with partner agencies (seeds 003 and 002's reports): the directory says which
teams belong to a partner agency (a health trust, the police, a school), named in
``teams.partner_agency`` ("" for the council's own teams, as every team was before).

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "teams",
        sa.Column("partner_agency", sa.String(200), nullable=False, server_default=""),
    )


def downgrade() -> None:
    with op.batch_alter_table("teams") as batch:
        batch.drop_column("partner_agency")
