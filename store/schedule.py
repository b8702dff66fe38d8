"""The scheduler's reads: deadlines falling in a window, who gets a digest, what is already owed.

Each deadline query is an indexed range (``ix_disputes_response_due``,
``ix_disputes_review_due``, ``ix_events_at``), so a tick costs what is due, not what is open.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import ColumnElement, Select, false, func, literal_column, select, union

from drp.events import EventKind
from drp.model import Dispute
from store.disputes import Disputes
from store.schema import (
    APPROVER,
    AT_FINAL_STEP,
    AWAITING_APPROVAL,
    AWAITING_RESPONSE,
    AWAITING_REVIEW,
    DECIDER,
    IS_OPEN,
    dispute_actions,
    dispute_owners,
    dispute_people,
    disputes,
    events,
    outbox,
)

_KEYS_PER_QUERY = 500


@dataclass(frozen=True, slots=True)
class OpenAction:
    """A tracked action not yet done, as the scheduler sees it."""

    reference: str
    number: int
    complete_by: date
    owner: str


class Schedule(Disputes):
    """The dispute repository's queries for the scheduler, in one transaction."""

    async def responses_due(
        self, after: datetime | None, until: datetime, now: datetime
    ) -> list[Dispute]:
        """Disputes awaiting a response due in ``(after, until]``, except those already
        noted overdue (their reminders are moot and their overdue notice is recorded)."""
        due = disputes.c.due_at
        pending = (due > now) | (disputes.c.overdue_noted == false())
        window = (due <= until) & pending
        if after is not None:
            window = window & (due > after)
        # Two indexed reads, not one OR: the final step's deadlines (few) beside the stages'.
        found = await self._load(select(disputes).where(AWAITING_RESPONSE & window))
        found += await self._load(select(disputes).where(AT_FINAL_STEP & window))
        return sorted(found, key=lambda d: (d.due_at, d.reference))

    async def reviews_due(self, after: datetime | None, until: datetime) -> list[Dispute]:
        """Disputes whose chair's review is due in ``(after, until]`` (Newham's 2 days)."""
        due = disputes.c.review_due_at
        where = AWAITING_REVIEW & (due <= until)
        if after is not None:
            where = where & (due > after)
        return await self._load(select(disputes).where(where).order_by(due, disputes.c.reference))

    async def reviews_after_extension(self, after: datetime, until: datetime) -> list[Dispute]:
        """Disputes awaiting review that were extended in ``(after, until]`` (seed 001)."""
        extended = _kind(EventKind.EXTENDED) & (events.c.at > after) & (events.c.at <= until)
        refs = select(events.c.reference).where(extended)
        where = AWAITING_REVIEW & disputes.c.reference.in_(refs)
        return await self._load(select(disputes).where(where).order_by(disputes.c.reference))

    async def deadlines_set(self, references: Iterable[str]) -> dict[str, datetime]:
        """When each dispute's current deadlines were set: its latest event that can set one
        (raised, agreed, declined, escalated, extended, responded)."""
        refs = list(dict.fromkeys(references))
        found: dict[str, datetime] = {}
        kinds = [k.value for k in _SETTING]
        for start in range(0, len(refs), _KEYS_PER_QUERY):
            chunk = refs[start : start + _KEYS_PER_QUERY]
            statement = (
                select(events.c.reference, func.max(events.c.at))
                .where(events.c.reference.in_(chunk), events.c.kind.in_(kinds))
                .group_by(events.c.reference)
            )
            for reference, at in await self._conn.execute(statement):
                found[str(reference)] = _aware(at)
        return found

    async def digest_people(
        self, now: datetime, overall_until: datetime | None = None
    ) -> list[str]:
        """Everyone who owes a response, a review or an agreement, or whose dispute is overdue
        or near or past its overall limit (by ``overall_until``)."""
        owners = (
            select(dispute_owners.c.person_id.label("person"))
            .join(disputes, disputes.c.reference == dispute_owners.c.reference)
            .where(AWAITING_RESPONSE)
        )
        reviewers = select(disputes.c.raised_by.label("person")).where(AWAITING_REVIEW)
        deciders = _named(DECIDER, AWAITING_REVIEW)
        approvers = _named(APPROVER, AWAITING_APPROVAL)
        chasing = select(disputes.c.raised_by.label("person")).where(
            AWAITING_RESPONSE & (disputes.c.due_at < now)
        )
        limit = disputes.c.overall_due_at
        near = IS_OPEN & limit.is_not(None) & (limit <= (overall_until or now))
        overall = select(disputes.c.raised_by.label("person")).where(near)
        everyone = union(owners, reviewers, deciders, approvers, chasing, overall).subquery()
        statement = select(everyone.c.person).order_by(everyone.c.person)
        return [str(p) for p in (await self._conn.execute(statement)).scalars() if p]

    async def overall_due(self, after: datetime | None, until: datetime) -> list[Dispute]:
        """Open disputes whose overall limit ends in ``(after, until]`` (issue 14.3)."""
        due = disputes.c.overall_due_at
        where = IS_OPEN & due.is_not(None) & (due <= until)
        if after is not None:
            where = where & (due > after)
        return await self._load(select(disputes).where(where).order_by(due, disputes.c.reference))

    async def near_overall_limit(self, until: datetime) -> list[Dispute]:
        """Open disputes whose overall limit ends by ``until`` (or has passed), oldest first."""
        due = disputes.c.overall_due_at
        where = IS_OPEN & due.is_not(None) & (due <= until)
        return await self._load(select(disputes).where(where).order_by(due, disputes.c.reference))

    async def open_actions(
        self, *, due_by: date, due_from: date | None = None, unnoted: bool = False
    ) -> list[OpenAction]:
        """Tracked actions not done, due in ``[due_from, due_by]`` (``unnoted``: not yet noted
        as passed), by date: what the scheduler reminds of or notes (an indexed range)."""
        a = dispute_actions.c
        where = a.done_at.is_(None) & (a.complete_by <= due_by)
        if due_from is not None:
            where = where & (a.complete_by >= due_from)
        if unnoted:
            where = where & (a.passed_noted == false())
        statement = (
            select(a.reference, a.position, a.complete_by, a.owner)
            .join(disputes, disputes.c.reference == a.reference)
            .where(where & disputes.c.erased_at.is_(None))
            .order_by(a.complete_by, a.reference, a.position)
        )
        rows = await self._conn.execute(statement)
        return [OpenAction(r.reference, int(r.position), r.complete_by, r.owner) for r in rows]

    async def owed(self, keys: Iterable[str]) -> set[str]:
        """Which of these dedupe keys the outbox already holds (sent, pending or failed)."""
        wanted = list(dict.fromkeys(keys))
        found: set[str] = set()
        for start in range(0, len(wanted), _KEYS_PER_QUERY):
            chunk = wanted[start : start + _KEYS_PER_QUERY]
            statement = select(outbox.c.dedupe_key).where(outbox.c.dedupe_key.in_(chunk))
            found.update(str(k) for k in (await self._conn.execute(statement)).scalars())
        return found


_SETTING = (
    EventKind.RAISED,
    EventKind.APPROVED,
    EventKind.DECLINED,
    EventKind.ESCALATED,
    EventKind.EXTENDED,
    EventKind.RESPONDED,
)


def _aware(value: datetime | str) -> datetime:
    """``max()`` bypasses the column type on SQLite: a naive UTC text comes back."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _kind(kind: EventKind) -> ColumnElement[bool]:
    return events.c.kind == literal_column(f"'{kind.value}'")


def _named(part: str, status: ColumnElement[bool]) -> Select[tuple[str]]:
    """The people a dispute names as ``part`` (approvers, deciders) while in ``status``."""
    return (
        select(dispute_people.c.person_id.label("person"))
        .join(disputes, disputes.c.reference == dispute_people.c.reference)
        .where(status & (dispute_people.c.part == part))
    )
