"""The audit trail: refused attempts and record exports ("who read what"). Append-only."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from store.rows import AuditEntry, Json
from store.schema import audit_log

REFUSED = "refused"
EXPORTED = "exported"


class Audit:
    """The audit repository of one transaction: record and read, never change."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def record(
        self,
        action: str,
        actor: str,
        *,
        at: datetime,
        reference: str | None = None,
        detail: Json | None = None,
    ) -> None:
        """Append an entry; ``detail`` holds codes and ids, never a payload or a name."""
        values = {
            "action": action,
            "actor": actor,
            "at": at,
            "reference": reference,
            "detail": dict(detail or {}),
        }
        await self._conn.execute(insert(audit_log).values(values))

    async def record_many(self, entries: Sequence[AuditEntry]) -> None:
        """Append several entries at once (retention's erasures); codes and ids only."""
        if entries:
            rows = [
                {
                    "action": e.action,
                    "actor": e.actor,
                    "at": e.at,
                    "reference": e.reference,
                    "detail": dict(e.detail),
                }
                for e in entries
            ]
            await self._conn.execute(insert(audit_log), rows)

    async def for_dispute(self, reference: str) -> list[AuditEntry]:
        """Every entry about one dispute, oldest first."""
        statement = (
            select(audit_log)
            .where(audit_log.c.reference == reference)
            .order_by(audit_log.c.at, audit_log.c.id)
        )
        return [_entry(row) for row in await self._conn.execute(statement)]

    async def by_actor(self, actor: str, start: datetime, end: datetime) -> list[AuditEntry]:
        """What one person was refused or exported in ``[start, end)``, oldest first."""
        statement = (
            select(audit_log)
            .where(audit_log.c.actor == actor, audit_log.c.at >= start, audit_log.c.at < end)
            .order_by(audit_log.c.at, audit_log.c.id)
        )
        return [_entry(row) for row in await self._conn.execute(statement)]


def _entry(row: Row[Any]) -> AuditEntry:
    m = row._mapping
    return AuditEntry(m["at"], m["actor"], m["action"], m["reference"], m["detail"])
