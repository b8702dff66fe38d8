"""Reads for the quarterly report: one period counted in SQL, a few grouped rows per query.

Use inside a transaction: ``tx.reports``. Each count is a range scan of a
covering index (``ix_events_report`` by kind and time, ``ix_disputes_raised_report``,
``ix_disputes_report``, ``ix_responses_report``, ``ix_children_report``), so a quarter of a
history of 100,000 disputes and a million events is counted without reading table rows (the
referral routes aside: a few rows). ``drp.tally.tally`` counts the same from disputes and
events; the tests hold the two to the same answers.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, case, func, literal, select
from sqlalchemy.ext.asyncio import AsyncConnection

from drp.events import EventKind
from drp.model import Outcome
from drp.overdue import OpenDeadline
from drp.policy import INFORMAL
from drp.report import Standing
from drp.roles import Role
from drp.tally import (
    CLOSING_KINDS,
    ENTRY_KINDS,
    ON_TIME,
    REVIEW_KINDS,
    STEP_KINDS,
    ChildSeen,
    PartnerKey,
    Tally,
)
from store.compliments import compliment_from
from store.payloads import ESCALATED_TIER, REFERRAL_TARGET, REVIEW
from store.rows import Compliment
from store.schema import (
    AWAITING_RESPONSE,
    AWAITING_REVIEW,
    IS_OPEN,
    children,
    compliments,
    dispute_categories,
    disputes,
    events,
    responses,
    teams,
)

Months = Sequence[tuple[str, datetime]]  # each month and the instant it ends
STREAM_ROWS = 2_000


class ReportReader:
    """Counts for one report, within the caller's transaction."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def tally(self, start: datetime, end: datetime, months: Months, policy: str) -> Tally:
        """One policy's disputes and events in ``[start, end)``, counted."""
        raised = (disputes.c.raised_at >= start) & (disputes.c.raised_at < end)
        mine = disputes.c.policy == policy
        return Tally(
            raised=await self._raised(raised & mine),
            children=await self._children(raised & mine),
            steps=await self._steps(start, end, months, policy),
            informal_went_formal=await self._went_formal(start, end, policy),
            referrals=await self._referrals(start, end, months, policy),
            responses=await self._responses(start, end, policy),
            resolutions=await self._resolutions(start, end, policy),
            outcomes=await self._outcomes(start, end, policy),
            reviews=await self._reviews(start, end, policy),
            more_categories=await self._more_categories(raised & mine),
            partners=await self._partners(raised & mine),
            partner_disputes=await self._partner_disputes(raised & mine),
            tiers=await self._tiers(start, end, policy),
            raised_in=await self._raised_in(raised & mine),
            entered_in=await self._entered_in(start, end, policy),
            closed_in=await self._closed_in(start, end, policy),
        )

    async def _raised_in(self, where: ColumnElement[bool]) -> Counter[str]:
        statement = (
            select(disputes.c.process, func.count()).where(where).group_by(disputes.c.process)
        )
        return Counter({str(process): int(n) for process, n in await self._rows(statement)})

    async def _entered_in(
        self, start: datetime, end: datetime, policy: str
    ) -> Counter[tuple[str, str]]:
        keys = (disputes.c.process, events.c.to_stage)
        statement = (
            select(*keys, func.count())
            .select_from(_joined())
            .where(
                *_window(start, end, policy),
                events.c.kind.in_(_values(ENTRY_KINDS)),
                events.c.to_stage != "",
                events.c.to_stage != events.c.from_stage,
            )
            .group_by(*keys)
        )
        return Counter(
            {(str(p), str(stage)): int(n) for p, stage, n in await self._rows(statement)}
        )

    async def _closed_in(
        self, start: datetime, end: datetime, policy: str
    ) -> Counter[tuple[str, str]]:
        keys = (disputes.c.process, disputes.c.outcome)
        statement = (
            select(*keys, func.count(func.distinct(disputes.c.reference)))
            .select_from(_joined())
            .where(
                *_window(start, end, policy),
                events.c.kind.in_(_values(CLOSING_KINDS)),
                disputes.c.closed_at == events.c.at,
                disputes.c.outcome.is_not(None),
            )
            .group_by(*keys)
        )
        return Counter({(str(p), str(o)): int(n) for p, o, n in await self._rows(statement)})

    async def _rows(self, statement: Any) -> list[Any]:
        return list(await self._conn.execute(statement))

    async def _raised(self, where: ColumnElement[bool]) -> Counter[tuple[Role, str, str, str]]:
        keys = (
            disputes.c.raiser_role,
            disputes.c.team,
            disputes.c.category,
            disputes.c.issue_type,
        )
        statement = select(*keys, func.count()).where(where).group_by(*keys)
        return Counter(
            {
                (Role(r), team, cat, issue): n
                for r, team, cat, issue, n in await self._rows(statement)
            }
        )

    async def _more_categories(self, where: ColumnElement[bool]) -> Counter[tuple[str, str]]:
        keys = (disputes.c.team, dispute_categories.c.category)
        statement = (
            select(*keys, func.count())
            .select_from(
                disputes.join(
                    dispute_categories, dispute_categories.c.reference == disputes.c.reference
                )
            )
            .where(where)
            .group_by(*keys)
        )
        return Counter({(team, key): int(n) for team, key, n in await self._rows(statement)})

    async def _partners(self, where: ColumnElement[bool]) -> Counter[PartnerKey]:
        reached = case((disputes.c.stage != "", disputes.c.stage), else_=disputes.c.pending_stage)
        where_now = case(
            (IS_OPEN, Standing.OPEN.value),
            (disputes.c.outcome == Outcome.RESOLVED.value, Standing.RESOLVED.value),
            else_=Standing.CLOSED.value,
        )
        keys = (teams.c.partner_agency, reached, where_now)
        statement = (
            select(*keys, func.count(func.distinct(disputes.c.reference)))
            .select_from(_with_partners())
            .where(where)
            .group_by(*keys)
        )
        return Counter(
            {
                (agency, stage, Standing(now)): int(n)
                for agency, stage, now, n in await self._rows(statement)
            }
        )

    async def _partner_disputes(self, where: ColumnElement[bool]) -> int:
        statement = (
            select(func.count(func.distinct(disputes.c.reference)))
            .select_from(_with_partners())
            .where(where)
        )
        return int((await self._conn.execute(statement)).scalar_one())

    async def _children(self, where: ColumnElement[bool]) -> tuple[ChildSeen, ...]:
        statement = (
            select(disputes.c.reference, disputes.c.team, children.c.pseudonym)
            .select_from(disputes.join(children, children.c.reference == disputes.c.reference))
            .where(where)
        )
        # The pseudonym, not the local ID: it survives retention, so past figures stay the same.
        # Streamed a batch at a time, not fetched whole: a ten-year report names every child
        # of ~100,000 disputes, and the rows are only needed as the small ChildSeen.
        found: list[ChildSeen] = []
        teams: dict[str, str] = {}  # one string per team, not one per row
        result = await self._conn.stream(statement.execution_options(yield_per=STREAM_ROWS))
        async for rows in result.partitions(STREAM_ROWS):
            for ref, team, pseudonym in rows:
                found.append(ChildSeen(ref, teams.setdefault(team, team), pseudonym))
        return tuple(found)

    async def _steps(
        self, start: datetime, end: datetime, months: Months, policy: str
    ) -> Counter[tuple[EventKind, Role, str, str, str]]:
        month = _month(events.c.at, months)
        keys = (
            events.c.kind,
            disputes.c.raiser_role,
            month,
            events.c.from_stage,
            events.c.to_stage,
        )
        statement = (
            select(*keys, func.count())
            .select_from(_joined())
            .where(*_window(start, end, policy), events.c.kind.in_(_values(STEP_KINDS)))
            .group_by(*keys)
        )
        return Counter(
            {
                (EventKind(kind), Role(role), m, before, after): n
                for kind, role, m, before, after, n in await self._rows(statement)
            }
        )

    async def _went_formal(self, start: datetime, end: datetime, policy: str) -> int:
        statement = (
            select(func.count())
            .select_from(_joined())
            .where(
                *_window(start, end, policy),
                events.c.kind == EventKind.RAISED.value,
                events.c.to_stage == INFORMAL,
                disputes.c.formal_started_at.is_not(None),
            )
        )
        return int((await self._conn.execute(statement)).scalar_one())

    async def _referrals(
        self, start: datetime, end: datetime, months: Months, policy: str
    ) -> Counter[tuple[Role, str, str]]:
        target = events.c.payload[REFERRAL_TARGET].as_string()
        keys = (disputes.c.raiser_role, _month(events.c.at, months), target)
        statement = (
            select(*keys, func.count())
            .select_from(_joined())
            .where(*_window(start, end, policy), events.c.kind == EventKind.REFERRED.value)
            .group_by(*keys)
        )
        found: Counter[tuple[Role, str, str]] = Counter()
        for role, month, route, n in await self._rows(statement):
            found[(Role(role), month, route or "")] += n
        return found

    async def _reviews(
        self, start: datetime, end: datetime, policy: str
    ) -> Counter[tuple[str, bool]]:
        review = events.c.payload[REVIEW].as_string()
        keys = (events.c.from_stage, review)
        statement = (
            select(*keys, func.count())
            .select_from(_joined())
            .where(*_window(start, end, policy), events.c.kind.in_(_values(REVIEW_KINDS)))
            .group_by(*keys)
        )
        found: Counter[tuple[str, bool]] = Counter()
        for stage, timing, n in await self._rows(statement):
            if timing:
                found[(stage, timing == ON_TIME)] += n
        return found

    async def _tiers(
        self, start: datetime, end: datetime, policy: str
    ) -> Counter[tuple[str, int]]:
        """Climbs to a tier of management above a stage's first, by stage and tier."""
        tier = events.c.payload[ESCALATED_TIER].as_integer()
        keys = (events.c.to_stage, tier)
        statement = (
            select(*keys, func.count())
            .select_from(_joined())
            .where(
                *_window(start, end, policy),
                events.c.kind == EventKind.ESCALATED.value,
                tier.is_not(None),
            )
            .group_by(*keys)
        )
        found: Counter[tuple[str, int]] = Counter()
        for stage, number, n in await self._rows(statement):
            if number:
                found[(stage, int(number))] += n
        return found

    async def _responses(
        self, start: datetime, end: datetime, policy: str
    ) -> Counter[tuple[str, bool]]:
        keys = (responses.c.stage, responses.c.on_time)
        statement = (
            select(*keys, func.count())
            .select_from(responses.join(disputes, disputes.c.reference == responses.c.reference))
            .where(responses.c.at >= start, responses.c.at < end, disputes.c.policy == policy)
            .group_by(*keys)
        )
        found: Counter[tuple[str, bool]] = Counter()
        for stage, on_time, n in await self._rows(statement):
            found[(stage, bool(on_time))] += n
        return found

    async def _resolutions(
        self, start: datetime, end: datetime, policy: str
    ) -> tuple[tuple[datetime, datetime], ...]:
        statement = (
            select(disputes.c.raised_at, disputes.c.closed_at)
            .select_from(_joined())
            .where(
                *_window(start, end, policy),
                events.c.kind == EventKind.RESOLVED.value,
                disputes.c.closed_at == events.c.at,
            )
        )
        return tuple(sorted((a, b) for a, b in await self._rows(statement)))

    async def _outcomes(self, start: datetime, end: datetime, policy: str) -> Counter[str]:
        statement = (
            select(disputes.c.outcome, func.count(func.distinct(disputes.c.reference)))
            .select_from(_joined())
            .where(
                *_window(start, end, policy),
                events.c.kind.in_(_values(CLOSING_KINDS)),
                disputes.c.closed_at == events.c.at,
                disputes.c.outcome.is_not(None),
            )
            .group_by(disputes.c.outcome)
        )
        return Counter({str(outcome): int(n) for outcome, n in await self._rows(statement)})

    async def open_deadlines(self, policy: str, before: datetime) -> list[OpenDeadline]:
        """Open disputes whose response or review deadline is before ``before`` (the partial
        deadline indexes), with only what the report shows of them."""
        found: list[OpenDeadline] = []
        for column, waiting in (
            (disputes.c.due_at, AWAITING_RESPONSE),
            (disputes.c.review_due_at, AWAITING_REVIEW),
        ):
            statement = select(
                disputes.c.reference, disputes.c.stage, disputes.c.raiser_role, column
            ).where(waiting, column < before, disputes.c.policy == policy)
            found += [
                OpenDeadline(ref, stage, Role(role), due)
                for ref, stage, role, due in await self._rows(statement)
            ]
        return found

    async def compliments_between(self, start: datetime, end: datetime) -> list[Compliment]:
        """Compliments sent in ``[start, end)``, oldest first."""
        window = (compliments.c.created_at >= start) & (compliments.c.created_at < end)
        statement = select(compliments).where(window).order_by(compliments.c.id)
        return [compliment_from(row) for row in await self._conn.execute(statement)]


def _with_partners() -> Any:
    """Disputes joined to the partner agency of their team or of the raiser's team."""
    named = (teams.c.name == disputes.c.team) | (teams.c.name == disputes.c.raiser_team)
    return disputes.join(teams, named & (teams.c.partner_agency != ""))


def _joined() -> Any:
    return events.join(disputes, disputes.c.reference == events.c.reference)


def _window(start: datetime, end: datetime, policy: str) -> tuple[ColumnElement[bool], ...]:
    return (events.c.at >= start, events.c.at < end, disputes.c.policy == policy)


def _month(column: Any, months: Months) -> Any:
    """The local month an instant falls in, from the months' end instants (exact in BST)."""
    if len(months) == 1:
        return literal(months[0][0])
    whens = [(column < ends, month) for month, ends in months[:-1]]
    return case(*whens, else_=months[-1][0])


def _values(kinds: frozenset[EventKind]) -> list[str]:
    return sorted(kind.value for kind in kinds)
