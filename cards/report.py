"""The quarterly report's figures in one shape for every format, its Teams summary card, and
the supervision list as text and a card. Pure functions over ``drp.report`` values; the HTML,
Markdown, CSV and SVG files are in ``exports/``.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from cards import elements as el
from cards.elements import Json
from cards.text import escape, format_date, format_due, plain
from cards.verbs import KeyFactory, Verb, new_key
from drp.report import (
    ALL,
    TOTAL,
    Figures,
    QuarterlyReport,
    RaiserGroup,
    Standing,
    day_label,
    month_label,
)
from drp.supervision import OutstandingRow

MAX_SUPERVISION_ROWS = 25


def number(value: Decimal | float | int | None, suffix: str = "") -> str:
    """A figure as shown: ``—`` for none, one decimal place for fractions."""
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:g}{suffix}" if value == int(value) else f"{value:.1f}{suffix}"
    return f"{value}{suffix}"


# --- the figures in one shape for every format --------------------------------------------------


def summary_lines(report: QuarterlyReport) -> list[tuple[str, str, str]]:
    """(figure, this period, same period last year) for the summary table."""
    now, then = report.current, report.last_year

    def both(get: Any) -> tuple[str, str]:
        return number(get(now)), number(get(then))

    lines = [
        ("Disputes raised", *both(lambda f: f.raised)),
        ("raised by IROs", *both(lambda f: f.raised_by_group.get(RaiserGroup.IRO, 0))),
        ("raised by CP chairs", *both(lambda f: f.raised_by_group.get(RaiserGroup.CHAIR, 0))),
    ]
    if RaiserGroup.OTHER in now.groups or RaiserGroup.OTHER in then.groups:
        other = ("raised by others", *both(lambda f: f.raised_by_group.get(RaiserGroup.OTHER, 0)))
        lines.append(other)
    lines += [
        ("Informal", *both(lambda f: f.informal)),
        ("Formal", *both(lambda f: f.formal)),
        ("Informal, later formal", *both(lambda f: f.informal_went_formal)),
        ("Children", *both(lambda f: f.children)),
        ("Families", *both(lambda f: f.families)),
        ("Stage entries", *both(lambda f: stage_total(report, f))),
        ("External referrals", *both(lambda f: referral_total(report, f))),
        ("Responses within deadline", *both(lambda f: _pct(f.responses.percent))),
        ("Resolved", *both(lambda f: f.resolved)),
        ("Median working days to resolution", *both(lambda f: f.median_days_to_resolution)),
        ("Immediate-harm alerts", *both(lambda f: f.immediate_harm_alerts)),
        ("Reopened (agreed actions not done)", *both(lambda f: f.reopened)),
        ("Compliments sent", *both(lambda f: f.compliments_sent)),
    ]
    return lines


def _pct(value: Decimal | None) -> str | None:
    return None if value is None else f"{value}%"


def stage_total(report: QuarterlyReport, figures: Figures) -> int:
    return sum(figures.entry(ALL, TOTAL, c.key) for c in report.columns if not _is_referral(c.key))


def referral_total(report: QuarterlyReport, figures: Figures) -> int:
    return sum(figures.entry(ALL, TOTAL, c.key) for c in report.columns if _is_referral(c.key))


def _is_referral(key: str) -> bool:
    return key.startswith("referral:")


def monthly_rows(report: QuarterlyReport, group: str) -> list[list[str]]:
    """One row per month then a total row: the month and each column's count."""
    figures = report.current
    rows = []
    for month in (*figures.period.months(), TOTAL):
        label = "Total" if month == TOTAL else month_label(month)
        rows.append([label, *(str(figures.entry(group, month, c.key)) for c in report.columns)])
    return rows


def team_rows(figures: Figures, titles: dict[str, str]) -> list[list[str]]:
    """Team, disputes, children, families, categories (most frequent first)."""
    rows = []
    for team in figures.teams:
        cats = "; ".join(f"{titles.get(k, k)} ({n})" for k, n in team.categories)
        rows.append([team.team, str(team.disputes), str(team.children), str(team.families), cats])
    if figures.teams:
        total = ["Total", str(figures.raised), str(figures.children), str(figures.families), ""]
        rows.append(total)
    return rows


def overdue_rows(report: QuarterlyReport) -> list[list[str]]:
    """Reference, stage, raised by, deadline, working days over."""
    return [
        [
            o.reference,
            _stage_word(o.stage),
            o.group.label,
            format_due(o.due_at),
            str(o.working_days_over),
        ]
        for o in report.overdue
    ]


def _stage_word(key: str) -> str:
    return f"Stage {key}" if key.isdigit() else key.capitalize()


def category_rows(report: QuarterlyReport) -> list[list[str]]:
    """Category, number, % (of disputes raised), then the total row; where the form ticks
    several categories the total says the numbers count a dispute once in each."""
    f = report.current
    rows = [[s.label, str(s.count), number(s.percent, "%")] for s in f.categories]
    if report.policy.multiple_categories:
        ticked = sum(s.count for s in f.categories)
        rows.append([f"Categories ticked ({SEVERAL_COUNTED})", str(ticked), ""])
    rows.append(["Total disputes", str(f.raised), "100%" if f.raised else "—"])
    return rows


SEVERAL_COUNTED = "a dispute ticking several categories counts once in each"
PARTNERS = "Disputes with partner agencies"
PARTNER_HEAD = ("Partner agency", "Disputes", *(s.label for s in Standing), "Stage reached")
PARTNERS_NONE = (
    "No dispute raised in the period involved a partner agency (the directory's "
    "partner_agency column says which teams are a partner agency's)."
)


def partner_rows(report: QuarterlyReport) -> list[list[str]]:
    """Agency, disputes, open, resolved, closed otherwise, stages reached; then the total
    (a dispute with two partner agencies is under each, and once in the total)."""
    f = report.current
    labels = {c.key: c.label for c in report.columns}
    rows = []
    for row in f.partners:
        stages = "; ".join(f"{labels.get(k, k or 'Not yet sent')} ({n})" for k, n in row.stages)
        counts = [str(row.standing.get(s, 0)) for s in Standing]
        rows.append([row.agency, str(row.disputes), *counts, stages])
    if f.partners:
        rows.append(["Total (each dispute once)", str(f.partner_disputes), "", "", "", ""])
    return rows


def category_titles(report: QuarterlyReport) -> dict[str, str]:
    return {c.key: c.title for c in report.policy.categories}


def lead_sentence(report: QuarterlyReport) -> str:
    """Newham's opening line: how many this period and in the same period last year."""
    now, then = report.current, report.last_year
    return (
        f"Between {day_label(now.period.start)} and {day_label(now.period.end)} there were "
        f"{now.raised} disputes raised; in the same "
        f"period last year ({then.period.label}) there were {then.raised}."
    )


# --- the Teams card -----------------------------------------------------------------------------


def _reviews(report: QuarterlyReport) -> list[Json]:
    """The chair's own reviews against their deadline, where the policy sets one (seed 003)."""
    reviews = report.current.reviews
    if not reviews:
        return []
    done, on_time = sum(t.responses for t in reviews), sum(t.on_time for t in reviews)
    line = f"Chair's reviews within deadline: {on_time} of {done}"
    return [el.text_block(escape(line), weight="bolder", separator=True)]


def _categories(report: QuarterlyReport) -> list[Json]:
    """Disputes raised by category, most first; none where the policy lists no categories."""
    shares = sorted(
        (s for s in report.current.categories if s.count), key=lambda s: (-s.count, s.label)
    )
    if not shares:
        return []
    heading = "Disputes raised by category"
    if report.policy.multiple_categories:
        heading += f" ({SEVERAL_COUNTED})"
    facts = [(plain(s.label, 80), escape(f"{s.count} ({number(s.percent, '%')})")) for s in shares]
    return [el.text_block(escape(heading), weight="bolder", separator=True), el.fact_set(facts)]


def _partners(report: QuarterlyReport) -> list[Json]:
    """Disputes with partner agencies: how many, and each agency's open and resolved."""
    f = report.current
    heading = el.text_block(
        escape(f"{PARTNERS}: {f.partner_disputes}"), weight="bolder", separator=True
    )
    facts = [
        (
            plain(row.agency, 80),
            escape(
                f"{row.disputes} ({row.standing.get(Standing.OPEN, 0)} open, "
                f"{row.standing.get(Standing.RESOLVED, 0)} resolved)"
            ),
        )
        for row in f.partners
    ]
    return [heading, el.fact_set(facts)] if facts else [heading]


def _tiers(report: QuarterlyReport) -> list[Json]:
    """Climbs to a tier of management above a stage's first (seed 004 §2.10), if any."""
    reached = report.current.tiers
    if not reached:
        return []
    return [
        el.text_block("Tiers of management reached", weight="bolder", separator=True),
        el.fact_set([(escape(t.label), str(t.climbs)) for t in reached]),
    ]


def _processes(report: QuarterlyReport) -> list[Json]:
    """Each process apart where the policy has several (seed 002 §4-5): raised, and entries
    to each of its steps."""
    if len(report.policy.processes) < 2:
        return []
    facts = []
    for row in report.current.processes:
        steps = ", ".join(f"{_step_label(key)} {n}" for key, _, n in row.entries)
        facts.append((escape(row.title), escape(f"raised {row.raised}; {steps}")))
    heading = el.text_block("By process", weight="bolder", separator=True)
    return [heading, el.fact_set(facts)]


def _step_label(key: str) -> str:
    return f"Stage {key}" if key.isdigit() else key.capitalize()


def report_summary_card(report: QuarterlyReport, where_html: str) -> Json:
    """The report's headline figures; ``where_html`` says how to get the full HTML report."""
    f = report.current
    facts = [
        (escape(name), f"{escape(now)} (last year {escape(then)})")
        for name, now, then in summary_lines(report)
    ]
    per_group = []
    for group in f.groups:
        cells = ", ".join(
            f"{c.label} {f.entry(group.value, TOTAL, c.key)}" for c in report.columns
        )
        per_group.append((escape(group.label), escape(cells)))
    body = [
        el.text_block("DRP quarterly report", size="large", weight="bolder", heading=True),
        el.text_block(
            escape(f"{report.policy.name}: {f.period.label}"), subtle=True, spacing="none"
        ),
        el.text_block(escape(lead_sentence(report))),
        el.fact_set(facts),
        el.text_block(
            "Stage entries and referrals in the period", weight="bolder", separator=True
        ),
        el.fact_set(per_group),
        *_categories(report),
        *_partners(report),
        *_processes(report),
        *_reviews(report),
        *_tiers(report),
        el.text_block(escape(f"Overdue now: {len(report.overdue)}"), weight="bolder"),
        el.text_block(escape(where_html), subtle=True, separator=True),
    ]
    return el.card(body, fallback_text="DRP quarterly report")


# --- the supervision list -----------------------------------------------------------------------


def outstanding_text(rows: Sequence[OutstandingRow], names: dict[str, str] | None = None) -> str:
    """A plain-text table for the terminal: one open dispute per line."""
    head = f"{'reference':17} {'children':10} {'stage':9} {'open (wd)':>9}  {'due':16} flags"
    lines = [head]
    for r in rows:
        due = format_date(r.due_at.date()) if r.due_at else "-"
        stage = _stage_word(r.stage)
        line = f"{r.reference:17} {r.initials[:10]:10} {stage[:9]:9} {r.days_open:9d}  {due:16} "
        lines.append((line + " ".join(r.flags)).rstrip())
    lines.append(f"{len(rows)} open; {sum(1 for r in rows if r.overdue)} overdue")
    return "\n".join(lines) + "\n"


def outstanding_card(
    title: str, rows: Sequence[OutstandingRow], key_factory: KeyFactory = new_key
) -> Json:
    """The supervision list: each open dispute with days open, stage, deadline and flags."""
    overdue = sum(1 for r in rows if r.overdue)
    body = [
        el.text_block(escape(title), size="medium", weight="bolder", heading=True),
        el.text_block(
            escape(f"{len(rows)} open, {overdue} overdue. Days open are working days."),
            subtle=True,
        ),
    ]
    for r in rows[:MAX_SUPERVISION_ROWS]:
        body.append(_outstanding_row(r, key_factory))
    if len(rows) > MAX_SUPERVISION_ROWS:
        more = f"…and {len(rows) - MAX_SUPERVISION_ROWS} more: drp-bot outstanding lists them all."
        body.append(el.text_block(escape(more), subtle=True))
    return el.card(body, fallback_text=title)


def _outstanding_row(row: OutstandingRow, key_factory: KeyFactory) -> Json:
    due = f"Due {format_due(row.due_at)}" if row.due_at else row.status.label
    flags = " · ".join(row.flags) or "On track"
    left = [
        el.text_block(escape(row.reference), weight="bolder"),
        el.text_block(
            plain(f"{row.initials} · {_stage_word(row.stage)}"), spacing="none", subtle=True
        ),
    ]
    middle = [
        el.text_block(escape(f"{row.days_open} working days open")),
        el.text_block(
            escape(f"{due} · {flags}"), spacing="none", color="attention" if row.overdue else None
        ),
    ]
    show = el.execute("Show", Verb.SHOW, row.reference, 0, key_factory, with_inputs=False)
    columns = [
        el.column(left),
        el.column(middle, "auto"),
        el.column([el.action_set([show])], "auto"),
    ]
    return el.container([el.column_set(columns)], separator=True)
