"""The audit trail: refused attempts, exports, corrections and erasures ("who read what"), and
the event log read as its changes. Append-only."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, Table, and_, insert, select, true
from sqlalchemy.ext.asyncio import AsyncConnection

from store.rows import AuditEntry, Json
from store.schema import audit_log, events

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

    async def search(
        self,
        *,
        reference: str | None = None,
        actor: str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> list[AuditEntry]:
        """Entries matching every filter given (``[start, end)``), oldest first."""
        statement = select(audit_log).where(_filters(audit_log, reference, actor, start, end))
        statement = statement.order_by(audit_log.c.at, audit_log.c.id)
        return [_entry(row) for row in await self._conn.execute(statement)]

    async def changes(
        self,
        *,
        reference: str | None = None,
        actor: str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> list[AuditEntry]:
        """The event log as changes: who did which step to which dispute, when (the kind and
        the stages, never the event's text), oldest first."""
        statement: Select[Any] = select(
            events.c.at,
            events.c.actor,
            events.c.kind,
            events.c.reference,
            events.c.sequence,
            events.c.from_stage,
            events.c.to_stage,
        ).where(_filters(events, reference, actor, start, end))
        statement = statement.order_by(events.c.at, events.c.reference, events.c.sequence)
        return [
            AuditEntry(
                row.at,
                row.actor,
                row.kind,
                row.reference,
                {"sequence": row.sequence, "from_stage": row.from_stage, "to_stage": row.to_stage},
            )
            for row in await self._conn.execute(statement)
        ]


def _filters(
    table: Table,
    reference: str | None,
    actor: str | None,
    start: datetime | None,
    end: datetime | None,
) -> ColumnElement[bool]:
    found: list[ColumnElement[bool]] = [true()]
    if reference is not None:
        found.append(table.c.reference == reference)
    if actor is not None:
        found.append(table.c.actor == actor)
    if start is not None:
        found.append(table.c.at >= start)
    if end is not None:
        found.append(table.c.at < end)
    return and_(*found)


def _entry(row: Row[Any]) -> AuditEntry:
    m = row._mapping
    return AuditEntry(m["at"], m["actor"], m["action"], m["reference"], m["detail"])
