"""The quarter's notes the QA manager writes for the report (``drp.quarter_notes``): added,
never changed; an action's progress and its end are notes naming it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Row, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from drp.quarter_notes import NoteKind, Quarter, QuarterNote
from store.schema import quarter_notes


class QuarterNotes:
    """The quarter-notes repository of one transaction."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(
        self,
        policy: str,
        quarter: Quarter,
        kind: NoteKind,
        text: str,
        *,
        author: str,
        at: datetime,
        action: int | None = None,
    ) -> int:
        """Store a note; returns its number."""
        values = {
            "policy": policy,
            "quarter": str(quarter),
            "kind": kind.value,
            "text": text,
            "action_id": action,
            "author": author,
            "at": at,
        }
        statement = insert(quarter_notes).values(values).returning(quarter_notes.c.id)
        return int((await self._conn.execute(statement)).scalar_one())

    async def action(self, policy: str, number: int) -> QuarterNote | None:
        """The policy's action with this number, or None."""
        statement = select(quarter_notes).where(
            quarter_notes.c.policy == policy,
            quarter_notes.c.id == number,
            quarter_notes.c.kind == NoteKind.ACTION.value,
        )
        row = (await self._conn.execute(statement)).first()
        return None if row is None else _note(row)

    async def up_to(self, policy: str, last: Quarter) -> list[QuarterNote]:
        """Every note of the policy's quarters up to ``last``, oldest first (the action log
        reaches back; a report picks its own quarters' comments and issues)."""
        statement = (
            select(quarter_notes)
            .where(quarter_notes.c.policy == policy, quarter_notes.c.quarter <= str(last))
            .order_by(quarter_notes.c.id)
        )
        return _notes(await self._conn.execute(statement))


def _notes(rows: Iterable[Row[Any]]) -> list[QuarterNote]:
    return [_note(row) for row in rows]


def _note(row: Row[Any]) -> QuarterNote:
    m = row._mapping
    action = m["action_id"]
    return QuarterNote(
        number=int(m["id"]),
        quarter=Quarter.parse(m["quarter"]),
        kind=NoteKind(m["kind"]),
        text=m["text"],
        author=m["author"],
        at=m["at"],
        action=int(action) if action is not None else None,
    )
