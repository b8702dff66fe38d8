"""Covering indexes for the quarterly report: a period's events, disputes and responses are
counted from indexes alone, so the report over a large history reads no table rows.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (
    ("ix_events_report", "events", ["kind", "at", "from_stage", "to_stage", "reference"]),
    ("ix_children_report", "children", ["reference", "local_id"]),
    (
        "ix_disputes_raised_report",
        "disputes",
        ["raised_at", "policy", "raiser_role", "team", "category", "issue_type", "reference"],
    ),
    (
        "ix_disputes_report",
        "disputes",
        [
            "reference",
            "policy",
            "raiser_role",
            "raised_at",
            "closed_at",
            "outcome",
            "formal_started_at",
        ],
    ),
    ("ix_responses_report", "responses", ["at", "stage", "on_time", "reference"]),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _ in INDEXES:
        op.drop_index(name, table_name=table)
