"""Compliments: a chair's recognition of good practice, acknowledged by its recipients."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Row, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from store.rows import Compliment
from store.schema import compliments


class Compliments:
    """The compliment repository of one transaction."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(
        self,
        from_person: str,
        to_practitioner: str,
        team_manager: str,
        text: str,
        *,
        at: datetime,
        reference: str | None = None,
    ) -> int:
        """Store a compliment; returns its id."""
        values = {
            "from_person": from_person,
            "to_practitioner": to_practitioner,
            "team_manager": team_manager,
            "text": text,
            "created_at": at,
            "reference": reference,
        }
        statement = insert(compliments).values(values).returning(compliments.c.id)
        return int((await self._conn.execute(statement)).scalar_one())

    async def acknowledge(self, compliment_id: int, by: str, at: datetime) -> bool:
        """Record the first acknowledgement; False if already acknowledged or unknown."""
        statement = (
            update(compliments)
            .where(compliments.c.id == compliment_id, compliments.c.acknowledged_at.is_(None))
            .values(acknowledged_by=by, acknowledged_at=at)
        )
        return (await self._conn.execute(statement)).rowcount == 1

    async def get(self, compliment_id: int) -> Compliment | None:
        """One compliment by id."""
        statement = select(compliments).where(compliments.c.id == compliment_id)
        row = (await self._conn.execute(statement)).first()
        return None if row is None else compliment_from(row)

    async def for_person(self, person_id: str) -> list[Compliment]:
        """Compliments to this practitioner or copied to this team manager, newest first."""
        mine = or_(
            compliments.c.to_practitioner == person_id, compliments.c.team_manager == person_id
        )
        statement = select(compliments).where(mine).order_by(compliments.c.id.desc())
        return [compliment_from(row) for row in await self._conn.execute(statement)]

    async def mentioning(self, fragment: str) -> list[Compliment]:
        """Compliments whose text holds ``fragment`` (upper case; a child's local ID, which the
        compliment form asks for), oldest first: the caller checks the field itself."""
        holds = func.upper(compliments.c.text).contains(fragment.upper(), autoescape=True)
        statement = select(compliments).where(holds).order_by(compliments.c.id)
        return [compliment_from(row) for row in await self._conn.execute(statement)]


def compliment_from(row: Row[Any]) -> Compliment:
    """A compliment from its row (also used by the report queries)."""
    m = row._mapping
    return Compliment(
        id=int(m["id"]),
        from_person=m["from_person"],
        to_practitioner=m["to_practitioner"],
        team_manager=m["team_manager"],
        text=m["text"],
        created_at=m["created_at"],
        reference=m["reference"],
        acknowledged_by=m["acknowledged_by"],
        acknowledged_at=m["acknowledged_at"],
    )
