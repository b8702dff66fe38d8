"""The quarterly DRP report (Newham's template, seed 003) computed from disputes and events.

Pure: the disputes, events and compliments of a period go in, figures come out; the caller
loads them and passes the working-day calendar and "now". Every figure's definition is in
``DEFINITIONS`` (the report prints them as footnotes), so what is counted is said once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from drp.calendar import WorkingDayCalendar
from drp.events import Event
from drp.model import Dispute
from drp.policy import INFORMAL, Policy
from drp.quarter_notes import ReportNotes
from drp.roles import Role

ALL = "all"
TOTAL = "total"
REFERRAL_PREFIX = "referral:"
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
        "group counts external referrals made in the month (e.g. CAFCASS), concurrent or not, "
        "and escalations to a final step that is that route too (Newham's stage 5: the "
        "IRO's escalation to CAFCASS counts under CAFCASS as well as under stage 5).",
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
        "rounded half up to one decimal place. Where the form ticks every category that "
        "applies (Newham), a dispute counts once in each category it ticks, so the counts "
        "may add up to more than the disputes raised and the percentages to more than 100%.",
    ),
    (
        "Informal / formal",
        "By the stage the dispute was opened at: the informal stage, or a formal stage. "
        "'Informal, later formal' counts informal disputes that have since entered a formal "
        "stage.",
    ),
    (
        "Disputes with partner agencies",
        "Among disputes raised in the period, those about a team the directory gives to a "
        "partner agency (a health trust, the police, a school), or raised from one: by "
        "agency, by the stage each has reached and whether it is open, resolved or closed "
        "otherwise, as they stand when the report is run. A dispute involving two partner "
        "agencies counts under each; the total counts it once.",
    ),
    (
        "Responses within deadline",
        "Managers' responses recorded in the period, by the stage responded at; on time when "
        "recorded no later than that stage's deadline at the time (after any extension).",
    ),
    (
        "Reopened",
        "Resolved disputes a chair reopened in the period because agreed actions were not "
        "done (back to the stage resolved at, or escalated), each reopening counted once.",
    ),
    (
        "Chair's reviews within deadline",
        "The raiser's reviews of responses (resolved, further work agreed, escalated or "
        "concluded) recorded in the period where the policy sets a deadline for them (Newham: "
        "2 calendar days at stages 2-4), by the stage reviewed; on time when recorded no later "
        "than that deadline.",
    ),
    (
        "Tiers of management reached",
        "Where a stage climbs the tiers of management in each agency (City & Hackney's stage "
        "3: service managers, then heads of service, then directors): each time a dispute "
        "went up to a tier above the stage's first in the period, by stage and tier. Such a "
        "climb is not a stage entry.",
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
        "By process",
        "Where the policy has more than one process (Calderdale: the CPCC's practice disputes, "
        "dissent from a conference decision, dissent between agencies over carrying out the "
        "plan), each counted apart: disputes raised in the period, entries to each of its steps "
        "in the period (as in the monthly table), and disputes closed in the period by outcome.",
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
    # The directory's teams of partner agencies, each with its agency's name.
    partner_agencies: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class TeamRow:
    """One team: disputes raised about its children, the children and families, categories."""

    team: str
    disputes: int
    children: int
    families: int
    categories: tuple[tuple[str, int], ...]


class Standing(StrEnum):
    """Where a dispute stands when the report is run (disputes with partner agencies)."""

    OPEN = "open"
    RESOLVED = "resolved"
    CLOSED = "closed"  # closed otherwise: concluded, withdrawn, referred, not agreed

    @property
    def label(self) -> str:
        """The column heading."""
        return "Closed otherwise" if self is Standing.CLOSED else self.value.capitalize()


@dataclass(frozen=True, slots=True)
class PartnerRow:
    """One partner agency: the disputes involving it, by where they stand and by the stage
    each has reached (stage keys, most first)."""

    agency: str
    disputes: int
    standing: Mapping[Standing, int]
    stages: tuple[tuple[str, int], ...]


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
class TierReached:
    """How many times disputes went up to one tier of management within a stage."""

    stage: str
    tier: int
    label: str  # "Stage 3, tier 2: Head of service"
    climbs: int


@dataclass(frozen=True, slots=True)
class ProcessRow:
    """One of the policy's processes counted apart (seed 002 §4-5's dissent between agencies):
    disputes raised in it, entries to each of its steps (key, title, count), closed by outcome."""

    key: str
    title: str
    raised: int
    entries: tuple[tuple[str, str, int], ...]
    outcomes: tuple[tuple[str, int], ...]


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
    # The chair's own reviews of responses, where the policy sets a review deadline.
    reviews: tuple[Timeliness, ...] = ()
    # Disputes with partner agencies (seeds 003, 002): by agency, and how many in all.
    partners: tuple[PartnerRow, ...] = ()
    partner_disputes: int = 0
    # Climbs to a tier of management above a stage's first (seed 004 §2.10).
    tiers: tuple[TierReached, ...] = ()
    # Each process apart, in the profile's order.
    processes: tuple[ProcessRow, ...] = ()
    reopened: int = 0  # resolved disputes reopened, agreed actions not done (issue 14.4)

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
    # What the QA manager wrote for the period's quarters, and the action log (seed 003 §10).
    notes: ReportNotes = field(default_factory=ReportNotes)

    @property
    def period(self) -> Period:
        """The period reported on."""
        return self.current.period

    def overdue_by_stage(self) -> tuple[tuple[str, int], ...]:
        """How many are overdue at each stage, in the columns' order."""
        counts = Counter(o.stage for o in self.overdue)
        order = [c.key for c in self.columns]
        return tuple(sorted(counts.items(), key=lambda kv: rank(order, kv[0])))


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


def rank(order: Sequence[str], key: str) -> tuple[int, str]:
    """Where ``key`` sorts in ``order`` (keys not in it last, by name)."""
    return (order.index(key), key) if key in order else (len(order), key)


def _any(entries: Mapping[str, Mapping[str, Mapping[str, int]]], group: str) -> bool:
    return any(any(cols.values()) for cols in entries.get(group, {}).values())
