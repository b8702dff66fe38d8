"""The report's "By process" section: where a policy has more than one process (Calderdale's
CPCC practice disputes, dissent from a conference decision, and dissent between agencies over
carrying out the plan, seed 002 §4-5), each is counted apart, this period beside the same
period last year. Rows of text; ``exports.report`` draws them as HTML or Markdown."""

from __future__ import annotations

from drp.report import ProcessRow, QuarterlyReport
from exports.report_notes import Section

BY_PROCESS = "By process"
HEAD = ("Process", "Figure", "This period", "Same period last year")


def process_sections(report: QuarterlyReport) -> list[Section]:
    """The one section, or none for a policy with a single process."""
    if len(report.policy.processes) < 2:
        return []
    earlier = {row.key: row for row in report.last_year.processes}
    rows: list[list[str]] = []
    for row in report.current.processes:
        rows += _rows(row, earlier.get(row.key))
    return [(BY_PROCESS, HEAD, rows)]


def _rows(now: ProcessRow, then: ProcessRow | None) -> list[list[str]]:
    before = _figures(then) if then is not None else {}
    return [
        [now.title, label, str(count), str(before.get(label, 0))]
        for label, count in _figures(now).items()
    ]


def _figures(row: ProcessRow) -> dict[str, int]:
    found = {"Disputes raised": row.raised}
    found |= {_step(key, title): count for key, title, count in row.entries}
    found |= {f"Closed: {outcome.replace('_', ' ')}": n for outcome, n in row.outcomes}
    return found


def _step(key: str, title: str) -> str:
    return f"Entered stage {key}: {title}" if key.isdigit() else f"Entered {title}"
