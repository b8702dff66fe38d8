"""The directory from Entra ID: who keeps each person (file or sync), leavers kept with the date
they left, the sync's delta links and lease, and the mapped groups' members.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _instant(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=True)


def upgrade() -> None:
    with op.batch_alter_table("people") as people:
        people.add_column(
            sa.Column("source", sa.String(16), nullable=False, server_default="csv")
        )
        people.add_column(_instant("left_at"))
    op.create_table(
        "directory_sync",
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("users_delta", sa.Text(), nullable=True),
        sa.Column("groups_delta", sa.Text(), nullable=True),
        sa.Column("mapping_digest", sa.String(64), nullable=True),
        _instant("synced_at"),
        sa.Column("lease_owner", sa.String(100), nullable=True),
        _instant("lease_expires_at"),
        sa.PrimaryKeyConstraint("source", name="pk_directory_sync"),
    )
    op.create_table(
        "directory_members",
        sa.Column("group_id", sa.String(100), nullable=False),
        sa.Column("aad_object_id", sa.String(100), nullable=False),
        sa.PrimaryKeyConstraint("group_id", "aad_object_id", name="pk_directory_members"),
    )
    op.create_index(
        "ix_directory_members_aad_object_id", "directory_members", ["aad_object_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_directory_members_aad_object_id", table_name="directory_members")
    op.drop_table("directory_members")
    op.drop_table("directory_sync")
    with op.batch_alter_table("people") as people:
        people.drop_column("left_at")
        people.drop_column("source")
