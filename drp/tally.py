"""One period of the quarterly report counted (``Tally``): from disputes and events here, or by
SQL in ``store.reporting``; both must agree. ``drp.figures`` turns a tally into figures.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time

from drp.calendar import WorkingDayCalendar
from drp.events import Concluded, Escalated, EventKind, Extended, Referred, Resolved, Responded
from drp.model import Dispute, Outcome
from drp.policy import INFORMAL
from drp.report import Period, PeriodActivity, Recognition, Standing
from drp.roles import Role

RaisedKey = tuple[Role, str, str, str]  # raiser's role, team, category, issue type
PartnerKey = tuple[str, str, Standing]  # partner agency, stage reached, standing
StepKey = tuple[EventKind, Role, str, str, str]  # kind, raiser's role, month, from, to stage
STEP_KINDS = frozenset(
    {
        EventKind.RAISED,
        EventKind.ESCALATED,
        EventKind.APPROVED,
        EventKind.IMMEDIATE_HARM,
        EventKind.REOPENED,  # issue 14.4: counted, not a stage entry (figures._ENTRY_KINDS)
    }
)
ENTRY_KINDS = frozenset({EventKind.RAISED, EventKind.ESCALATED, EventKind.APPROVED})
ON_TIME = "on_time"  # a review event's ``review`` (drp.machine.review_timing)
REVIEW_KINDS = frozenset(
    {EventKind.RESOLVED, EventKind.EXTENDED, EventKind.ESCALATED, EventKind.CONCLUDED}
)
CLOSING_KINDS = frozenset(
    {
        EventKind.RESOLVED,
        EventKind.WITHDRAWN,
        EventKind.CONCLUDED,
        EventKind.DECLINED,
        EventKind.REFERRED,
    }
)


@dataclass(frozen=True, slots=True)
class ChildSeen:
    """A child named on a dispute raised in the period (``key``: see ``child_key``)."""

    reference: str
    team: str
    key: str


@dataclass(frozen=True, slots=True)
class Tally:
    """One period's disputes and events counted, before any total, percentage or median.

    ``tally`` counts it from disputes and events; the store counts the same with SQL
    (``store.reporting``) so a large history is never loaded row by row. Both must agree.
    """

    raised: Mapping[RaisedKey, int]
    children: tuple[ChildSeen, ...]
    steps: Mapping[StepKey, int]
    informal_went_formal: int
    referrals: Mapping[tuple[Role, str, str], int]  # raiser's role, month, referral route
    responses: Mapping[tuple[str, bool], int]  # stage responded at, on time
    resolutions: tuple[tuple[datetime, datetime], ...]  # (raised, resolved), oldest first
    outcomes: Mapping[str, int]  # disputes closed in the period, by outcome
    compliments: tuple[Recognition, ...] = ()
    # The raiser's reviews of responses where a review deadline applied: stage, on time.
    reviews: Mapping[tuple[str, bool], int] = field(default_factory=dict)
    # The categories ticked after the first (``raised`` counts the first), by team and category:
    # a dispute ticking several categories counts once in each (seed 003's grid).
    more_categories: Mapping[tuple[str, str], int] = field(default_factory=dict)
    # Disputes involving a partner agency's team: by agency, stage reached and standing; and
    # how many disputes in all (one involving two agencies counts under each, once in all).
    partners: Mapping[PartnerKey, int] = field(default_factory=dict)
    partner_disputes: int = 0
    # Climbs to a tier of management above a stage's first: (stage, tier) (seed 004 §2.10).
    tiers: Mapping[tuple[str, int], int] = field(default_factory=dict)
    # Each process apart (seed 002 §4-5's dissent between agencies is a process of its own):
    # disputes raised, stage entries (process, stage) and closures (process, outcome).
    raised_in: Mapping[str, int] = field(default_factory=dict)
    entered_in: Mapping[tuple[str, str], int] = field(default_factory=dict)
    closed_in: Mapping[tuple[str, str], int] = field(default_factory=dict)


def child_key(local_id: str) -> str:
    """Who a child is for counting: the local ID (every child has one), case and spaces aside.
    A stored child is counted by its pseudonym instead, one per such key, kept after retention."""
    return local_id.strip().upper()


def standing(dispute: Dispute) -> Standing:
    """Open, resolved, or closed otherwise (the store counts the same in SQL)."""
    if dispute.is_open:
        return Standing.OPEN
    return Standing.RESOLVED if dispute.outcome == Outcome.RESOLVED else Standing.CLOSED


def partner_counts(
    raised: Iterable[Dispute], agencies: Mapping[str, str]
) -> tuple[Counter[PartnerKey], int]:
    """Disputes about (or raised from) a partner agency's team, by agency, stage reached
    (the stage a dispute awaiting agreement waits for) and standing; and how many in all."""
    found: Counter[PartnerKey] = Counter()
    involved = 0
    for d in raised:
        named = {agencies[t] for t in (d.team, d.raiser_team) if t in agencies}
        for agency in named:
            found[(agency, d.stage or d.pending_stage, standing(d))] += 1
        involved += bool(named)
    return found, involved


def month_of(instant: datetime, calendar: WorkingDayCalendar) -> str:
    """``YYYY-MM`` of an instant's local date."""
    local = calendar.local_date(instant)
    return f"{local.year:04d}-{local.month:02d}"


def month_bounds(period: Period, calendar: WorkingDayCalendar) -> tuple[tuple[str, datetime], ...]:
    """Each month of the period with the instant it ends (local midnight), for SQL buckets."""
    found = []
    for month in period.months():
        year, number = (int(part) for part in month.split("-"))
        after = date(year + 1, 1, 1) if number == 12 else date(year, number + 1, 1)
        found.append((month, datetime.combine(after, time(0), tzinfo=calendar.tz)))
    return tuple(found)


def tally(period: Period, activity: PeriodActivity, calendar: WorkingDayCalendar) -> Tally:
    """Count one period of one policy's disputes and events (anything outside it is ignored)."""
    start, end = period.bounds(calendar)
    by_ref = {d.reference: d for d in activity.disputes}
    raised = [d for d in activity.disputes if start <= d.raised_at < end]
    steps: Counter[StepKey] = Counter()
    referrals: Counter[tuple[Role, str, str]] = Counter()
    responses: Counter[tuple[str, bool]] = Counter()
    reviews: Counter[tuple[str, bool]] = Counter()
    tiers: Counter[tuple[str, int]] = Counter()
    entered: Counter[tuple[str, str]] = Counter()
    went_formal = 0
    for e in activity.events:
        d = by_ref.get(e.reference)
        if d is None or not start <= e.at < end:
            continue
        month = month_of(e.at, calendar)
        if e.kind in STEP_KINDS:
            steps[(e.kind, d.raiser_role, month, e.from_stage, e.to_stage)] += 1
        if e.kind in ENTRY_KINDS and e.to_stage and e.to_stage != e.from_stage:
            entered[(d.process, e.to_stage)] += 1
        payload = e.payload
        if e.kind == EventKind.RAISED and e.to_stage == INFORMAL and d.formal_started_at:
            went_formal += 1
        elif isinstance(payload, Referred):
            referrals[(d.raiser_role, month, payload.target)] += 1
        elif isinstance(payload, Responded):
            responses[(e.from_stage, payload.on_time)] += 1
        if isinstance(payload, Escalated) and payload.tier:
            tiers[(e.to_stage, payload.tier)] += 1
        if isinstance(payload, Resolved | Extended | Escalated | Concluded) and payload.review:
            reviews[(e.from_stage, payload.review == ON_TIME)] += 1
    closed = [d for d in activity.disputes if d.closed_at and start <= d.closed_at < end]
    partners, involved = partner_counts(raised, activity.partner_agencies)
    return Tally(
        raised=Counter(
            (d.raiser_role, d.team, d.concern.category, d.concern.issue_type) for d in raised
        ),
        children=tuple(
            ChildSeen(d.reference, d.team, c.pseudonym or child_key(c.local_id))
            for d in raised
            for c in d.children
        ),
        steps=steps,
        informal_went_formal=went_formal,
        referrals=referrals,
        responses=responses,
        resolutions=tuple(
            sorted(
                (d.raised_at, d.closed_at or end) for d in closed if d.outcome == Outcome.RESOLVED
            )
        ),
        outcomes=Counter(d.outcome.value for d in closed if d.outcome is not None),
        compliments=tuple(c for c in activity.compliments if start <= c.sent_at < end),
        reviews=reviews,
        more_categories=Counter(
            (d.team, key) for d in raised for key in d.concern.more_categories
        ),
        partners=partners,
        partner_disputes=involved,
        tiers=tiers,
        raised_in=Counter(d.process for d in raised),
        entered_in=entered,
        closed_in=Counter((d.process, d.outcome.value) for d in closed if d.outcome is not None),
    )
