"""Children's pseudonyms: one random token per child (per normalised local ID), so the report
counts children and families the same before and after retention erases the local IDs.

``child_pseudonyms`` is the only link from a local ID to its token. It is released (deleted)
when no kept dispute names that child any more: after that, the token identifies no one.
On PostgreSQL a kept link is held ``FOR SHARE`` until the naming dispute commits, and a release
locks the link before it looks for kept disputes, so the two never cross.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import delete, exists, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from drp.tally import child_key
from store.errors import StoreError
from store.schema import child_pseudonyms, children

_TRIES = 3


def new_pseudonym() -> str:
    """A fresh random token (no function of the local ID: nothing to reverse)."""
    return uuid.uuid4().hex


class Pseudonyms:
    """The pseudonym repository of one transaction."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn
        self._postgres = conn.dialect.name == "postgresql"

    async def of(self, local_id: str) -> str:
        """The child's pseudonym, made on first sight of its local ID."""
        key = child_key(local_id)
        maker = pg_insert if self._postgres else sqlite_insert
        for _ in range(_TRIES):
            made = (
                maker(child_pseudonyms)
                .values(local_key=key, pseudonym=new_pseudonym())
                .on_conflict_do_nothing(index_elements=[child_pseudonyms.c.local_key])
            )
            await self._conn.execute(made)
            found = select(child_pseudonyms.c.pseudonym).where(child_pseudonyms.c.local_key == key)
            if self._postgres:
                found = found.with_for_update(read=True)
            pseudonym = (await self._conn.execute(found)).scalar_one_or_none()
            if pseudonym is not None:
                return str(pseudonym)
            # Released by a concurrent erasure between the two statements: make it again.
        raise StoreError("a child's pseudonym could not be settled; try again")

    async def release(self, pseudonyms: Iterable[str]) -> int:
        """Drop the links no kept dispute needs any more; how many were dropped."""
        wanted = sorted(set(pseudonyms))
        if not wanted:
            return 0
        if self._postgres:
            lock = select(child_pseudonyms.c.local_key).where(
                child_pseudonyms.c.pseudonym.in_(wanted)
            )
            await self._conn.execute(lock.with_for_update())
        kept = exists().where(
            children.c.pseudonym == child_pseudonyms.c.pseudonym, children.c.local_id != ""
        )
        statement = delete(child_pseudonyms).where(child_pseudonyms.c.pseudonym.in_(wanted), ~kept)
        return int((await self._conn.execute(statement)).rowcount)
