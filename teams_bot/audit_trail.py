"""Who saw what (issue 21.4): the audit log (reads, exports, refusals, corrections, erasures)
and the event log (every change to a dispute), filtered and named from the directory."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from exports.audit_trail import TrailRow
from store.rows import AuditEntry, Person
from store.store import Store


@dataclass(frozen=True, slots=True)
class TrailQuery:
    """The filters of one listing; None means any."""

    reference: str | None = None
    actor: str | None = None
    start: datetime | None = None
    end: datetime | None = None


async def trail(store: Store, query: TrailQuery) -> list[TrailRow]:
    """Every audited access and every change matching the query, oldest first."""
    ref, actor, start, end = query.reference, query.actor, query.start, query.end
    async with store.transaction(readonly=True) as tx:
        entries = await tx.audit.search(reference=ref, actor=actor, start=start, end=end)
        entries += await tx.audit.changes(reference=ref, actor=actor, start=start, end=end)
        people = await tx.directory.people_by_id({e.actor for e in entries})
    entries.sort(key=lambda e: e.at)
    return [_row(e, people.get(e.actor)) for e in entries]


def _row(entry: AuditEntry, person: Person | None) -> TrailRow:
    name, email = (person.name, person.email) if person is not None else ("", "")
    return TrailRow(
        entry.at, entry.action, entry.reference or "", entry.actor, name, email, entry.detail
    )
