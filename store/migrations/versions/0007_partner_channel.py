"""How the bot reaches a person: Teams, or e-mail only (a partner agency outside the council's
Teams, issue 18), and the agency they work for.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "people", sa.Column("channel", sa.String(8), nullable=False, server_default="teams")
    )
    op.add_column("people", sa.Column("agency", sa.String(200), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.drop_column("agency")
        batch.drop_column("channel")
