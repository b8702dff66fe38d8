"""The notification outbox: messages owed, written with the command, sent by a leasing sweeper.

Delivery is at least once: a sender claims due rows under a lease, sends, then marks each sent
or failed. A sender that dies leaves its lease to expire and another claims the row again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from store.errors import InvalidRecord
from store.rows import Json, OutboxMessage
from store.schema import OUTBOX_PENDING, outbox

MAX_ERROR = 500  # characters of an error kept (ids and codes only, never payloads)


@dataclass(frozen=True, slots=True)
class Owing:
    """A message to owe (``Outbox.enqueue_all``): ``enqueue``'s arguments as one row."""

    recipient: str
    kind: str
    dedupe_key: str
    payload: Json
    due_at: datetime
    reference: str | None = None


class Outbox:
    """The outbox repository of one transaction."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn
        self._postgres = conn.dialect.name == "postgresql"

    async def enqueue(
        self,
        recipient: str,
        kind: str,
        dedupe_key: str,
        payload: Json,
        *,
        due_at: datetime,
        reference: str | None = None,
    ) -> bool:
        """Owe ``recipient`` a message; False (and no change) if ``dedupe_key`` is already owed."""
        if not dedupe_key:
            raise InvalidRecord("dedupe_key", "is required")
        values = {
            "recipient": recipient,
            "kind": kind,
            "reference": reference,
            "dedupe_key": dedupe_key,
            "payload": dict(payload),
            "due_at": due_at,
            "attempts": 0,
            "failed": False,
        }
        maker = pg_insert if self._postgres else sqlite_insert
        statement = (
            maker(outbox)
            .values(values)
            .on_conflict_do_nothing(index_elements=[outbox.c.dedupe_key])
        )
        return (await self._conn.execute(statement)).rowcount == 1

    async def enqueue_all(self, rows: Sequence[Owing]) -> None:
        """Owe several messages in one statement; a row whose dedupe key is already owed (or
        repeats an earlier row's) is left out, as ``enqueue`` would."""
        if not rows:
            return
        if any(not row.dedupe_key for row in rows):
            raise InvalidRecord("dedupe_key", "is required")
        values = [
            {
                "recipient": row.recipient,
                "kind": row.kind,
                "reference": row.reference,
                "dedupe_key": row.dedupe_key,
                "payload": dict(row.payload),
                "due_at": row.due_at,
                "attempts": 0,
                "failed": False,
            }
            for row in rows
        ]
        maker = pg_insert if self._postgres else sqlite_insert
        statement = (
            maker(outbox)
            .values(values)
            .on_conflict_do_nothing(index_elements=[outbox.c.dedupe_key])
        )
        await self._conn.execute(statement)

    async def claim_due(
        self, now: datetime, owner: str, lease_seconds: float, limit: int
    ) -> list[OutboxMessage]:
        """Lease up to ``limit`` due messages to ``owner``; rows leased to others are skipped."""
        free = or_(outbox.c.lease_expires_at.is_(None), outbox.c.lease_expires_at <= now)
        candidates = (
            select(outbox.c.id)
            .where(OUTBOX_PENDING, outbox.c.due_at <= now, free)
            .order_by(outbox.c.due_at, outbox.c.id)
            .limit(limit)
        )
        if self._postgres:
            # Concurrent claimers each lock different rows instead of waiting on each other.
            candidates = candidates.with_for_update(skip_locked=True)
        ids = list((await self._conn.execute(candidates)).scalars())
        if not ids:
            return []
        lease = {
            "lease_owner": owner,
            "lease_expires_at": now + timedelta(seconds=lease_seconds),
            "attempts": outbox.c.attempts + 1,
        }
        claimed = update(outbox).where(outbox.c.id.in_(ids)).values(lease).returning(outbox)
        rows = await self._conn.execute(claimed)
        return sorted((message_from(row) for row in rows), key=lambda m: (m.due_at, m.id))

    async def mark_sent(self, message_id: int, owner: str, at: datetime) -> bool:
        """Record delivery; False if ``owner`` no longer holds the lease (nothing changed)."""
        return await self._settle(message_id, owner, {"sent_at": at})

    async def mark_failed(
        self, message_id: int, owner: str, error: str, retry_at: datetime | None
    ) -> bool:
        """Record a failed attempt: retry at ``retry_at``, or give up for good if it is None."""
        values: dict[str, Any] = {"last_error": error[:MAX_ERROR]}
        if retry_at is None:
            values["failed"] = True
        else:
            values["due_at"] = retry_at
        return await self._settle(message_id, owner, values)

    async def extend_lease(self, message_id: int, owner: str, until: datetime) -> bool:
        """Hold a leased row longer (a slow send still running); False if ``owner`` lost it."""
        statement = (
            update(outbox)
            .where(
                outbox.c.id == message_id,
                outbox.c.lease_owner == owner,
                outbox.c.sent_at.is_(None),
            )
            .values(lease_expires_at=until)
        )
        return (await self._conn.execute(statement)).rowcount == 1

    async def _settle(self, message_id: int, owner: str, values: dict[str, Any]) -> bool:
        statement = (
            update(outbox)
            .where(
                outbox.c.id == message_id,
                outbox.c.lease_owner == owner,
                outbox.c.sent_at.is_(None),
            )
            .values(lease_owner=None, lease_expires_at=None, **values)
        )
        return (await self._conn.execute(statement)).rowcount == 1

    async def get(self, message_id: int) -> OutboxMessage | None:
        """One message by id."""
        row = (await self._conn.execute(select(outbox).where(outbox.c.id == message_id))).first()
        return None if row is None else message_from(row)

    async def for_dispute(self, reference: str) -> list[OutboxMessage]:
        """Every message owed or sent about one dispute, oldest first."""
        statement = select(outbox).where(outbox.c.reference == reference).order_by(outbox.c.id)
        return [message_from(row) for row in await self._conn.execute(statement)]

    async def told(self, reference: str, recipient: str, kinds: Sequence[str]) -> bool:
        """Whether a message of one of ``kinds`` about the dispute was ever owed to this person
        (a copy, an alert, a card): what lets someone copied open the dispute read-only."""
        statement = (
            select(outbox.c.id)
            .where(
                outbox.c.reference == reference,
                outbox.c.recipient == recipient,
                outbox.c.kind.in_(list(kinds)),
            )
            .limit(1)
        )
        return (await self._conn.execute(statement)).first() is not None

    async def pending(self, limit: int = 100) -> list[OutboxMessage]:
        """Messages not yet sent nor given up, by due instant."""
        statement = select(outbox).where(OUTBOX_PENDING).order_by(outbox.c.due_at).limit(limit)
        return [message_from(row) for row in await self._conn.execute(statement)]

    async def backlog(self, now: datetime) -> tuple[int, datetime | None]:
        """How many messages are due by ``now`` and neither sent nor given up, and the due
        instant of the oldest of them (None when there are none)."""
        statement = select(func.count(), func.min(outbox.c.due_at)).where(
            OUTBOX_PENDING & (outbox.c.due_at <= now)
        )
        count, oldest = (await self._conn.execute(statement)).one()
        return int(count), oldest


def message_from(row: Row[Any]) -> OutboxMessage:
    """An outbox message from its row."""
    m = row._mapping
    return OutboxMessage(
        id=int(m["id"]),
        recipient=m["recipient"],
        kind=m["kind"],
        reference=m["reference"],
        dedupe_key=m["dedupe_key"],
        payload=m["payload"],
        due_at=m["due_at"],
        attempts=m["attempts"],
        last_error=m["last_error"],
        lease_owner=m["lease_owner"],
        lease_expires_at=m["lease_expires_at"],
        sent_at=m["sent_at"],
        failed=bool(m["failed"]),
    )
