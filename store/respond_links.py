"""The secure response page's one-time codes (issue 18): one row per response link opened,
keyed by the link's id (a hash of the signed token, never the token), holding only a hash of
the code sent, how many wrong codes were typed, and when the link was verified and used.

The table lives here rather than in ``store.schema`` (on the same metadata) to keep that module
under the size limit; the migration is ``0008_respond_links``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Column, Integer, String, Table, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from store.schema import KEY, PERSON, REF, metadata
from store.types import UtcDateTime

LINK_ID = 64  # hex SHA-256 of the token
CODE_HASH = 64  # hex HMAC-SHA-256 of the code

respond_links = Table(
    "respond_links",
    metadata,
    Column("link_id", String(LINK_ID), primary_key=True),
    Column("person_id", String(PERSON), nullable=False),
    Column("reference", String(REF), nullable=False),
    Column("stage", String(KEY), nullable=False),
    Column("code_hash", String(CODE_HASH), nullable=False),
    Column("code_sent_at", UtcDateTime, nullable=False),
    Column("failures", Integer, nullable=False, server_default="0"),
    Column("verified_at", UtcDateTime),
    Column("used_at", UtcDateTime),
)


@dataclass(frozen=True, slots=True)
class RespondLink:
    """What is known of one opened response link."""

    link_id: str
    person_id: str
    reference: str
    stage: str
    code_hash: str
    code_sent_at: datetime
    failures: int = 0
    verified_at: datetime | None = None
    used_at: datetime | None = None


class RespondLinks:
    """The response links' repository of one transaction."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def get(self, link_id: str) -> RespondLink | None:
        """The link's row, if a code was ever sent for it."""
        statement = select(respond_links).where(respond_links.c.link_id == link_id)
        row = (await self._conn.execute(statement)).first()
        return None if row is None else RespondLink(**dict(row._mapping))

    async def code_sent(self, link: RespondLink) -> None:
        """Record a new code for the link (its failures and use are kept)."""
        found = await self.get(link.link_id)
        if found is None:
            await self._conn.execute(insert(respond_links).values(_values(link)))
            return
        changes = {"code_hash": link.code_hash, "code_sent_at": link.code_sent_at}
        await self._set(link.link_id, changes)

    async def failed(self, link_id: str) -> int:
        """One more wrong code; returns how many there have been."""
        await self._set(link_id, {"failures": respond_links.c.failures + 1})
        found = await self.get(link_id)
        return found.failures if found else 0

    async def verified(self, link_id: str, at: datetime) -> None:
        """The right code was typed."""
        await self._set(link_id, {"verified_at": at})

    async def used(self, link_id: str, at: datetime) -> None:
        """The link's answer was recorded: it opens nothing any more."""
        await self._set(link_id, {"used_at": at})

    async def _set(self, link_id: str, values: dict[str, Any]) -> None:
        statement = update(respond_links).where(respond_links.c.link_id == link_id)
        await self._conn.execute(statement.values(values))


def _values(link: RespondLink) -> dict[str, Any]:
    return {
        "link_id": link.link_id,
        "person_id": link.person_id,
        "reference": link.reference,
        "stage": link.stage,
        "code_hash": link.code_hash,
        "code_sent_at": link.code_sent_at,
        "failures": link.failures,
        "verified_at": link.verified_at,
        "used_at": link.used_at,
    }
