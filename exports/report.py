"""The quarterly report as one self-contained HTML page (inline CSS, charts as inline SVG, no
JavaScript, nothing fetched) and as Markdown tables."""

from __future__ import annotations

import re
from collections.abc import Sequence

from cards.report import (
    PARTNER_HEAD,
    PARTNERS,
    PARTNERS_NONE,
    category_rows,
    category_titles,
    lead_sentence,
    monthly_rows,
    number,
    overdue_rows,
    partner_rows,
    summary_lines,
    team_rows,
)
from cards.text import format_instant
from drp.report import QuarterlyReport
from exports.charts import category_chart, comparison_chart, monthly_chart, timeliness_chart
from exports.markup import h as _h
from exports.markup import md, md_table, page
from exports.report_notes import REVIEWS, TIERS, note_sections, review_rows, tier_rows
from exports.report_processes import process_sections

_NUMERIC = re.compile(r"^[\d.,%—\s-]*$")

_CSS = """
:root { color-scheme: light; }
body { font: 11pt/1.45 "Segoe UI", Arial, Helvetica, sans-serif; color: #1b1b1b;
  margin: 2em auto; max-width: 62em; padding: 0 1.5em; background: #fff; }
h1 { font-size: 1.6em; margin: 0.2em 0; }
h2 { font-size: 1.25em; margin: 1.6em 0 0.4em; border-bottom: 2px solid #444; }
h3 { font-size: 1.05em; margin: 1em 0 0.3em; }
table { border-collapse: collapse; width: 100%; margin: 0.3em 0 1em; }
th, td { border: 1px solid #999; padding: 0.25em 0.5em; text-align: right; }
th:first-child, td:first-child { text-align: left; }
td.text { text-align: left; }
th { background: #eee; font-weight: 600; }
tr.total td { font-weight: 700; border-top: 2px solid #444; }
figure { margin: 0.5em 0 1.2em; break-inside: avoid; page-break-inside: avoid; }
figure svg { width: 100%; height: auto; max-width: 760px; display: block; }
.lead { font-size: 1.1em; }
dl.notes dt { font-weight: 600; margin-top: 0.5em; } dl.notes dd { margin: 0 0 0 1.2em; }
footer { margin-top: 2em; font-size: 0.88em; color: #444; border-top: 1px solid #999; }
@page { size: A4; margin: 15mm 12mm; }
@media print {
  body { margin: 0; max-width: none; padding: 0; font-size: 9.5pt; }
  h2 { break-after: avoid; page-break-after: avoid; }
  table { break-inside: avoid; page-break-inside: avoid; }
  th { background: #eee !important; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""


def _html_table(head: Sequence[str], rows: Sequence[Sequence[str]], total: bool = False) -> str:
    top = "".join(f"<th scope='col'>{_h(h)}</th>" for h in head)
    body = []
    for n, row in enumerate(rows):
        css = " class='total'" if total and n == len(rows) - 1 else ""
        cells = "".join(
            f"<td>{_h(c)}</td>" if _NUMERIC.match(c) else f"<td class='text'>{_h(c)}</td>"
            for c in row
        )
        body.append(f"<tr{css}>{cells}</tr>")
    return f"<table><thead><tr>{top}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _figure(svg: str, caption: str) -> str:
    return f"<figure role='img' aria-label='{_h(caption)}'>{svg}</figure>"


def report_html(report: QuarterlyReport) -> str:
    """The report as one self-contained HTML page with inline SVG charts."""
    f, policy = report.current, report.policy
    parts = [
        "<h1>Dispute Resolution: quarterly report to the Senior Leadership Team</h1>",
        f"<p>{_h(policy.title)}</p>",
        f"<p class='lead'>{_h(lead_sentence(report))}</p>",
        "<h2>Quarterly Dispute Resolution summary</h2>",
        _html_table(
            ("Figure", f.period.label, report.last_year.period.label),
            [list(line) for line in summary_lines(report)],
        ),
        _figure(comparison_chart(report), "This period and the same period last year"),
    ]
    parts += _monthly_sections(report)
    parts += _team_and_category_sections(report)
    parts += _partner_sections(report)
    parts += _timeliness_sections(report)
    parts += _compliment_sections(report)
    for heading, head, rows in [*process_sections(report), *note_sections(report.notes)]:
        parts += [f"<h2>{_h(heading)}</h2>", _html_table(head, rows)]
    parts.append("<h2>Definitions</h2><dl class='notes'>")
    parts += [f"<dt>{_h(term)}</dt><dd>{_h(text)}</dd>" for term, text in report.definitions]
    parts.append("</dl>")
    made = f"Generated {format_instant(report.generated_at)} (Europe/London) by drp-bot."
    parts.append(f"<footer><p>{_h(made)}</p></footer>")
    return page(f"DRP report {f.period.label}", "".join(parts), _CSS)


def _monthly_sections(report: QuarterlyReport) -> list[str]:
    head = ("Month", *(c.label for c in report.columns))
    parts = []
    for group in report.current.groups:
        parts += [
            f"<h2>{_h(group.label)}: activity by month</h2>",
            _html_table(head, monthly_rows(report, group.value), total=True),
            _figure(monthly_chart(report, group), f"{group.label} by month"),
        ]
    return parts


def _team_and_category_sections(report: QuarterlyReport) -> list[str]:
    f = report.current
    titles = category_titles(report)
    head = ("Team", "Disputes", "Children", "Families", "Categories")
    rows = category_rows(report)
    parts = [
        "<h2>Breakdown by team</h2>",
        _html_table(head, team_rows(f, titles), total=bool(f.teams)),
    ]
    if report.policy.categories:  # a policy without categories has no breakdown by them
        parts += [
            "<h2>Breakdown by category</h2>",
            _html_table(("Category", "Number", "%"), rows, total=True),
            _figure(category_chart(report), "Disputes by category"),
        ]
    if f.issue_types:
        issues = [[s.label, str(s.count), number(s.percent, "%")] for s in f.issue_types]
        parts += ["<h3>Issue type</h3>", _html_table(("Issue type", "Number", "%"), issues)]
    informal = [
        ["Informal", str(f.informal), str(report.last_year.informal)],
        ["Formal", str(f.formal), str(report.last_year.formal)],
        [
            "Informal, later formal",
            str(f.informal_went_formal),
            str(report.last_year.informal_went_formal),
        ],
    ]
    head2 = ("Dispute resolutions", "This period", "Same period last year")
    return [*parts, "<h2>Informal and formal</h2>", _html_table(head2, informal)]


def _partner_sections(report: QuarterlyReport) -> list[str]:
    """Seeds 003 and 002: "details of disputes with partner agencies in the reports"."""
    rows = partner_rows(report)
    table = _html_table(PARTNER_HEAD, rows, total=True) if rows else f"<p>{_h(PARTNERS_NONE)}</p>"
    return [f"<h2>{_h(PARTNERS)}</h2>", table]


def _timeliness_sections(report: QuarterlyReport) -> list[str]:
    f = report.current
    rows = [
        [t.label, str(t.responses), str(t.on_time), number(t.percent, "%")]
        for t in (*f.timeliness, f.responses)
    ]
    outcomes = [[o.replace("_", " ").capitalize(), str(n)] for o, n in f.outcomes]
    median = number(f.median_days_to_resolution)
    parts = [
        "<h2>Timeliness</h2>",
        _html_table(("Stage", "Responses", "Within deadline", "%"), rows, total=True),
    ]
    if f.reviews:  # seed 003: the chair's own 2-day reviews
        parts += [
            f"<h3>{_h(REVIEWS)}</h3>",
            _html_table(("Stage", "Reviews", "Within deadline", "%"), review_rows(f)),
        ]
    if f.tiers:  # seed 004 §2.10: the tiers of management climbed within a stage
        parts += [f"<h3>{_h(TIERS)}</h3>", _html_table(("Stage and tier", "Climbs"), tier_rows(f))]
    if f.timeliness:
        parts.append(_figure(timeliness_chart(report), "Responses within deadline"))
    parts += [
        f"<p>Resolved in the period: {f.resolved}; median working days from raise to "
        f"resolution: {_h(median)} (same period last year: "
        f"{_h(number(report.last_year.median_days_to_resolution))}).</p>",
        "<h3>Closed in the period, by outcome</h3>",
        _html_table(("Outcome", "Disputes"), outcomes or [["None", "0"]]),
        f"<h3>Overdue now ({len(report.overdue)})</h3>",
    ]
    head = ("Reference", "Stage", "Raised by", "Deadline", "Working days over")
    parts.append(_html_table(head, overdue_rows(report)) if report.overdue else "<p>None.</p>")
    return parts


def _compliment_sections(report: QuarterlyReport) -> list[str]:
    f = report.current
    rows = [[team or "No team", str(sent), str(ack)] for team, sent, ack in f.compliments]
    rows.append(["Total", str(f.compliments_sent), str(f.compliments_acknowledged)])
    head = ("Practitioner's team", "Compliments sent", "Acknowledged")
    return ["<h2>Compliments for good practice</h2>", _html_table(head, rows, total=True)]


def report_markdown(report: QuarterlyReport) -> str:
    """The report as Markdown tables (no charts)."""
    f = report.current
    lines = ["# Dispute Resolution: quarterly report", "", md(report.policy.title), ""]
    lines += [md(lead_sentence(report)), "", "## Summary", ""]
    lines += md_table(
        ("Figure", f.period.label, report.last_year.period.label),
        [list(x) for x in summary_lines(report)],
    )
    head = ("Month", *(c.label for c in report.columns))
    for group in f.groups:
        lines += [f"## {md(group.label)}: activity by month", ""]
        lines += md_table(head, monthly_rows(report, group.value))
    lines += ["## Breakdown by team", ""]
    titles = category_titles(report)
    lines += md_table(
        ("Team", "Disputes", "Children", "Families", "Categories"), team_rows(f, titles)
    )
    if report.policy.categories:
        lines += ["## Breakdown by category", ""]
        lines += md_table(("Category", "Number", "%"), category_rows(report))
    lines += [f"## {md(PARTNERS)}", ""]
    partners = partner_rows(report)
    lines += md_table(PARTNER_HEAD, partners) if partners else [md(PARTNERS_NONE), ""]
    lines += ["## Timeliness", ""]
    rows = [
        [t.label, str(t.responses), str(t.on_time), number(t.percent, "%")]
        for t in (*f.timeliness, f.responses)
    ]
    lines += md_table(("Stage", "Responses", "Within deadline", "%"), rows)
    if f.reviews:
        lines += [f"### {md(REVIEWS)}", ""]
        lines += md_table(("Stage", "Reviews", "Within deadline", "%"), review_rows(f))
    if f.tiers:
        lines += [f"### {md(TIERS)}", ""]
        lines += md_table(("Stage and tier", "Climbs"), tier_rows(f))
    lines += [f"Median working days to resolution: {md(number(f.median_days_to_resolution))}", ""]
    lines += [f"## Overdue now ({len(report.overdue)})", ""]
    lines += md_table(
        ("Reference", "Stage", "Raised by", "Deadline", "Working days over"), overdue_rows(report)
    )
    lines += ["## Compliments", ""]
    rows = [[t or "No team", str(s), str(a)] for t, s, a in f.compliments]
    lines += md_table(("Practitioner's team", "Sent", "Acknowledged"), rows)
    for heading, head, written in [*process_sections(report), *note_sections(report.notes)]:
        lines += [f"## {md(heading)}", ""]
        lines += md_table(head, written)
    lines += ["## Definitions", ""]
    lines += [f"- **{md(term)}:** {md(text)}" for term, text in report.definitions]
    return "\n".join([*lines, ""])
