"""Reads for the quarterly report: a period's disputes, events and compliments, in bulk.

Use inside a transaction: ``ReportReader(tx.connection)``. Each read is a range scan on an
index (``ix_disputes_raised_at``, ``ix_events_at``) plus chunked ``IN`` lookups, and events
come back with only the payload fields the report reads (no response or reason texts), so a
quarter of a large council's history loads in a few hundred milliseconds.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncConnection

from drp.events import Event, EventKind, JsonValue
from drp.model import Child, Dispute
from drp.roles import Role
from store.codec import dispute_from
from store.records import Compliment
from store.schema import children, compliments, disputes, events

_CHUNK = 500
# What the report counts: stage entries, referrals, responses, closures, alerts.
REPORT_KINDS = (
    EventKind.RAISED,
    EventKind.APPROVED,
    EventKind.ESCALATED,
    EventKind.REFERRED,
    EventKind.RESPONDED,
    EventKind.RESOLVED,
    EventKind.WITHDRAWN,
    EventKind.CONCLUDED,
    EventKind.DECLINED,
    EventKind.IMMEDIATE_HARM,
)
_PAYLOAD = {
    "to": lambda p: p["to"].as_string(),
    "target": lambda p: p["target"].as_string(),
    "on_time": lambda p: p["on_time"].as_boolean(),
}


class ReportReader:
    """Bulk reads for one report, within the caller's transaction."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def events_between(
        self, start: datetime, end: datetime, kinds: Sequence[EventKind] = REPORT_KINDS
    ) -> list[Event]:
        """Events at ``[start, end)`` of these kinds, oldest first, with a trimmed payload
        (``to``, ``target``, ``on_time``: what the report reads)."""
        extracted = [make(events.c.payload).label(key) for key, make in _PAYLOAD.items()]
        statement = (
            select(
                events.c.reference,
                events.c.sequence,
                events.c.kind,
                events.c.actor,
                events.c.actor_role,
                events.c.at,
                events.c.from_stage,
                events.c.to_stage,
                *extracted,
            )
            .where(events.c.at >= start, events.c.at < end)
            .where(events.c.kind.in_([k.value for k in kinds]))
            .order_by(events.c.at, events.c.reference, events.c.sequence)
        )
        return [_event(row) for row in await self._conn.execute(statement)]

    async def disputes_raised(self, start: datetime, end: datetime) -> list[Dispute]:
        """Disputes raised in ``[start, end)``, oldest first."""
        window = (disputes.c.raised_at >= start) & (disputes.c.raised_at < end)
        order = (disputes.c.raised_at, disputes.c.reference)
        return await self._load(select(disputes).where(window).order_by(*order))

    async def disputes(self, references: Iterable[str]) -> list[Dispute]:
        """These disputes (unknown references are skipped), in reference order."""
        refs = sorted(set(references))
        found: list[Dispute] = []
        for chunk in _chunks(refs):
            statement = select(disputes).where(disputes.c.reference.in_(chunk))
            found += await self._load(statement.order_by(disputes.c.reference))
        return found

    async def compliments_between(self, start: datetime, end: datetime) -> list[Compliment]:
        """Compliments sent in ``[start, end)``, oldest first."""
        window = (compliments.c.created_at >= start) & (compliments.c.created_at < end)
        statement = select(compliments).where(window).order_by(compliments.c.id)
        return [_compliment(row) for row in await self._conn.execute(statement)]

    async def _load(self, statement: Select[Any]) -> list[Dispute]:
        """Disputes with their children; the report needs no owners (left empty)."""
        rows = list(await self._conn.execute(statement))
        kids: dict[str, list[Child]] = {row.reference: [] for row in rows}
        for chunk in _chunks(list(kids)):
            query = (
                select(children.c.reference, children.c.name, children.c.local_id, children.c.dob)
                .where(children.c.reference.in_(chunk))
                .order_by(children.c.reference, children.c.position)
            )
            for ref, name, local_id, dob in await self._conn.execute(query):
                kids[ref].append(Child(name, local_id, dob))
        return [dispute_from(row, kids[row.reference], ()) for row in rows]


def _event(row: Any) -> Event:
    payload: dict[str, JsonValue] = {}
    for key in _PAYLOAD:
        value = getattr(row, key)
        if value is not None:
            payload[key] = bool(value) if key == "on_time" else value
    return Event(
        reference=row.reference,
        sequence=row.sequence,
        kind=EventKind(row.kind),
        actor=row.actor,
        actor_role=Role(row.actor_role),
        at=row.at,
        from_stage=row.from_stage,
        to_stage=row.to_stage,
        payload=payload,
    )


def _compliment(row: Any) -> Compliment:
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


def _chunks(refs: list[str]) -> list[list[str]]:
    return [refs[i : i + _CHUNK] for i in range(0, len(refs), _CHUNK)]
