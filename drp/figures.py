"""The quarterly report's figures from each period's tally, and the report assembled with what
is overdue now. Pure: the caller passes the policy, the working-day calendar and "now".
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from statistics import median

from drp import tiers
from drp.calendar import WorkingDayCalendar
from drp.events import EventKind
from drp.model import Outcome
from drp.overdue import OpenDeadline, overdue
from drp.policy import INFORMAL, Policy
from drp.report import (
    ALL,
    REFERRAL_PREFIX,
    TOTAL,
    Figures,
    PartnerRow,
    Period,
    ProcessRow,
    QuarterlyReport,
    RaiserGroup,
    Recognition,
    Share,
    Standing,
    TeamRow,
    TierReached,
    Timeliness,
    columns,
    percent,
    rank,
)
from drp.roles import Role
from drp.tally import ENTRY_KINDS as _ENTRY_KINDS
from drp.tally import ChildSeen, Tally


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
    reopened = sum(n for (kind, *_), n in counted.steps.items() if kind == EventKind.REOPENED)
    return Figures(
        period=period,
        raised=raised,
        raised_by_group=dict(raised_by_group),
        informal=informal,
        formal=raised - informal,
        informal_went_formal=counted.informal_went_formal,
        children=len({c.key for c in counted.children}),
        families=_families(counted.children),
        entries=_entries(counted, policy),
        teams=_teams(counted),
        categories=_categories(counted, raised, policy),
        issue_types=_issue_types(counted, raised, policy),
        timeliness=_timeliness(counted, policy),
        reviews=_timeliness(counted, policy, counted.reviews),
        tiers=_tiers(counted, policy),
        resolved=len(days),
        median_days_to_resolution=float(median(days)) if days else None,
        outcomes=tuple(
            (o.value, counted.outcomes[o.value]) for o in Outcome if counted.outcomes.get(o.value)
        ),
        immediate_harm_alerts=harm,
        reopened=reopened,
        compliments=_compliments(counted.compliments, start, end),
        partners=_partners(counted, policy),
        partner_disputes=counted.partner_disputes,
        processes=_processes(counted, policy),
    )


def _tiers(counted: Tally, policy: Policy) -> tuple[TierReached, ...]:
    """Climbs to each tier of management above a stage's first, in ladder order."""
    stages = {s.key: s for p in policy.processes for s in p.stages if s.tiers}
    found = []
    for (key, tier), n in sorted(counted.tiers.items()):
        stage = stages.get(key)
        label = tiers.label(policy, stage, tier) if stage else f"Stage {key}, tier {tier}"
        found.append(TierReached(key, tier, label, n))
    return tuple(found)


def _processes(counted: Tally, policy: Policy) -> tuple[ProcessRow, ...]:
    """Each process counted apart: raised, entries to each of its own steps, closed by outcome."""
    rows = []
    for process in policy.processes:
        steps = [(s.key, s.title) for s in process.all_stages()]
        if process.final_step is not None:
            steps.append((process.final_step.key, process.final_step.title))
        entries = tuple(
            (key, title, counted.entered_in.get((process.key, key), 0)) for key, title in steps
        )
        outcomes = tuple(
            (o.value, counted.closed_in.get((process.key, o.value), 0)) for o in Outcome
        )
        raised = counted.raised_in.get(process.key, 0)
        rows.append(ProcessRow(process.key, process.title, raised, entries, outcomes))
    return tuple(rows)


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


def _counted_as_referrals(policy: Policy) -> dict[str, str]:
    """Final steps that are a referral route too, by key: the route's key."""
    finals = (p.final_step for p in policy.processes)
    return {f.key: f.counts_as for f in finals if f is not None and f.counts_as}


def _entries(counted: Tally, policy: Policy) -> dict[str, dict[str, dict[str, int]]]:
    table: dict[str, dict[str, dict[str, int]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(int))
    )

    def add(role: Role, month: str, column: str, n: int) -> None:
        for group in (RaiserGroup.of(role).value, ALL):
            table[group][month][column] += n
            table[group][TOTAL][column] += n

    also = _counted_as_referrals(policy)
    for (kind, role, month, before, after), n in counted.steps.items():
        if kind in _ENTRY_KINDS and after and after != before:
            add(role, month, after, n)
            if after in also:  # Newham's stage 5 is the IRO's CAFCASS escalation
                add(role, month, REFERRAL_PREFIX + also[after], n)
    for (role, month, route), n in counted.referrals.items():
        add(role, month, REFERRAL_PREFIX + route, n)
    return {g: {m: dict(c) for m, c in months.items()} for g, months in table.items()}


def _teams(counted: Tally) -> tuple[TeamRow, ...]:
    disputes: Counter[str] = Counter()
    categories: dict[str, Counter[str]] = defaultdict(Counter)
    for (_, team, category, _), n in counted.raised.items():
        disputes[team] += n
        categories[team][category] += n
    for (team, category), n in counted.more_categories.items():
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


def _partners(counted: Tally, policy: Policy) -> tuple[PartnerRow, ...]:
    """One row per partner agency, by name: its disputes, where they stand, stages reached
    in the ladder's order."""
    disputes: Counter[str] = Counter()
    standing: dict[str, Counter[Standing]] = defaultdict(Counter)
    stages: dict[str, Counter[str]] = defaultdict(Counter)
    for (agency, stage, where), n in counted.partners.items():
        disputes[agency] += n
        standing[agency][where] += n
        stages[agency][stage] += n
    order = {column.key: n for n, column in enumerate(columns(policy))}
    return tuple(
        PartnerRow(
            agency,
            disputes[agency],
            {s: standing[agency][s] for s in Standing},
            tuple(sorted(stages[agency].items(), key=lambda kv: (order.get(kv[0], 99), kv[0]))),
        )
        for agency in sorted(disputes, key=str.casefold)
    )


def _categories(counted: Tally, whole: int, policy: Policy) -> tuple[Share, ...]:
    if not policy.categories:
        return ()
    counts: Counter[str] = Counter()
    for (_, _, category, _), n in counted.raised.items():
        counts[category] += n
    for (_, category), n in counted.more_categories.items():
        counts[category] += n  # a dispute ticking several counts once in each
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


def _timeliness(
    counted: Tally, policy: Policy, done: Mapping[tuple[str, bool], int] | None = None
) -> tuple[Timeliness, ...]:
    """On time and in all, by stage: managers' responses, or the chair's reviews (``done``)."""
    tallies: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for (stage, on_time), n in (counted.responses if done is None else done).items():
        tallies[stage][0] += n
        tallies[stage][1] += n if on_time else 0
    order = [c.key for c in columns(policy)]
    return tuple(
        Timeliness(stage, _stage_label(stage), n, on_time)
        for stage, (n, on_time) in sorted(tallies.items(), key=lambda kv: rank(order, kv[0]))
    )


def _stage_label(key: str) -> str:
    return "Informal" if key == INFORMAL else f"Stage {key}"


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
