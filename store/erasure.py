"""Retention's erasure: a closed dispute's identifying data removed, what the reports count kept.

Erased: children's names, local IDs and dates of birth (each child keeps its pseudonym), the
concern's free text (summary, impact, evidence, requested actions, "other" category), every
event's free text (``event_texts``) and its copies in the projections (responses, actions,
practice issues, the chair's comments), the text of compliments, and the pseudonym links no kept
dispute needs. Kept: the event log itself (facts only), stages, dates, category, team, outcome,
who acted. On SQLite ``secure_delete`` (store.engine) zeroes what is removed; ``scrub`` then
folds the write-ahead log back into the file and empties it, so no copy is left on disk.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Table, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from store.pseudonyms import Pseudonyms
from store.schema import (
    KEPT_CLOSED,
    chair_reviews,
    children,
    compliments,
    dispute_actions,
    disputes,
    event_texts,
    posted_cards,
    responses,
)

# The SQLite file's ``user_version`` once it has been rebuilt with secure_delete on: pages
# written before then (an upgraded database) may still hold old row versions in free space.
SCRUBBED = 1


@dataclass(frozen=True, slots=True)
class Closed:
    """A closed dispute still holding its identifying data."""

    reference: str
    closed_at: datetime


@dataclass(frozen=True, slots=True)
class Erased:
    """What erasure removed from one dispute (counts only: never the text)."""

    reference: str
    closed_at: datetime
    children: int
    texts: int
    posted_cards: int  # cards in Teams chats showing it, to be updated to the erased view


class Erasure:
    """The erasure repository of one transaction."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn
        self._postgres = conn.dialect.name == "postgresql"

    async def due(
        self, cutoff: datetime, *, limit: int, after: Closed | None = None
    ) -> list[Closed]:
        """Closed disputes not yet erased that closed before ``cutoff``, oldest first."""
        order = (disputes.c.closed_at, disputes.c.reference)
        statement = select(*order).where(KEPT_CLOSED, disputes.c.closed_at < cutoff)
        if after is not None:
            statement = statement.where(
                (disputes.c.closed_at > after.closed_at)
                | (
                    (disputes.c.closed_at == after.closed_at)
                    & (disputes.c.reference > after.reference)
                )
            )
        rows = await self._conn.execute(statement.order_by(*order).limit(limit))
        return [Closed(ref, closed) for closed, ref in rows]

    async def erase(self, references: Sequence[str], at: datetime) -> tuple[list[Erased], int]:
        """Erase these disputes (those still closed and kept): what each lost, and how many
        rows were changed or deleted in all."""
        found = select(disputes.c.reference, disputes.c.closed_at).where(
            disputes.c.reference.in_(references), KEPT_CLOSED
        )
        if self._postgres:
            found = found.with_for_update()
        closed: dict[str, datetime] = {
            r.reference: r.closed_at for r in await self._conn.execute(found)
        }
        if not closed:
            return [], 0
        refs = sorted(closed)
        kids = await self._count(children, refs)
        texts = await self._count(event_texts, refs)
        cards = await self._count(posted_cards, refs)
        pseudonyms = await self._conn.execute(
            select(children.c.pseudonym).where(children.c.reference.in_(refs))
        )
        rows = await self._blank(refs, at)
        rows += await Pseudonyms(self._conn).release(list(pseudonyms.scalars()))
        erased = [
            Erased(ref, closed[ref], kids.get(ref, 0), texts.get(ref, 0), cards.get(ref, 0))
            for ref in refs
        ]
        return erased, rows

    async def _count(self, table: Table, refs: list[str]) -> dict[str, int]:
        column = table.c.reference
        statement = select(column, func.count()).where(column.in_(refs)).group_by(column)
        return {ref: int(n) for ref, n in await self._conn.execute(statement)}

    async def _blank(self, refs: list[str], at: datetime) -> int:
        """Blank or delete every identifying column of these disputes; rows changed."""
        statements = (
            update(disputes)
            .where(disputes.c.reference.in_(refs))
            .values(
                summary="",
                impact="",
                evidence="",
                category_other="",
                requested_actions=[],
                erased_at=at,
            ),
            update(children)
            .where(children.c.reference.in_(refs))
            .values(name="", local_id="", dob=None),
            delete(event_texts).where(event_texts.c.reference.in_(refs)),
            update(responses)
            .where(responses.c.reference.in_(refs))
            .values(response="", actions=[], practice_issues=""),
            update(chair_reviews)
            .where(chair_reviews.c.reference.in_(refs))
            .values(comments="", updated_concerns=""),
            update(compliments).where(compliments.c.reference.in_(refs)).values(text=""),
            update(dispute_actions).where(dispute_actions.c.reference.in_(refs)).values(text=""),
        )
        changed = 0
        for statement in statements:
            changed += int((await self._conn.execute(statement)).rowcount)
        return changed

    async def compliments_due(self, cutoff: datetime) -> list[int]:
        """Compliments sent before ``cutoff`` whose text (which may name a child's local ID) is
        still held, oldest first."""
        statement = (
            select(compliments.c.id)
            .where(compliments.c.created_at < cutoff, compliments.c.text != "")
            .order_by(compliments.c.id)
        )
        return [int(i) for i in (await self._conn.execute(statement)).scalars()]

    async def erase_compliments(self, ids: Sequence[int]) -> int:
        """Blank these compliments' text (who, to whom and when stay for the report)."""
        if not ids:
            return 0
        statement = update(compliments).where(compliments.c.id.in_(ids)).values(text="")
        return int((await self._conn.execute(statement)).rowcount)


async def scrub(conn: AsyncConnection) -> bool:
    """After erasure on SQLite: rebuild the file once (pages from before secure_delete), then
    fold the write-ahead log into it and truncate it. False if a reader kept the log busy."""
    if conn.dialect.name != "sqlite":
        return True  # PostgreSQL: see docs/data-protection.md (VACUUM, backups)
    # Outside any transaction (VACUUM refuses one): straight on the driver's connection.
    raw = await conn.get_raw_connection()
    driver = raw.driver_connection
    assert driver is not None
    version = await (await driver.execute("PRAGMA user_version")).fetchone()
    if version is None or int(version[0]) < SCRUBBED:
        await driver.execute("VACUUM")
        await driver.execute(f"PRAGMA user_version={SCRUBBED}")
    busy = await (await driver.execute("PRAGMA wal_checkpoint(TRUNCATE)")).fetchone()
    return busy is not None and int(busy[0]) == 0
