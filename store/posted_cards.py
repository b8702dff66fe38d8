"""Posted cards: which activity shows which dispute to whom, so it can be updated in place."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Row, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from store.rows import PostedCard
from store.schema import posted_cards


class PostedCards:
    """The posted-card repository of one transaction."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn
        self._postgres = conn.dialect.name == "postgresql"

    async def record(self, card: PostedCard) -> None:
        """Remember a posted card; the same activity posted again replaces what it shows."""
        values = {
            "reference": card.reference,
            "recipient": card.recipient,
            "kind": card.kind,
            "conversation_id": card.conversation_id,
            "activity_id": card.activity_id,
            "conversation_ref": dict(card.conversation_ref),
            "posted_at": card.posted_at,
            "updated_at": card.updated_at or card.posted_at,
        }
        maker = pg_insert if self._postgres else sqlite_insert
        statement = maker(posted_cards).values(values)
        changed = {k: statement.excluded[k] for k in ("reference", "recipient", "kind")}
        statement = statement.on_conflict_do_update(
            index_elements=[posted_cards.c.conversation_id, posted_cards.c.activity_id],
            set_={**changed, "updated_at": statement.excluded.updated_at},
        )
        await self._conn.execute(statement)

    async def touch(self, conversation_id: str, activity_id: str, at: datetime) -> bool:
        """Note that a card was updated in place; False if no such card is known."""
        statement = (
            update(posted_cards)
            .where(
                posted_cards.c.conversation_id == conversation_id,
                posted_cards.c.activity_id == activity_id,
            )
            .values(updated_at=at)
        )
        return (await self._conn.execute(statement)).rowcount == 1

    async def for_dispute(
        self, reference: str, *, kind: str | None = None, recipient: str | None = None
    ) -> list[PostedCard]:
        """The cards showing a dispute (of one kind, to one recipient, if given), oldest first."""
        statement = select(posted_cards).where(posted_cards.c.reference == reference)
        if kind is not None:
            statement = statement.where(posted_cards.c.kind == kind)
        if recipient is not None:
            statement = statement.where(posted_cards.c.recipient == recipient)
        statement = statement.order_by(posted_cards.c.id)
        return [_card(row) for row in await self._conn.execute(statement)]

    async def find(self, conversation_id: str, activity_id: str) -> PostedCard | None:
        """The card posted as this activity, if the bot recorded it."""
        statement = select(posted_cards).where(
            posted_cards.c.conversation_id == conversation_id,
            posted_cards.c.activity_id == activity_id,
        )
        row = (await self._conn.execute(statement)).first()
        return None if row is None else _card(row)


def _card(row: Row[Any]) -> PostedCard:
    m = row._mapping
    return PostedCard(
        reference=m["reference"],
        recipient=m["recipient"],
        kind=m["kind"],
        conversation_id=m["conversation_id"],
        activity_id=m["activity_id"],
        conversation_ref=m["conversation_ref"],
        posted_at=m["posted_at"],
        updated_at=m["updated_at"],
    )
