"""The quarterly report as CSV for other programs.

CSV: one row per figure, always these columns (``CSV_COLUMNS``):

- ``period_from``, ``period_to``: the period's first and last day (ISO dates); the rows of the
  same period last year carry last year's dates;
- ``section``: ``summary``, ``stage_entries``, ``team``, ``team_category``, ``category``,
  ``issue_type``, ``partner_agency``, ``timeliness``, ``review_timeliness`` (the chair's own
  reviews, where the policy sets a deadline for them), ``tiers_reached`` (climbs to a tier of
  management above a stage's first; item ``STAGE/TIER``, e.g. ``3/2``), ``outcome``,
  ``compliments``, ``process`` (each of the policy's processes apart: the item ``raised``, a
  step's key, or an outcome) or ``overdue_now``;
- ``group``: ``all``, ``iro``, ``chair`` or ``other`` (the raiser's role), the team's name
  in the ``team``, ``team_category`` and ``compliments`` sections, the partner agency's in
  ``partner_agency``, or the process's key in ``process``;
- ``item``: what is counted: a summary figure's name, a month ``YYYY-MM`` or ``total``, a
  category or issue type key, a stage key, an outcome;
- ``measure``: ``count``, ``percent``, ``working_days``, ``responses``, ``reviews``, ``on_time``,
  ``percent_on_time``, ``entries`` and ``closed`` (a process's steps and outcomes), or (stage
  entries) the column: a stage key or ``referral:<route>``;
- ``value``: a whole number, a decimal with one place, or empty when there is nothing to
  divide by.

The ``partner_agency`` section (disputes with partner agencies, seeds 003 and 002) has the
agency's name as ``group`` and, measure ``count``, item ``disputes`` then ``open``,
``resolved`` and ``closed`` (closed otherwise), then one row per stage reached (item the stage
key, measure ``stage_reached``); a dispute with two partner agencies counts under each, and
once in its last row: group ``all``, item ``total``, measure ``disputes``.

Where the policy's form ticks several categories (``multiple_categories``, Newham), a dispute
counts once in each category it ticks (``category`` and ``team_category``), so those counts may
add up to more than the disputes raised; the ``category`` section then ends with item
``total``, measure ``ticked`` (categories ticked) and measure ``disputes`` (disputes raised).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from cards.report import number
from drp.report import ALL, TOTAL, Figures, QuarterlyReport, RaiserGroup, Standing

CSV_COLUMNS = ("period_from", "period_to", "section", "group", "item", "measure", "value")

Row = tuple[str, str, str, str, str, str, str]


def _csv_value(value: Decimal | float | int | None) -> str:
    return "" if value is None else number(value)


def report_csv(report: QuarterlyReport) -> str:
    """Every figure as CSV rows of ``CSV_COLUMNS`` (this period, then last year, then overdue)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for figures in (report.current, report.last_year):
        writer.writerows(_figure_rows(report, figures))
    writer.writerows(_overdue_csv(report))
    return out.getvalue()


def _row(f: Figures, section: str, group: str, item: str, measure: str, value: Any) -> Row:
    p = f.period
    return (p.start.isoformat(), p.end.isoformat(), section, group, item, measure, value)


def _shares_csv(report: QuarterlyReport, f: Figures) -> Iterable[Row]:
    for section, shares in (("category", f.categories), ("issue_type", f.issue_types)):
        for share in shares:
            yield _row(f, section, ALL, share.key, "count", share.count)
            yield _row(f, section, ALL, share.key, "percent", _csv_value(share.percent))
    if report.policy.multiple_categories:
        ticked = sum(share.count for share in f.categories)
        yield _row(f, "category", ALL, TOTAL, "ticked", ticked)
        yield _row(f, "category", ALL, TOTAL, "disputes", f.raised)


def _partners_csv(f: Figures) -> Iterable[Row]:
    for row in f.partners:
        yield _row(f, "partner_agency", row.agency, "disputes", "count", row.disputes)
        for standing in Standing:
            count = row.standing.get(standing, 0)
            yield _row(f, "partner_agency", row.agency, standing.value, "count", count)
        for stage, n in row.stages:
            yield _row(f, "partner_agency", row.agency, stage, "stage_reached", n)
    yield _row(f, "partner_agency", ALL, TOTAL, "disputes", f.partner_disputes)


def _figure_rows(report: QuarterlyReport, f: Figures) -> Iterable[Row]:
    yield from _summary_csv(f)
    months = (*f.period.months(), TOTAL)
    for group in (ALL, *(g.value for g in f.groups)):
        for month in months:
            for column in report.columns:
                count = f.entry(group, month, column.key)
                yield _row(f, "stage_entries", group, month, column.key, count)
    for team in f.teams:
        for item, value in (("disputes", team.disputes), ("children", team.children)):
            yield _row(f, "team", team.team, item, "count", value)
        yield _row(f, "team", team.team, "families", "count", team.families)
        for key, count in team.categories:
            yield _row(f, "team_category", team.team, key, "count", count)
    yield from _shares_csv(report, f)
    yield from _partners_csv(f)
    yield from _timeliness_csv(f)
    for outcome, count in f.outcomes:
        yield _row(f, "outcome", ALL, outcome, "count", count)
    for name, sent, acknowledged in f.compliments:
        yield _row(f, "compliments", name, "sent", "count", sent)
        yield _row(f, "compliments", name, "acknowledged", "count", acknowledged)
    yield from _process_csv(f)


def _timeliness_csv(f: Figures) -> Iterable[Row]:
    for t in (*f.timeliness, f.responses):
        yield _row(f, "timeliness", ALL, t.stage, "responses", t.responses)
        yield _row(f, "timeliness", ALL, t.stage, "on_time", t.on_time)
        yield _row(f, "timeliness", ALL, t.stage, "percent_on_time", _csv_value(t.percent))
    for t in f.reviews:
        yield _row(f, "review_timeliness", ALL, t.stage, "reviews", t.responses)
        yield _row(f, "review_timeliness", ALL, t.stage, "on_time", t.on_time)
        yield _row(f, "review_timeliness", ALL, t.stage, "percent_on_time", _csv_value(t.percent))
    for tier in f.tiers:  # seed 004 §2.10
        yield _row(f, "tiers_reached", ALL, f"{tier.stage}/{tier.tier}", "count", tier.climbs)


def _process_csv(f: Figures) -> Iterable[Row]:
    """Each process apart (seed 002 §4-5): raised, entries to its steps, closed by outcome."""
    for process in f.processes:
        yield _row(f, "process", process.key, "raised", "count", process.raised)
        for key, _, count in process.entries:
            yield _row(f, "process", process.key, key, "entries", count)
        for outcome, count in process.outcomes:
            yield _row(f, "process", process.key, outcome, "closed", count)


def _summary_csv(f: Figures) -> Iterable[Row]:
    counts = {
        "disputes_raised": f.raised,
        "informal": f.informal,
        "formal": f.formal,
        "informal_went_formal": f.informal_went_formal,
        "children": f.children,
        "families": f.families,
        "resolved": f.resolved,
        "immediate_harm_alerts": f.immediate_harm_alerts,
        "reopened": f.reopened,
        "compliments_sent": f.compliments_sent,
        "compliments_acknowledged": f.compliments_acknowledged,
    }
    for item, value in counts.items():
        yield _row(f, "summary", ALL, item, "count", value)
    for group in RaiserGroup:
        raised = f.raised_by_group.get(group, 0)
        yield _row(f, "summary", group.value, "disputes_raised", "count", raised)
    median = _csv_value(f.median_days_to_resolution)
    yield _row(f, "summary", ALL, "median_days_to_resolution", "working_days", median)


def _overdue_csv(report: QuarterlyReport) -> Iterable[Row]:
    f = report.current
    for group in (ALL, *(g.value for g in RaiserGroup)):
        mine = [o for o in report.overdue if group in (ALL, o.group.value)]
        counts: dict[str, int] = {}
        for o in mine:
            counts[o.stage] = counts.get(o.stage, 0) + 1
        yield _row(f, "overdue_now", group, TOTAL, "count", len(mine))
        for stage, count in sorted(counts.items()):
            yield _row(f, "overdue_now", group, stage, "count", count)
