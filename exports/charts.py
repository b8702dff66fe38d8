"""The quarterly report's charts as inline SVG, drawn by pygal with its script removed (the
page opens offline and nothing runs)."""

from __future__ import annotations

import re
from typing import Any

from cards.report import referral_total, stage_total
from drp.report import QuarterlyReport, RaiserGroup, month_label

_SCRIPT = re.compile(r"<script\b.*?</script>", re.DOTALL | re.IGNORECASE)
_PALETTE = ("#0b5cad", "#d35400", "#107c10", "#6b3fa0", "#a4262c", "#008575", "#8a6d00")


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
        ("Stage entries", lambda f: stage_total(report, f)),
        ("Referrals", lambda f: referral_total(report, f)),
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
