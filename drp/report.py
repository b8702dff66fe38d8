"""The quarterly DRP report (Newham's template, seed 003) computed from disputes and events.

Pure: the disputes, events and compliments of a period go in, figures come out; the caller
loads them and passes the working-day calendar and "now". Every figure's definition is in
``DEFINITIONS`` (the report prints them as footnotes), so what is counted is said once.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from statistics import median

from drp.calendar import WorkingDayCalendar
from drp.events import Event, EventKind, Referred, Responded
from drp.model import Dispute, Outcome, Status
from drp.policy import INFORMAL, Policy
from drp.roles import Role

ALL = "all"
TOTAL = "total"
REFERRAL_PREFIX = "referral:"
_ENTRY_KINDS = frozenset({EventKind.RAISED, EventKind.ESCALATED, EventKind.APPROVED})
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

DEFINITIONS: tuple[tuple[str, str], ...] = (
    (
        "Period",
        "From 00:00 on the first day to 24:00 on the last day, Europe/London time; "
        "the same period last year is the same dates one year earlier.",
    ),
    (
        "Disputes raised",
        "Disputes whose raise falls in the period, whatever stage they opened at "
        "(a dispute awaiting agreement counts too).",
    ),
    (
        "Disputes per month by stage",
        "Stage entries: each time a dispute entered a stage in the month, counted in the "
        "month of entry — opened there, escalated or bypassed to it, or sent there once "
        "agreed. A dispute escalated from stage 1 to 2 in one month counts once at each; "
        "a dispute still waiting for agreement has entered no stage yet. The last column "
        "group counts external referrals made in the month (e.g. CAFCASS), concurrent or not.",
    ),
    (
        "IRO / CP chair",
        "Split by the role of the person who raised the dispute (Independent Reviewing "
        "Officer or Child Protection Chair); other raisers (e.g. practitioners in a "
        "multi-agency policy) are shown apart.",
    ),
    (
        "Children, families",
        "Among disputes raised in the period: children are distinct local IDs; a family is a "
        "group of disputes linked by a child they share (siblings on one dispute are one "
        "family; two disputes about the same child are one family).",
    ),
    (
        "Category",
        "The category the raiser chose; percentages are of disputes raised in the period, "
        "rounded half up to one decimal place.",
    ),
    (
        "Informal / formal",
        "By the stage the dispute was opened at: the informal stage, or a formal stage. "
        "'Informal, later formal' counts informal disputes that have since entered a formal "
        "stage.",
    ),
    (
        "Responses within deadline",
        "Managers' responses recorded in the period, by the stage responded at; on time when "
        "recorded no later than that stage's deadline at the time (after any extension).",
    ),
    (
        "Working days to resolution",
        "For disputes marked resolved in the period: working days from the raise to the "
        "resolution (day 0 is the raise; weekends, bank holidays and closure days not "
        "counted); the median of these.",
    ),
    (
        "Overdue now",
        "At the moment the report was generated: open disputes whose response or chair's "
        "review deadline has passed, whenever they were raised.",
    ),
    (
        "Compliments",
        "Compliments the chairs sent in the period, by the practitioner's team; acknowledged "
        "when the practitioner or their team manager has acknowledged them.",
    ),
)


class RaiserGroup(StrEnum):
    """Whose activity a figure counts: Newham reports IROs and CP chairs separately."""

    IRO = "iro"
    CHAIR = "chair"
    OTHER = "other"

    @property
    def label(self) -> str:
        """The group's heading."""
        return {"iro": "IROs", "chair": "CP chairs", "other": "Other raisers"}[self.value]

    @classmethod
    def of(cls, role: Role) -> RaiserGroup:
        """The group of a raiser's role."""
        if role == Role.IRO:
            return cls.IRO
        return cls.CHAIR if role == Role.CHAIR else cls.OTHER


@dataclass(frozen=True, slots=True)
class Period:
    """A reporting period: whole days from ``start`` to ``end``, both included."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"the period ends ({self.end}) before it starts ({self.start})")

    def bounds(self, calendar: WorkingDayCalendar) -> tuple[datetime, datetime]:
        """``[start, end)`` as aware instants: local midnight to the midnight after ``end``."""
        first = datetime.combine(self.start, time(0), tzinfo=calendar.tz)
        after = datetime.combine(self.end + timedelta(days=1), time(0), tzinfo=calendar.tz)
        return first, after

    def last_year(self) -> Period:
        """The same dates a year earlier (29 February becomes the 28th)."""
        return Period(_year_before(self.start), _year_before(self.end))

    def months(self) -> tuple[str, ...]:
        """The calendar months the period touches, as ``YYYY-MM``."""
        found, year, month = [], self.start.year, self.start.month
        while (year, month) <= (self.end.year, self.end.month):
            found.append(f"{year:04d}-{month:02d}")
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return tuple(found)

    @property
    def label(self) -> str:
        """``1 Jan 2026 to 31 Mar 2026``."""
        return f"{day_label(self.start)} to {day_label(self.end)}"


def _year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def day_label(day: date) -> str:
    """``1 Jan 2026``."""
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def month_label(month: str) -> str:
    """``Jan 2026`` for ``2026-01``."""
    year, number = month.split("-")
    return f"{_MONTHS[int(number) - 1]} {year}"


@dataclass(frozen=True, slots=True)
class Column:
    """A column of the monthly table: a stage, the external step, or a referral route."""

    key: str
    label: str


@dataclass(frozen=True, slots=True)
class Recognition:
    """A compliment as the report counts it: when, the practitioner's team, acknowledged."""

    sent_at: datetime
    team: str
    acknowledged: bool


@dataclass(frozen=True, slots=True)
class PeriodActivity:
    """What the store holds for a period: every dispute raised in it or acted on in it, the
    events of the period, and the compliments sent. Extra items outside it are ignored."""

    disputes: Sequence[Dispute]
    events: Sequence[Event]
    compliments: Sequence[Recognition] = ()


@dataclass(frozen=True, slots=True)
class TeamRow:
    """One team: disputes raised about its children, the children and families, categories."""

    team: str
    disputes: int
    children: int
    families: int
    categories: tuple[tuple[str, int], ...]


@dataclass(frozen=True, slots=True)
class Share:
    """A count and its percentage of a whole (None when the whole is zero)."""

    key: str
    label: str
    count: int
    percent: Decimal | None


@dataclass(frozen=True, slots=True)
class Timeliness:
    """Responses at one stage: how many, how many on time, and the percentage."""

    stage: str
    label: str
    responses: int
    on_time: int

    @property
    def percent(self) -> Decimal | None:
        """Percentage on time, one decimal place; None without responses."""
        return percent(self.on_time, self.responses)


@dataclass(frozen=True, slots=True)
class Figures:
    """Every figure of one period."""

    period: Period
    raised: int
    raised_by_group: Mapping[RaiserGroup, int]
    informal: int
    formal: int
    informal_went_formal: int
    children: int
    families: int
    # group ("all" or a RaiserGroup value) -> month ("YYYY-MM" or "total") -> column key -> n
    entries: Mapping[str, Mapping[str, Mapping[str, int]]]
    teams: tuple[TeamRow, ...]
    categories: tuple[Share, ...]
    issue_types: tuple[Share, ...]
    timeliness: tuple[Timeliness, ...]
    resolved: int
    median_days_to_resolution: float | None
    outcomes: tuple[tuple[str, int], ...]
    immediate_harm_alerts: int
    compliments: tuple[tuple[str, int, int], ...]  # team, sent, acknowledged

    @property
    def groups(self) -> tuple[RaiserGroup, ...]:
        """The raiser groups to show: IROs and CP chairs always, others when there are any."""
        shown = [RaiserGroup.IRO, RaiserGroup.CHAIR]
        if self.raised_by_group.get(RaiserGroup.OTHER) or _any(self.entries, "other"):
            shown.append(RaiserGroup.OTHER)
        return tuple(shown)

    def entry(self, group: str, month: str, column: str) -> int:
        """The number of stage entries (or referrals) of a group in a month (or "total")."""
        return self.entries.get(group, {}).get(month, {}).get(column, 0)

    @property
    def responses(self) -> Timeliness:
        """All responses of the period together."""
        return Timeliness(
            TOTAL,
            "All stages",
            sum(t.responses for t in self.timeliness),
            sum(t.on_time for t in self.timeliness),
        )

    @property
    def compliments_sent(self) -> int:
        """Compliments sent in the period."""
        return sum(sent for _, sent, _ in self.compliments)

    @property
    def compliments_acknowledged(self) -> int:
        """Of those, how many have been acknowledged."""
        return sum(ack for _, _, ack in self.compliments)


@dataclass(frozen=True, slots=True)
class Overdue:
    """An open dispute past its response or review deadline when the report was made."""

    reference: str
    stage: str
    group: RaiserGroup
    due_at: datetime
    working_days_over: int


@dataclass(frozen=True, slots=True)
class QuarterlyReport:
    """The report: this period, the same period last year, and what is overdue now."""

    policy: Policy
    generated_at: datetime
    current: Figures
    last_year: Figures
    columns: tuple[Column, ...]
    overdue: tuple[Overdue, ...] = ()
    definitions: tuple[tuple[str, str], ...] = field(default=DEFINITIONS)

    @property
    def period(self) -> Period:
        """The period reported on."""
        return self.current.period

    def overdue_by_stage(self) -> tuple[tuple[str, int], ...]:
        """How many are overdue at each stage, in the columns' order."""
        counts = Counter(o.stage for o in self.overdue)
        order = [c.key for c in self.columns]
        return tuple(sorted(counts.items(), key=lambda kv: _rank(order, kv[0])))


def percent(part: int, whole: int) -> Decimal | None:
    """``part`` of ``whole`` as a percentage, rounded half up to one decimal place."""
    if whole == 0:
        return None
    return (Decimal(part * 100) / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def columns(policy: Policy) -> tuple[Column, ...]:
    """The monthly table's columns: informal (if any), stages 1..N, the external step,
    then one per referral route."""
    found: dict[str, str] = {}
    for process in policy.processes:
        if process.informal is not None:
            found.setdefault(INFORMAL, "Informal")
        for stage in process.stages:
            found.setdefault(stage.key, f"Stage {stage.key}")
        final = process.final_step
        if final is not None:
            found.setdefault(final.key, f"Stage {final.key}" if final.key.isdigit() else "Final")
    for referral in policy.referrals:
        found.setdefault(REFERRAL_PREFIX + referral.key, referral.title)
    return tuple(Column(key, label) for key, label in found.items())


def quarterly_report(
    period: Period,
    current: Tally,
    last_year: Tally,
    deadlines: Iterable[OpenDeadline],
    *,
    policy: Policy,
    calendar: WorkingDayCalendar,
    now: datetime,
) -> QuarterlyReport:
    """The report for ``period`` and the same period last year, with what is overdue ``now``."""
    return report_of(
        figures(period, current, policy, calendar),
        figures(period.last_year(), last_year, policy, calendar),
        deadlines,
        policy=policy,
        calendar=calendar,
        now=now,
    )


def report_of(
    current: Figures,
    last_year: Figures,
    deadlines: Iterable[OpenDeadline],
    *,
    policy: Policy,
    calendar: WorkingDayCalendar,
    now: datetime,
) -> QuarterlyReport:
    """The report from each period's figures (a caller counting a long history turns each
    tally into figures before counting the next, so only one is held at a time)."""
    return QuarterlyReport(
        policy=policy,
        generated_at=now,
        current=current,
        last_year=last_year,
        columns=columns(policy),
        overdue=overdue(deadlines, now, calendar),
    )


# --- what one period holds, counted -------------------------------------------------------------

RaisedKey = tuple[Role, str, str, str]  # raiser's role, team, category, issue type
StepKey = tuple[EventKind, Role, str, str, str]  # kind, raiser's role, month, from, to stage
STEP_KINDS = frozenset(
    {EventKind.RAISED, EventKind.ESCALATED, EventKind.APPROVED, EventKind.IMMEDIATE_HARM}
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


def child_key(local_id: str) -> str:
    """Who a child is for counting: the local ID (every child has one), case and spaces aside.
    A stored child is counted by its pseudonym instead, one per such key, kept after retention."""
    return local_id.strip().upper()


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
    went_formal = 0
    for e in activity.events:
        d = by_ref.get(e.reference)
        if d is None or not start <= e.at < end:
            continue
        month = month_of(e.at, calendar)
        if e.kind in STEP_KINDS:
            steps[(e.kind, d.raiser_role, month, e.from_stage, e.to_stage)] += 1
        payload = e.payload
        if e.kind == EventKind.RAISED and e.to_stage == INFORMAL and d.formal_started_at:
            went_formal += 1
        elif isinstance(payload, Referred):
            referrals[(d.raiser_role, month, payload.target)] += 1
        elif isinstance(payload, Responded):
            responses[(e.from_stage, payload.on_time)] += 1
    closed = [d for d in activity.disputes if d.closed_at and start <= d.closed_at < end]
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
    )


# --- from counts to figures ---------------------------------------------------------------------


def figures(
    period: Period, counted: Tally, policy: Policy, calendar: WorkingDayCalendar
) -> Figures:
    """Every figure of one period, from its tally."""
    start, end = period.bounds(calendar)
    raised_by_group: Counter[RaiserGroup] = Counter()
    for (role, *_), n in counted.raised.items():
        raised_by_group[RaiserGroup.of(role)] += n
    raised = sum(counted.raised.values())
    informal = sum(
        n
        for (kind, *_, to), n in counted.steps.items()
        if kind == EventKind.RAISED and to == INFORMAL
    )
    days = _working_days(counted.resolutions, calendar)
    harm = sum(n for (kind, *_), n in counted.steps.items() if kind == EventKind.IMMEDIATE_HARM)
    return Figures(
        period=period,
        raised=raised,
        raised_by_group=dict(raised_by_group),
        informal=informal,
        formal=raised - informal,
        informal_went_formal=counted.informal_went_formal,
        children=len({c.key for c in counted.children}),
        families=_families(counted.children),
        entries=_entries(counted),
        teams=_teams(counted),
        categories=_categories(counted, raised, policy),
        issue_types=_issue_types(counted, raised, policy),
        timeliness=_timeliness(counted, policy),
        resolved=len(days),
        median_days_to_resolution=float(median(days)) if days else None,
        outcomes=tuple(
            (o.value, counted.outcomes[o.value]) for o in Outcome if counted.outcomes.get(o.value)
        ),
        immediate_harm_alerts=harm,
        compliments=_compliments(counted.compliments, start, end),
    )


def _working_days(
    spans: Iterable[tuple[datetime, datetime]], calendar: WorkingDayCalendar
) -> list[int]:
    """Working days of each (raised, resolved) span; many spans share their dates."""
    memo: dict[tuple[date, date], int] = {}
    found = []
    for raised, resolved in spans:
        key = (calendar.local_date(raised), calendar.local_date(resolved))
        if key not in memo:
            memo[key] = calendar.working_days_between(*key)
        found.append(memo[key])
    return found


def _families(children: Iterable[ChildSeen]) -> int:
    """Groups of disputes linked by a shared child (union-find over disputes and children).

    Disputes and children are numbered as they are met, so the forest is a list of ints: a
    ten-year report links ~100,000 of each."""
    disputes: dict[str, int] = {}
    kids: dict[str, int] = {}
    parent: list[int] = []

    def node(numbers: dict[str, int], name: str) -> int:
        found = numbers.get(name)
        if found is None:
            found = numbers[name] = len(parent)
            parent.append(found)
        return found

    def root(n: int) -> int:
        while parent[n] != n:
            parent[n] = parent[parent[n]]
            n = parent[n]
        return n

    for child in children:
        dispute = node(disputes, child.reference)
        parent[root(node(kids, child.key))] = root(dispute)
    return len({root(n) for n in disputes.values()})


def _entries(counted: Tally) -> dict[str, dict[str, dict[str, int]]]:
    table: dict[str, dict[str, dict[str, int]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(int))
    )

    def add(role: Role, month: str, column: str, n: int) -> None:
        for group in (RaiserGroup.of(role).value, ALL):
            table[group][month][column] += n
            table[group][TOTAL][column] += n

    for (kind, role, month, before, after), n in counted.steps.items():
        if kind in _ENTRY_KINDS and after and after != before:
            add(role, month, after, n)
    for (role, month, route), n in counted.referrals.items():
        add(role, month, REFERRAL_PREFIX + route, n)
    return {g: {m: dict(c) for m, c in months.items()} for g, months in table.items()}


def _teams(counted: Tally) -> tuple[TeamRow, ...]:
    disputes: Counter[str] = Counter()
    categories: dict[str, Counter[str]] = defaultdict(Counter)
    for (_, team, category, _), n in counted.raised.items():
        disputes[team] += n
        categories[team][category] += n
    by_team: dict[str, list[ChildSeen]] = defaultdict(list)
    for child in counted.children:
        by_team[child.team].append(child)
    rows = []
    for team in sorted(disputes, key=str.casefold):
        seen = by_team[team]
        ordered = sorted(categories[team].items(), key=lambda kv: (-kv[1], kv[0]))
        rows.append(
            TeamRow(
                team, disputes[team], len({c.key for c in seen}), _families(seen), tuple(ordered)
            )
        )
    return tuple(rows)


def _categories(counted: Tally, whole: int, policy: Policy) -> tuple[Share, ...]:
    if not policy.categories:
        return ()
    counts: Counter[str] = Counter()
    for (_, _, category, _), n in counted.raised.items():
        counts[category] += n
    known = [(c.key, c.title) for c in policy.categories]
    strays = sorted(set(counts) - {key for key, _ in known})
    return tuple(
        Share(key, title, counts[key], percent(counts[key], whole))
        for key, title in [*known, *((k, k) for k in strays)]
    )


def _issue_types(counted: Tally, whole: int, policy: Policy) -> tuple[Share, ...]:
    if not policy.issue_types:
        return ()
    counts: Counter[str] = Counter()
    for (*_, issue), n in counted.raised.items():
        counts[issue] += n
    return tuple(Share(t, t, counts[t], percent(counts[t], whole)) for t in policy.issue_types)


def _timeliness(counted: Tally, policy: Policy) -> tuple[Timeliness, ...]:
    tallies: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for (stage, on_time), n in counted.responses.items():
        tallies[stage][0] += n
        tallies[stage][1] += n if on_time else 0
    order = [c.key for c in columns(policy)]
    return tuple(
        Timeliness(stage, _stage_label(stage), n, on_time)
        for stage, (n, on_time) in sorted(tallies.items(), key=lambda kv: _rank(order, kv[0]))
    )


def _stage_label(key: str) -> str:
    return "Informal" if key == INFORMAL else f"Stage {key}"


def _rank(order: Sequence[str], key: str) -> tuple[int, str]:
    return (order.index(key), key) if key in order else (len(order), key)


def _compliments(
    compliments: Iterable[Recognition], start: datetime, end: datetime
) -> tuple[tuple[str, int, int], ...]:
    sent: Counter[str] = Counter()
    acknowledged: Counter[str] = Counter()
    for c in compliments:
        if start <= c.sent_at < end:
            sent[c.team] += 1
            acknowledged[c.team] += 1 if c.acknowledged else 0
    return tuple((team, sent[team], acknowledged[team]) for team in sorted(sent, key=str.casefold))


# --- overdue now --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OpenDeadline:
    """An open dispute's current deadline: its response's, or the chair's review's."""

    reference: str
    stage: str
    raiser_role: Role
    due_at: datetime


def open_deadline(dispute: Dispute) -> OpenDeadline | None:
    """The dispute's current deadline, if it has one (see ``current_deadline``)."""
    due = current_deadline(dispute)
    if due is None:
        return None
    return OpenDeadline(dispute.reference, dispute.stage, dispute.raiser_role, due)


def overdue(
    deadlines: Iterable[OpenDeadline], now: datetime, calendar: WorkingDayCalendar
) -> tuple[Overdue, ...]:
    """The deadlines passed at ``now``, with working days over, oldest first."""
    found = [
        Overdue(
            d.reference,
            d.stage,
            RaiserGroup.of(d.raiser_role),
            d.due_at,
            max(calendar.working_days_between(d.due_at, now), 0),
        )
        for d in deadlines
        if calendar.is_overdue(d.due_at, now)
    ]
    return tuple(sorted(found, key=lambda o: (o.due_at, o.reference)))


def current_deadline(dispute: Dispute) -> datetime | None:
    """The response deadline while awaiting a response, the chair's review deadline while
    awaiting review; None otherwise (closed, external, awaiting agreement)."""
    if dispute.status == Status.AWAITING_RESPONSE:
        return dispute.due_at
    if dispute.status == Status.AWAITING_REVIEW:
        return dispute.review_due_at
    return None


def _any(entries: Mapping[str, Mapping[str, Mapping[str, int]]], group: str) -> bool:
    return any(any(cols.values()) for cols in entries.get(group, {}).values())


# --- the supervision list (seed 001: outstanding DRPs reviewed in each chair's supervision) ---


@dataclass(frozen=True, slots=True)
class OutstandingRow:
    """One open dispute of a chair: how long it has been open, where, and whether overdue."""

    reference: str
    initials: str
    stage: str
    status: Status
    raised_at: datetime
    days_open: int
    due_at: datetime | None
    overdue: bool
    overall_overdue: bool

    @property
    def flags(self) -> tuple[str, ...]:
        """Words for what is overdue (colour alone is not accessible)."""
        found = ["OVERDUE"] if self.overdue else []
        return (*found, "OVER OVERALL LIMIT") if self.overall_overdue else tuple(found)


def outstanding(
    disputes: Iterable[Dispute], now: datetime, calendar: WorkingDayCalendar
) -> tuple[OutstandingRow, ...]:
    """A chair's open disputes, longest open first: working days open (day 0 is the raise),
    stage, current deadline and overdue flags."""
    rows = []
    for d in disputes:
        if not d.is_open:
            continue
        due = current_deadline(d)
        overall = d.overall_due_at is not None and calendar.is_overdue(d.overall_due_at, now)
        rows.append(
            OutstandingRow(
                reference=d.reference,
                initials=d.initials,
                stage=d.stage or d.pending_stage,
                status=d.status,
                raised_at=d.raised_at,
                days_open=max(calendar.working_days_between(d.raised_at, now), 0),
                due_at=due,
                overdue=due is not None and calendar.is_overdue(due, now),
                overall_overdue=overall,
            )
        )
    return tuple(sorted(rows, key=lambda r: (r.raised_at, r.reference)))
