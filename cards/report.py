"""The quarterly report as HTML (with charts), Markdown, CSV and a Teams summary card; and the
supervision list as text and a card. Pure functions over ``drp.report`` values.

The HTML page opens offline: its charts are inline SVG drawn by pygal (with no JavaScript),
its CSS is inline and nothing is fetched from anywhere.

CSV: one row per figure, always these columns (``CSV_COLUMNS``):

- ``period_from``, ``period_to``: the period's first and last day (ISO dates); the rows of the
  same period last year carry last year's dates;
- ``section``: ``summary``, ``stage_entries``, ``team``, ``team_category``, ``category``,
  ``issue_type``, ``timeliness``, ``outcome``, ``compliments`` or ``overdue_now``;
- ``group``: ``all``, ``iro``, ``chair`` or ``other`` (the raiser's role), or the team's name
  in the ``team``, ``team_category`` and ``compliments`` sections;
- ``item``: what is counted: a summary figure's name, a month ``YYYY-MM`` or ``total``, a
  category or issue type key, a stage key, an outcome;
- ``measure``: ``count``, ``percent``, ``working_days``, ``responses``, ``on_time``,
  ``percent_on_time``, or (stage entries) the column: a stage key or ``referral:<route>``;
- ``value``: a whole number, a decimal with one place, or empty when there is nothing to
  divide by.
"""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from cards import elements as el
from cards.elements import Json
from cards.record import md, page
from cards.text import escape, format_date, format_due, format_instant, plain
from cards.verbs import KeyFactory, Verb, new_key
from drp.report import ALL, TOTAL, Figures, QuarterlyReport, RaiserGroup, day_label, month_label
from drp.supervision import OutstandingRow

CSV_COLUMNS = ("period_from", "period_to", "section", "group", "item", "measure", "value")
MAX_SUPERVISION_ROWS = 25
_NUMERIC = re.compile(r"^[\d.,%—\s-]*$")
_SCRIPT = re.compile(r"<script\b.*?</script>", re.DOTALL | re.IGNORECASE)
_PALETTE = ("#0b5cad", "#d35400", "#107c10", "#6b3fa0", "#a4262c", "#008575", "#8a6d00")

Row = tuple[str, str, str, str, str, str, str]


def number(value: Decimal | float | int | None, suffix: str = "") -> str:
    """A figure as shown: ``—`` for none, one decimal place for fractions."""
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:g}{suffix}" if value == int(value) else f"{value:.1f}{suffix}"
    return f"{value}{suffix}"


def _csv_value(value: Decimal | float | int | None) -> str:
    return "" if value is None else number(value)


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
        ("Stage entries", *both(lambda f: _stage_total(report, f))),
        ("External referrals", *both(lambda f: _referral_total(report, f))),
        ("Responses within deadline", *both(lambda f: _pct(f.responses.percent))),
        ("Resolved", *both(lambda f: f.resolved)),
        ("Median working days to resolution", *both(lambda f: f.median_days_to_resolution)),
        ("Immediate-harm alerts", *both(lambda f: f.immediate_harm_alerts)),
        ("Compliments sent", *both(lambda f: f.compliments_sent)),
    ]
    return lines


def _pct(value: Decimal | None) -> str | None:
    return None if value is None else f"{value}%"


def _stage_total(report: QuarterlyReport, figures: Figures) -> int:
    return sum(figures.entry(ALL, TOTAL, c.key) for c in report.columns if not _is_referral(c.key))


def _referral_total(report: QuarterlyReport, figures: Figures) -> int:
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


def _category_titles(report: QuarterlyReport) -> dict[str, str]:
    return {c.key: c.title for c in report.policy.categories}


# --- CSV ----------------------------------------------------------------------------------------


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
    for section, shares in (("category", f.categories), ("issue_type", f.issue_types)):
        for share in shares:
            yield _row(f, section, ALL, share.key, "count", share.count)
            yield _row(f, section, ALL, share.key, "percent", _csv_value(share.percent))
    for t in (*f.timeliness, f.responses):
        yield _row(f, "timeliness", ALL, t.stage, "responses", t.responses)
        yield _row(f, "timeliness", ALL, t.stage, "on_time", t.on_time)
        yield _row(f, "timeliness", ALL, t.stage, "percent_on_time", _csv_value(t.percent))
    for outcome, count in f.outcomes:
        yield _row(f, "outcome", ALL, outcome, "count", count)
    for name, sent, acknowledged in f.compliments:
        yield _row(f, "compliments", name, "sent", "count", sent)
        yield _row(f, "compliments", name, "acknowledged", "count", acknowledged)


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


# --- charts -------------------------------------------------------------------------------------


def _style() -> Any:
    from pygal.style import Style  # pygal loads only when a chart is drawn

    return Style(
        background="#ffffff",
        plot_background="#ffffff",
        foreground="#1b1b1b",
        foreground_strong="#1b1b1b",
        foreground_subtle="#555555",
        colors=_PALETTE,
        font_family="Segoe UI, Arial, Helvetica, sans-serif",
        label_font_size=13,
        major_label_font_size=13,
        legend_font_size=13,
        title_font_size=16,
        value_font_size=12,
    )


def _svg(chart: Any) -> str:
    """The chart as inline SVG, with pygal's config script removed (nothing runs)."""
    svg = chart.render(is_unicode=True)
    return _SCRIPT.sub("", svg)


def _chart(kind: str, title: str, **config: Any) -> Any:
    import pygal

    options = {
        "js": [],
        "disable_xml_declaration": True,
        "style": _style(),
        "width": 760,
        "height": 340,
        "legend_at_bottom": True,
        "truncate_legend": -1,
        "truncate_label": -1,
        "print_values": True,
        "print_zeroes": False,
        "show_y_guides": True,
        "margin": 12,
    }
    options.update(config)
    return getattr(pygal, kind)(title=title, **options)


def _ticks(highest: int) -> list[int]:
    """Whole-number axis labels for counts (at most about eight)."""
    step = max(1, -(-highest // 8))
    return list(range(0, max(highest, 1) + step, step))


def monthly_chart(report: QuarterlyReport, group: RaiserGroup) -> str:
    """Stage entries and referrals per month for one raiser group (stacked bars)."""
    f = report.current
    chart = _chart("StackedBar", f"{group.label}: stage entries and referrals by month")
    chart.x_labels = [month_label(m) for m in f.period.months()]
    for column in report.columns:
        values = [f.entry(group.value, m, column.key) for m in f.period.months()]
        chart.add(column.label, [v or None for v in values])
    months = f.period.months()
    stacked = [sum(f.entry(group.value, m, c.key) for c in report.columns) for m in months]
    chart.y_labels = _ticks(max(stacked, default=0))
    return _svg(chart)


def category_chart(report: QuarterlyReport) -> str:
    """Disputes raised in the period by category (horizontal bars)."""
    shares = [s for s in report.current.categories if s.count]
    chart = _chart(
        "HorizontalBar",
        "Disputes by category",
        height=max(200, 60 + 34 * len(shares)),
        show_legend=False,
    )
    shares.reverse()  # pygal draws the first bar at the bottom
    chart.x_labels = [s.label for s in shares]
    chart.add("Disputes", [s.count for s in shares])
    chart.y_labels = _ticks(max((s.count for s in shares), default=0))
    return _svg(chart)


def comparison_chart(report: QuarterlyReport) -> str:
    """This period against the same period last year."""
    chart = _chart("Bar", "This period and the same period last year")
    measures = [
        ("Raised", lambda f: f.raised),
        ("Informal", lambda f: f.informal),
        ("Formal", lambda f: f.formal),
        ("Stage entries", lambda f: _stage_total(report, f)),
        ("Referrals", lambda f: _referral_total(report, f)),
        ("Resolved", lambda f: f.resolved),
    ]
    chart.x_labels = [name for name, _ in measures]
    for label, figures in (
        (report.last_year.period.label, report.last_year),
        (report.current.period.label, report.current),
    ):
        chart.add(label, [get(figures) for _, get in measures])
    both = (report.current, report.last_year)
    chart.y_labels = _ticks(max(get(f) for _, get in measures for f in both))
    return _svg(chart)


def timeliness_chart(report: QuarterlyReport) -> str:
    """Percentage of responses within deadline at each stage."""
    rows = [t for t in report.current.timeliness if t.responses]
    chart = _chart(
        "Bar",
        "Responses within deadline (%)",
        range=(0, 100),
        show_legend=False,
        value_formatter=lambda v: f"{v:.0f}%",
    )
    chart.x_labels = [t.label for t in rows]
    chart.add("On time", [float(t.percent) if t.percent is not None else None for t in rows])
    return _svg(chart)


# --- HTML ---------------------------------------------------------------------------------------

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


def _h(text: str) -> str:
    return html.escape(text, quote=True)


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
    parts += _timeliness_sections(report)
    parts += _compliment_sections(report)
    parts.append("<h2>Definitions</h2><dl class='notes'>")
    parts += [f"<dt>{_h(term)}</dt><dd>{_h(text)}</dd>" for term, text in report.definitions]
    parts.append("</dl>")
    made = f"Generated {format_instant(report.generated_at)} (Europe/London) by drp-bot."
    parts.append(f"<footer><p>{_h(made)}</p></footer>")
    return page(f"DRP report {f.period.label}", "".join(parts), _CSS)


def lead_sentence(report: QuarterlyReport) -> str:
    """Newham's opening line: how many this period and in the same period last year."""
    now, then = report.current, report.last_year
    return (
        f"Between {day_label(now.period.start)} and {day_label(now.period.end)} there were "
        f"{now.raised} disputes raised; in the same "
        f"period last year ({then.period.label}) there were {then.raised}."
    )


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
    titles = _category_titles(report)
    head = ("Team", "Disputes", "Children", "Families", "Categories")
    rows = [[s.label, str(s.count), number(s.percent, "%")] for s in f.categories]
    rows.append(["Total", str(f.raised), "100%" if f.raised else "—"])
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


# --- Markdown -----------------------------------------------------------------------------------


def _md_table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(md(h) for h in head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(md(c) for c in row) + " |" for row in rows]
    return [*lines, ""]


def report_markdown(report: QuarterlyReport) -> str:
    """The report as Markdown tables (no charts)."""
    f = report.current
    lines = ["# Dispute Resolution: quarterly report", "", md(report.policy.title), ""]
    lines += [md(lead_sentence(report)), "", "## Summary", ""]
    lines += _md_table(
        ("Figure", f.period.label, report.last_year.period.label),
        [list(x) for x in summary_lines(report)],
    )
    head = ("Month", *(c.label for c in report.columns))
    for group in f.groups:
        lines += [f"## {md(group.label)}: activity by month", ""]
        lines += _md_table(head, monthly_rows(report, group.value))
    lines += ["## Breakdown by team", ""]
    titles = _category_titles(report)
    lines += _md_table(
        ("Team", "Disputes", "Children", "Families", "Categories"), team_rows(f, titles)
    )
    if report.policy.categories:
        lines += ["## Breakdown by category", ""]
        rows = [[s.label, str(s.count), number(s.percent, "%")] for s in f.categories]
        lines += _md_table(("Category", "Number", "%"), rows)
    lines += ["## Timeliness", ""]
    rows = [
        [t.label, str(t.responses), str(t.on_time), number(t.percent, "%")]
        for t in (*f.timeliness, f.responses)
    ]
    lines += _md_table(("Stage", "Responses", "Within deadline", "%"), rows)
    lines += [f"Median working days to resolution: {md(number(f.median_days_to_resolution))}", ""]
    lines += [f"## Overdue now ({len(report.overdue)})", ""]
    lines += _md_table(
        ("Reference", "Stage", "Raised by", "Deadline", "Working days over"), overdue_rows(report)
    )
    lines += ["## Compliments", ""]
    rows = [[t or "No team", str(s), str(a)] for t, s, a in f.compliments]
    lines += _md_table(("Practitioner's team", "Sent", "Acknowledged"), rows)
    lines += ["## Definitions", ""]
    lines += [f"- **{md(term)}:** {md(text)}" for term, text in report.definitions]
    return "\n".join([*lines, ""])


# --- the Teams card -----------------------------------------------------------------------------


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
