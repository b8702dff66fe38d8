"""Identifying data apart, so retention can erase it without editing the event log.

- ``event_texts``: each event's free text (reasons, comments, responses, actions...), moved out
  of ``events.payload``; the payload keeps its facts (routing, flags, deadlines, person ids).
  The append-only triggers are lifted for this one move, inside this migration's transaction,
  and put back as they were.
- ``children.pseudonym`` and ``child_pseudonyms``: a random token per child (per normalised
  local ID), so the report's children and families survive erasure; the report's covering
  index counts pseudonyms.
- ``disputes.erased_at`` and the partial index retention reads (closed, not yet erased).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As drp.governance.FACT_FIELDS was when this migration was written (a migration must not
# change when the code does): every other payload key is free text.
FACT_FIELDS = frozenset(
    {
        "to", "late", "awaiting_approval", "automatic", "final_step", "target",
        "concurrent", "on_time", "due_at", "on_behalf_of", "field",
    }
)  # fmt: skip
PAGE = 5_000
_KEPT_CLOSED = "status = 'closed' AND erased_at IS NULL"


def _json() -> Any:
    return sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True), "postgresql")


EVENTS = sa.table(
    "events", sa.column("reference", sa.String), sa.column("sequence", sa.Integer),
    sa.column("payload", _json()),
)  # fmt: skip
EVENT_TEXTS = sa.table(
    "event_texts", sa.column("reference", sa.String), sa.column("sequence", sa.Integer),
    sa.column("texts", _json()),
)  # fmt: skip
CHILDREN = sa.table(
    "children", sa.column("local_id", sa.String), sa.column("pseudonym", sa.String)
)
PSEUDONYMS = sa.table(
    "child_pseudonyms", sa.column("local_key", sa.String), sa.column("pseudonym", sa.String)
)


def upgrade() -> None:
    _pseudonyms()
    op.create_table(
        "event_texts",
        sa.Column("reference", sa.String(20), primary_key=True),
        sa.Column("sequence", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("texts", _json(), nullable=False),
        sa.ForeignKeyConstraint(
            ["reference", "sequence"], ["events.reference", "events.sequence"],
            name="fk_event_texts_event",
        ),
    )  # fmt: skip
    with _log_unlocked():
        _move_texts_out()
    op.add_column("disputes", sa.Column("erased_at", sa.DateTime(timezone=True)))
    where = sa.text(_KEPT_CLOSED)
    op.create_index(
        "ix_disputes_retention", "disputes", ["closed_at"],
        sqlite_where=where, postgresql_where=where,
    )  # fmt: skip


def downgrade() -> None:
    op.drop_index("ix_disputes_retention", table_name="disputes")
    op.drop_column("disputes", "erased_at")
    with _log_unlocked():
        _move_texts_back()
    op.drop_table("event_texts")
    op.drop_index("ix_children_pseudonym", table_name="children")
    op.drop_index("ix_children_report", table_name="children")
    with op.batch_alter_table("children") as batch:
        batch.drop_column("pseudonym")
    op.create_index("ix_children_report", "children", ["reference", "local_id"])
    op.drop_table("child_pseudonyms")


# --- pseudonyms --------------------------------------------------------------------------------


def _pseudonyms() -> None:
    op.create_table(
        "child_pseudonyms",
        sa.Column("local_key", sa.String(64), primary_key=True),
        sa.Column("pseudonym", sa.String(32), nullable=False),
        sa.UniqueConstraint("pseudonym", name="uq_child_pseudonyms_pseudonym"),
    )
    op.add_column("children", sa.Column("pseudonym", sa.String(32)))
    bind = op.get_bind()
    local_ids = bind.execute(sa.select(CHILDREN.c.local_id).distinct()).scalars().all()
    tokens: dict[str, str] = {}
    for local_id in local_ids:
        tokens.setdefault(local_id.strip().upper(), uuid.uuid4().hex)
    if tokens:
        bind.execute(
            PSEUDONYMS.insert(), [{"local_key": k, "pseudonym": p} for k, p in tokens.items()]
        )
        bind.execute(
            CHILDREN.update()
            .where(CHILDREN.c.local_id == sa.bindparam("old_id"))
            .values(pseudonym=sa.bindparam("token")),
            [{"old_id": i, "token": tokens[i.strip().upper()]} for i in local_ids],
        )
    with op.batch_alter_table("children") as batch:
        batch.alter_column("pseudonym", existing_type=sa.String(32), nullable=False)
    op.drop_index("ix_children_report", table_name="children")
    op.create_index("ix_children_report", "children", ["reference", "pseudonym"])
    op.create_index("ix_children_pseudonym", "children", ["pseudonym"])


# --- the event log's free text -----------------------------------------------------------------


class _log_unlocked:  # noqa: N801 - used as a context manager, reads as a phrase
    """Lift the event log's UPDATE trigger for this migration's own move, then restore it."""

    def __enter__(self) -> None:
        if op.get_bind().dialect.name == "postgresql":
            op.execute("ALTER TABLE events DISABLE TRIGGER events_append_only")
        else:
            op.execute("DROP TRIGGER events_no_update")

    def __exit__(self, *exc: object) -> None:
        if op.get_bind().dialect.name == "postgresql":
            op.execute("ALTER TABLE events ENABLE TRIGGER events_append_only")
        else:
            op.execute(
                "CREATE TRIGGER events_no_update BEFORE UPDATE ON events "
                "BEGIN SELECT RAISE(ABORT, 'events is append-only: UPDATE refused'); END"
            )


def _pages(statement: Any, order: Sequence[Any]) -> Iterator[Sequence[Any]]:
    """Rows in keyset pages (a large log is never held in memory at once)."""
    bind = op.get_bind()
    after: tuple[Any, ...] | None = None
    while True:
        page = statement.order_by(*order).limit(PAGE)
        if after is not None:
            page = page.where(sa.tuple_(*order) > sa.tuple_(*after))
        rows = bind.execute(page).all()
        if not rows:
            return
        yield rows
        after = tuple(rows[-1][: len(order)])


def _move_texts_out() -> None:
    bind = op.get_bind()
    statement = sa.select(EVENTS.c.reference, EVENTS.c.sequence, EVENTS.c.payload)
    for rows in _pages(statement, (EVENTS.c.reference, EVENTS.c.sequence)):
        moved = [(r, s, p) for r, s, p in rows if set(p or {}) - FACT_FIELDS]
        if not moved:
            continue
        bind.execute(
            EVENT_TEXTS.insert(),
            [
                {"reference": r, "sequence": s, "texts": _only(p, keep=False)}
                for r, s, p in moved
            ],
        )
        bind.execute(_set_payload(), [_payload_row(r, s, _only(p, keep=True)) for r, s, p in moved])


def _move_texts_back() -> None:
    bind = op.get_bind()
    joined = EVENTS.join(
        EVENT_TEXTS,
        (EVENT_TEXTS.c.reference == EVENTS.c.reference)
        & (EVENT_TEXTS.c.sequence == EVENTS.c.sequence),
    )
    statement = sa.select(
        EVENTS.c.reference, EVENTS.c.sequence, EVENTS.c.payload, EVENT_TEXTS.c.texts
    ).select_from(joined)
    for rows in _pages(statement, (EVENTS.c.reference, EVENTS.c.sequence)):
        bind.execute(_set_payload(), [_payload_row(r, s, {**p, **t}) for r, s, p, t in rows])


def _only(payload: dict[str, Any], *, keep: bool) -> dict[str, Any]:
    return {k: v for k, v in payload.items() if (k in FACT_FIELDS) == keep}


def _set_payload() -> Any:
    return (
        EVENTS.update()
        .where(EVENTS.c.reference == sa.bindparam("ref"), EVENTS.c.sequence == sa.bindparam("seq"))
        .values(payload=sa.bindparam("body", type_=_json()))
    )


def _payload_row(reference: str, sequence: int, payload: dict[str, Any]) -> dict[str, Any]:
    return {"ref": reference, "seq": sequence, "body": payload}
