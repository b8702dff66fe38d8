"""Disputes: the aggregate's row, its children and owners, its events and their projections."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    CompoundSelect,
    Date,
    Select,
    String,
    case,
    cast,
    delete,
    func,
    insert,
    literal_column,
    null,
    select,
    tuple_,
    type_coerce,
    union_all,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from drp.events import Event, EventKind
from drp.machine import Decision
from drp.model import Dispute
from drp.tally import child_key
from store.codec import (
    action_from,
    action_values,
    category_values,
    child_from,
    children_values,
    dispute_from,
    dispute_values,
    event_from,
    event_text_values,
    event_values,
    owner_values,
    people_values,
)
from store.errors import DuplicateReference, InvalidRecord, NotFound, StaleVersion, StoreError
from store.projections import project, response_from, review_from, visit_from
from store.pseudonyms import Pseudonyms
from store.rows import ResponseRecord, ReviewRecord, StageVisit
from store.schema import (
    APPROVER,
    AT_FINAL_STEP,
    AWAITING_APPROVAL,
    AWAITING_RESPONSE,
    AWAITING_REVIEW,
    IS_OPEN,
    chair_reviews,
    child_pseudonyms,
    children,
    dispute_actions,
    dispute_categories,
    dispute_owners,
    dispute_people,
    disputes,
    event_texts,
    events,
    reference_counters,
    responses,
    stage_visits,
)
from store.types import UtcDateTime

MAX_PER_YEAR = 999_999
_CHUNK = 500  # references per IN (...) when loading children and owners
_PART_TABLES = (children, dispute_owners, dispute_people, dispute_categories, dispute_actions)


class Disputes:
    """The dispute repository of one transaction."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn
        self._postgres = conn.dialect.name == "postgresql"

    # --- writing ------------------------------------------------------------------------------

    async def next_reference(self, year: int) -> str:
        """Allocate the year's next reference; gap-free, as a rollback returns the number."""
        if not 2000 <= year <= 9999:
            raise InvalidRecord("year", f"{year} is out of range")
        maker = pg_insert if self._postgres else sqlite_insert
        statement = (
            maker(reference_counters)
            .values(year=year, last_value=1)
            .on_conflict_do_update(
                index_elements=[reference_counters.c.year],
                set_={"last_value": reference_counters.c.last_value + 1},
            )
            .returning(reference_counters.c.last_value)
        )
        number = int((await self._conn.execute(statement)).scalar_one())
        if number > MAX_PER_YEAR:
            raise StoreError(f"no references left for {year}")
        return f"DRP-{year:04d}-{number:06d}"

    async def add(self, decision: Decision) -> None:
        """Store a newly raised dispute with its first event and projections."""
        dispute, event = decision.dispute, decision.event
        _check(dispute, event)
        if dispute.version != 1:
            raise InvalidRecord("version", "a new dispute starts at version 1")
        try:
            await self._conn.execute(insert(disputes).values(dispute_values(dispute, event.at)))
        except IntegrityError:
            raise DuplicateReference(dispute.reference) from None
        await self._write_parts(dispute)
        await self._append(dispute, event)

    async def save(
        self,
        decision: Decision,
        expected_version: int | None = None,
        *,
        before: Dispute | None = None,
    ) -> None:
        """Store a decision taken on ``expected_version``; StaleVersion if the dispute moved.
        ``before``: the dispute as loaded in this transaction, the decision taken on it; its
        children, owners and named people are rewritten only where the decision changed them."""
        dispute, event = decision.dispute, decision.event
        _check(dispute, event)
        base = dispute.version - 1
        if expected_version is not None and expected_version != base:
            raise StaleVersion(dispute.reference, await self._require_version(dispute.reference))
        values = dispute_values(dispute, event.at)
        del values["reference"]
        statement = (
            update(disputes)
            .where(disputes.c.reference == dispute.reference, disputes.c.version == base)
            .values(values)
        )
        if (await self._conn.execute(statement)).rowcount != 1:
            raise StaleVersion(dispute.reference, await self._require_version(dispute.reference))
        known = before if before is not None and before.version == base else None
        changed = _changed_parts(known, dispute)
        # A corrected local ID leaves its old pseudonym behind: release it once unused.
        released = (
            await self._pseudonyms(dispute.reference)
            if event.kind == EventKind.CORRECTED and children in changed
            else ()
        )
        for table in changed:
            await self._conn.execute(delete(table).where(table.c.reference == dispute.reference))
        await self._write_parts(dispute, changed)
        await Pseudonyms(self._conn).release(released)
        await self._append(dispute, event)

    async def _write_parts(self, dispute: Dispute, tables: Sequence[Any] = _PART_TABLES) -> None:
        kids = children_values(dispute) if children in tables else []
        pseudonyms = Pseudonyms(self._conn)
        for row in kids:
            row["pseudonym"] = row["pseudonym"] or await pseudonyms.of(row["local_id"])
        for table, rows in (
            (children, kids),
            (dispute_owners, owner_values(dispute) if dispute_owners in tables else []),
            (dispute_people, people_values(dispute) if dispute_people in tables else []),
            (dispute_categories, category_values(dispute) if dispute_categories in tables else []),
            (dispute_actions, action_values(dispute) if dispute_actions in tables else []),
        ):
            if rows:
                await self._conn.execute(insert(table), rows)

    async def _pseudonyms(self, reference: str) -> list[str]:
        statement = select(children.c.pseudonym).where(children.c.reference == reference)
        return list((await self._conn.execute(statement)).scalars())

    async def _append(self, dispute: Dispute, event: Event) -> None:
        await self._conn.execute(insert(events).values(event_values(event)))
        texts = event_text_values(event)
        if texts is not None:
            await self._conn.execute(insert(event_texts).values(texts))
        await project(self._conn, dispute, event)

    async def _require_version(self, reference: str) -> int:
        current = await self.version(reference)
        if current is None:
            raise NotFound("dispute", reference)
        return current

    # --- reading one --------------------------------------------------------------------------

    async def version(self, reference: str) -> int | None:
        """The stored version, or None if there is no such dispute."""
        statement = select(disputes.c.version).where(disputes.c.reference == reference)
        value = (await self._conn.execute(statement)).scalar_one_or_none()
        return None if value is None else int(value)

    async def find(self, reference: str, *, lock: bool = False) -> Dispute | None:
        """The dispute, or None; ``lock`` holds its row until commit (PostgreSQL)."""
        statement = select(disputes).where(disputes.c.reference == reference)
        if lock:
            statement = statement.with_for_update()
        found = await self._load(statement)
        return found[0] if found else None

    async def get(self, reference: str, *, lock: bool = False) -> Dispute:
        """The dispute; NotFound if there is none."""
        dispute = await self.find(reference, lock=lock)
        if dispute is None:
            raise NotFound("dispute", reference)
        return dispute

    async def events(self, reference: str) -> list[Event]:
        """The dispute's events in order: its chronology."""
        joined = events.outerjoin(
            event_texts,
            (event_texts.c.reference == events.c.reference)
            & (event_texts.c.sequence == events.c.sequence),
        )
        statement = (
            select(events, event_texts.c.texts)
            .select_from(joined)
            .where(events.c.reference == reference)
            .order_by(events.c.sequence)
        )
        return [event_from(row) for row in await self._conn.execute(statement)]

    async def visits(self, reference: str) -> list[StageVisit]:
        """Every stage the dispute has been at, in order, with owners and deadlines."""
        statement = (
            select(stage_visits)
            .where(stage_visits.c.reference == reference)
            .order_by(stage_visits.c.entered_sequence)
        )
        return [visit_from(row) for row in await self._conn.execute(statement)]

    async def responses(self, reference: str) -> list[ResponseRecord]:
        """The managers' responses, in order."""
        statement = (
            select(responses)
            .where(responses.c.reference == reference)
            .order_by(responses.c.sequence)
        )
        return [response_from(row) for row in await self._conn.execute(statement)]

    async def reviews(self, reference: str) -> list[ReviewRecord]:
        """The chair's reviews (resolved, extended, escalated), in order."""
        statement = (
            select(chair_reviews)
            .where(chair_reviews.c.reference == reference)
            .order_by(chair_reviews.c.sequence)
        )
        return [review_from(row) for row in await self._conn.execute(statement)]

    # --- queries ------------------------------------------------------------------------------

    async def open_for_owner(self, person_id: str) -> list[Dispute]:
        """Open disputes this person must respond to, soonest deadline first."""
        owned = select(dispute_owners.c.reference).where(dispute_owners.c.person_id == person_id)
        return await self._load(_by_deadline(disputes.c.reference.in_(owned) & IS_OPEN))

    async def open_for_raiser(self, person_id: str) -> list[Dispute]:
        """Open disputes this chair (or practitioner) raised, soonest deadline first."""
        return await self._load(_by_deadline((disputes.c.raised_by == person_id) & IS_OPEN))

    async def awaiting_review_for(self, person_id: str) -> list[Dispute]:
        """Disputes with a response waiting for this raiser's review."""
        mine = (disputes.c.raised_by == person_id) & IS_OPEN & AWAITING_REVIEW
        order = (disputes.c.review_due_at, disputes.c.reference)
        return await self._load(select(disputes).where(mine).order_by(*order))

    async def awaiting_approval_by(self, person_id: str) -> list[Dispute]:
        """Disputes waiting for this person's agreement (to be sent, or to close)."""
        named = select(dispute_people.c.reference).where(
            (dispute_people.c.person_id == person_id) & (dispute_people.c.part == APPROVER)
        )
        waiting = disputes.c.reference.in_(named) & AWAITING_APPROVAL
        order = (disputes.c.raised_at, disputes.c.reference)
        return await self._load(select(disputes).where(waiting).order_by(*order))

    async def open_holding(self, person_id: str) -> list[Dispute]:
        """Open disputes this person holds any part in: raised, owes a response on, must
        agree or decides (a leaver's, to hand over)."""
        owned = select(dispute_owners.c.reference).where(dispute_owners.c.person_id == person_id)
        named = select(dispute_people.c.reference).where(dispute_people.c.person_id == person_id)
        held = (
            (disputes.c.raised_by == person_id)
            | disputes.c.reference.in_(owned)
            | disputes.c.reference.in_(named)
        )
        return await self._load(_by_deadline(held & IS_OPEN))

    async def open_naming(self, person_id: str) -> list[Dispute]:
        """Open disputes naming this person as the practitioner (the tab's My disputes)."""
        return await self._load(_by_deadline((disputes.c.practitioner == person_id) & IS_OPEN))

    async def open_for_team(self, team: str) -> list[Dispute]:
        """Open disputes about children of this team (the monitoring board)."""
        return await self._load(_by_deadline((disputes.c.team == team) & IS_OPEN))

    async def open_all(self) -> list[Dispute]:
        """Every open dispute, soonest deadline first (the monitoring board)."""
        return await self._load(_by_deadline(IS_OPEN))

    async def for_child(self, local_id: str) -> list[Dispute]:
        """Every dispute still naming the child with this local ID (case and spaces aside, as
        the report counts children), oldest first; erased disputes name no one."""
        linked = select(child_pseudonyms.c.pseudonym).where(
            child_pseudonyms.c.local_key == child_key(local_id)
        )
        named = select(children.c.reference).where(
            children.c.pseudonym.in_(linked), children.c.local_id != ""
        )
        statement = select(disputes).where(disputes.c.reference.in_(named))
        return await self._load(statement.order_by(disputes.c.raised_at, disputes.c.reference))

    async def due_before(self, instant: datetime, *, limit: int | None = None) -> list[Dispute]:
        """Open disputes whose response or review deadline is before ``instant``, soonest first."""
        response = disputes.c.due_at
        review = disputes.c.review_due_at
        found: list[Dispute] = []
        for column, waiting in ((response, AWAITING_RESPONSE), (review, AWAITING_REVIEW)):
            statement = select(disputes).where(waiting & (column < instant))
            statement = statement.order_by(column, disputes.c.reference)
            found += await self._load(statement.limit(limit))
        found.sort(key=_deadline)
        return found[:limit]

    async def for_report(
        self, start: datetime, end: datetime, *, batch: int = _CHUNK
    ) -> AsyncIterator[Dispute]:
        """Disputes raised in ``[start, end)``, oldest first, read in batches (keyset paging)."""
        window = (disputes.c.raised_at >= start) & (disputes.c.raised_at < end)
        order = (disputes.c.raised_at, disputes.c.reference)
        after: tuple[datetime, str] | None = None
        while True:
            statement = select(disputes).where(window).order_by(*order).limit(batch)
            if after is not None:
                statement = statement.where(tuple_(*order) > tuple_(*after))
            page = await self._load(statement)
            for dispute in page:
                yield dispute
            if len(page) < batch:
                return
            after = (page[-1].raised_at, page[-1].reference)

    async def open_by_deadline(self, now: datetime, soon: datetime) -> tuple[int, int, int]:
        """Open disputes whose current deadline (the response's, the review's, the final
        step's, else the overall one, as ``cards.views.deadline``) is past ``now``, falls by
        ``soon``, or is later or unset: three counts in one statement."""
        current = type_coerce(
            case(
                (AWAITING_RESPONSE & disputes.c.due_at.is_not(None), disputes.c.due_at),
                (
                    AWAITING_REVIEW & disputes.c.review_due_at.is_not(None),
                    disputes.c.review_due_at,
                ),
                (AT_FINAL_STEP & disputes.c.due_at.is_not(None), disputes.c.due_at),
                else_=disputes.c.overall_due_at,
            ),
            UtcDateTime,
        )
        past = func.sum(case((current < now, 1), else_=0))
        near = func.sum(case(((current >= now) & (current <= soon), 1), else_=0))
        statement = select(past, near, func.count()).select_from(disputes).where(IS_OPEN)
        overdue, due_soon, total = (await self._conn.execute(statement)).one()
        overdue, due_soon = int(overdue or 0), int(due_soon or 0)
        return overdue, due_soon, int(total) - overdue - due_soon

    async def count(self) -> int:
        """How many disputes are stored."""
        return int(
            (await self._conn.execute(select(func.count()).select_from(disputes))).scalar_one()
        )

    # --- loading ------------------------------------------------------------------------------

    async def _load(self, statement: Select[Any]) -> list[Dispute]:
        rows = list(await self._conn.execute(statement))
        refs = [row.reference for row in rows]
        kids: dict[str, list[Any]] = {ref: [] for ref in refs}
        owners: dict[str, list[str]] = {ref: [] for ref in refs}
        people: dict[str, dict[str, list[str]]] = {ref: {} for ref in refs}
        more: dict[str, list[str]] = {ref: [] for ref in refs}
        tracked: dict[str, list[Any]] = {ref: [] for ref in refs}
        for chunk in _chunks(refs):
            for row in await self._conn.execute(_parts(chunk)):
                if row.part == _CHILD:
                    kids[row.reference].append(child_from(row))
                elif row.part == _OWNER:
                    owners[row.reference].append(row.person_id)
                elif row.part == _CATEGORY:
                    more[row.reference].append(row.category)
                else:
                    people[row.reference].setdefault(row.part, []).append(row.person_id)
            for row in await self._conn.execute(_actions(chunk)):
                tracked[row.reference].append(action_from(row))
        return [
            dispute_from(
                row,
                kids[row.reference],
                owners[row.reference],
                people[row.reference],
                more[row.reference],
                tracked[row.reference],
            )
            for row in rows
        ]


def _changed_parts(before: Dispute | None, after: Dispute) -> tuple[Any, ...]:
    """The part tables whose rows differ between the stored dispute and the decided one
    (all of them when the stored one is not known)."""
    if before is None or before.reference != after.reference:
        return _PART_TABLES
    pairs = (
        (children, children_values),
        (dispute_owners, owner_values),
        (dispute_people, people_values),
        (dispute_categories, category_values),
        (dispute_actions, action_values),
    )
    return tuple(table for table, values in pairs if values(before) != values(after))


def _actions(refs: Sequence[str]) -> Select[Any]:
    """The tracked actions of these disputes, by number (issue 14.4)."""
    a = dispute_actions.c
    return select(dispute_actions).where(a.reference.in_(refs)).order_by(a.reference, a.position)


def _check(dispute: Dispute, event: Event) -> None:
    if event.reference != dispute.reference:
        raise InvalidRecord("event.reference", "is not the dispute's reference")
    if event.sequence != dispute.version:
        raise InvalidRecord("event.sequence", "must equal the dispute's new version")


def _by_deadline(where: Any) -> Select[Any]:
    return (
        select(disputes)
        .where(where)
        .order_by(disputes.c.due_at.asc().nulls_last(), disputes.c.reference)
    )


def _deadline(dispute: Dispute) -> tuple[datetime, str]:
    deadline = dispute.due_at if dispute.review_due_at is None else dispute.review_due_at
    assert deadline is not None
    return deadline, dispute.reference


# The parts of a dispute (children, owners, approvers, deciders, further categories) in one
# statement, each row tagged with its part: children first, so the union's columns keep the
# children's types.
_CHILD = "~child"
_OWNER = "~owner"
_CATEGORY = "~category"


def _parts(refs: Sequence[str]) -> CompoundSelect:
    no_text, no_date = cast(null(), String), cast(null(), Date)
    kids = children.c
    owners = dispute_owners.c
    named = dispute_people.c
    more = dispute_categories.c
    return union_all(
        select(
            kids.reference,
            literal_column(f"'{_CHILD}'").label("part"),
            kids.position,
            kids.name,
            kids.local_id,
            kids.dob,
            kids.pseudonym,
            no_text.label("person_id"),
            no_text.label("category"),
        ).where(kids.reference.in_(refs)),
        select(
            owners.reference,
            literal_column(f"'{_OWNER}'"),
            owners.position,
            no_text,
            no_text,
            no_date,
            no_text,
            owners.person_id,
            no_text,
        ).where(owners.reference.in_(refs)),
        select(
            named.reference,
            named.part,
            named.position,
            no_text,
            no_text,
            no_date,
            no_text,
            named.person_id,
            no_text,
        ).where(named.reference.in_(refs)),
        select(
            more.reference,
            literal_column(f"'{_CATEGORY}'"),
            more.position,
            no_text,
            no_text,
            no_date,
            no_text,
            no_text,
            more.category,
        ).where(more.reference.in_(refs)),
    ).order_by("reference", "part", "position")


def _chunks(refs: list[str]) -> list[list[str]]:
    return [refs[i : i + _CHUNK] for i in range(0, len(refs), _CHUNK)]
