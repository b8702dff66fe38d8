"""Case records and the quarterly report read from a real SQLite store holding the seeded
quarter: every figure against the hand-worked answers, the CSV's columns, every step of a
dispute in the record, and the audit trail of who exported what."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from drp.report import TOTAL, QuarterlyReport
from exports.report import report_html, report_markdown
from exports.report_csv import CSV_COLUMNS, report_csv
from store.store import Store
from teams_bot.audited_reads import (
    RECORD_EXPORTED,
    REPORT_GENERATED,
    Format,
    build_report,
    export_record,
    last_full_quarter,
)
from tests.drp.report_seed import ASSESSMENT, EXPECTED, NEWHAM, NOW, QUARTER, Story
from tests.teams_bot.records_seed import seeded_store


@dataclass
class Seeded:
    store: Store
    ids: dict[str, str]
    stories: dict[str, Story]

    @property
    def csm(self) -> str:
        return self.ids["cat.csm@council.example"]


@pytest.fixture
async def seeded(tmp_path: Path) -> AsyncIterator[Seeded]:
    store, ids, stories = await seeded_store(tmp_path)
    try:
        yield Seeded(store, ids, stories)
    finally:
        await store.close()


async def _report(seeded: Seeded, fmt: Format = Format.HTML) -> QuarterlyReport:
    return await build_report(seeded.store, NEWHAM, QUARTER, NOW, actor=seeded.csm, fmt=fmt)


async def test_every_figure_read_from_the_store_matches_the_known_answers(
    seeded: Seeded,
) -> None:
    report = await _report(seeded)
    f, e = report.current, EXPECTED
    assert (f.raised, f.informal, f.formal, f.informal_went_formal) == (6, 2, 4, 1)
    assert {g.value: n for g, n in f.raised_by_group.items()} == e["raised_by_group"]
    assert (f.children, f.families) == (e["children"], e["families"])
    keys = [c.key for c in report.columns]
    for group, months in e["entries"].items():
        for month in (*QUARTER.months(), TOTAL):
            got = {k: f.entry(group, month, k) for k in keys if f.entry(group, month, k)}
            assert got == months.get(month, {}), (group, month)
    assert [(t.team, t.disputes, t.children, t.families, t.categories) for t in f.teams] == (
        e["teams"]
    )
    assert {s.key: (s.count, str(s.percent)) for s in f.categories if s.count} == (e["categories"])
    timeliness = {t.stage: (t.responses, t.on_time, str(t.percent)) for t in f.timeliness}
    assert timeliness == e["timeliness"]
    assert (f.resolved, f.median_days_to_resolution) == (e["resolved"], e["median"])
    assert f.outcomes == e["outcomes"]
    assert f.immediate_harm_alerts == e["immediate_harm_alerts"]
    overdue = [(o.reference, o.stage, o.group.value, o.working_days_over) for o in report.overdue]
    assert overdue == e["overdue"]
    assert f.compliments == ((ASSESSMENT, 2, 1),)


async def test_the_same_period_last_year_is_read_from_the_store(seeded: Seeded) -> None:
    then = (await _report(seeded)).last_year
    assert then.raised == EXPECTED["last_year"]["raised"]
    assert then.entry("chair", "2025-01", "1") == 1
    assert then.entry("iro", "2025-02", "1") == 1
    r = then.responses
    assert (r.responses, r.on_time, str(r.percent)) == EXPECTED["last_year"]["responses_total"]
    assert then.median_days_to_resolution == EXPECTED["last_year"]["median"]
    assert then.compliments == ((ASSESSMENT, 1, 0),)


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def _value(rows: list[dict[str, str]], **match: str) -> str:
    found = [r for r in rows if all(r[k] == v for k, v in match.items())]
    assert len(found) == 1, (match, found)
    return found[0]["value"]


async def test_csv_has_the_documented_columns_and_the_figures(seeded: Seeded) -> None:
    text = report_csv(await _report(seeded, Format.CSV))
    assert text.splitlines()[0] == ",".join(CSV_COLUMNS)
    rows = _rows(text)
    assert all(list(r) == list(CSV_COLUMNS) and None not in r.values() for r in rows)
    now = {"period_from": "2026-01-01", "period_to": "2026-03-31"}
    then = {"period_from": "2025-01-01", "period_to": "2025-03-31"}
    assert _value(rows, **now, section="summary", group="all", item="disputes_raised") == "6"
    assert _value(rows, **then, section="summary", group="all", item="disputes_raised") == "2"
    assert _value(rows, **now, section="summary", group="iro", item="disputes_raised") == "2"
    median = {"section": "summary", "item": "median_days_to_resolution"}
    assert _value(rows, **now, **median) == "10"
    assert _value(rows, **then, **median) == "5"
    entries = {"section": "stage_entries", "group": "iro"}
    assert _value(rows, **now, **entries, item="2026-01", measure="2") == "2"
    assert _value(rows, **now, **entries, item="total", measure="referral:cafcass") == "2"
    assert _value(rows, **now, section="category", item="placement", measure="percent") == "33.3"
    on_time = {"section": "timeliness", "measure": "percent_on_time"}
    assert _value(rows, **now, **on_time, item="total") == "71.4"
    assert _value(rows, **now, **on_time, item="1") == "33.3"
    # D4 only: D6's informal response has no review deadline (seed 003: stages 2-4 only).
    assert _value(rows, **now, section="overdue_now", group="all", item="total") == "1"
    assert _value(rows, **now, section="team", group="Children Looked After", item="children") == (
        "3"
    )
    # Stable shape: every group shown x (months + total) x columns, zeros included.
    stage_rows = [
        r for r in rows if r["section"] == "stage_entries" and r["period_to"] == "2026-03-31"
    ]
    assert len(stage_rows) == 3 * 4 * 7


async def test_report_generation_is_audited(seeded: Seeded) -> None:
    await _report(seeded, Format.CSV)
    async with seeded.store.transaction(readonly=True) as tx:
        entries = await tx.audit.by_actor(
            seeded.csm, NOW.replace(year=2020), NOW.replace(year=2030)
        )
    assert [(a.action, dict(a.detail)) for a in entries] == [
        (REPORT_GENERATED, {"from": "2026-01-01", "to": "2026-03-31", "format": "csv"})
    ]


async def test_html_and_markdown_report_carry_every_section(seeded: Seeded) -> None:
    report = await _report(seeded)
    page = report_html(report)
    for heading in (
        "Quarterly Dispute Resolution summary",
        "IROs: activity by month",
        "CP chairs: activity by month",
        "Breakdown by team",
        "Breakdown by category",
        "Informal and formal",
        "Timeliness",
        "Overdue now (1)",  # D4; D6's informal response has no review deadline (seed 003)
        "Compliments for good practice",
        "Definitions",
        "Disputes per month by stage",
    ):
        assert heading in page, heading
    assert page.count("<svg") == 5  # comparison, two monthly, categories, timeliness
    assert "Between 1 Jan 2026 and 31 Mar 2026 there were 6 disputes raised" in page
    assert "(1 Jan 2025 to 31 Mar 2025) there were 2." in page
    markdown = report_markdown(report)
    assert "| Total | 2 | 3 | 0 | 0 | 0 | 0 | 0 |" in markdown  # CP chairs' totals
    # IROs' totals: the stage-5 escalation counts under CAFCASS too (issue 14), as the CSV's.
    assert "| Total | 0 | 1 | 2 | 1 | 0 | 1 | 2 |" in markdown


def _offline_problems(page: str) -> list[str]:
    """Anything in a page that would fetch or run something."""
    problems = []
    for pattern in (r"<script", r"<link", r"@import", r"<iframe", r"<img\s", r"url\("):
        if re.search(pattern, page, re.IGNORECASE):
            problems.append(pattern)
    for attribute in re.findall(r"(?:src|href)\s*=\s*['\"]([^'\"]*)", page, re.IGNORECASE):
        if not attribute.startswith(("#", "data:")):
            problems.append(attribute)
    return problems


async def test_report_and_record_pages_fetch_and_run_nothing(seeded: Seeded) -> None:
    page = report_html(await _report(seeded))
    assert _offline_problems(page) == []
    ref = seeded.stories["D2"].dispute.reference
    record = await export_record(seeded.store, NEWHAM, ref, seeded.csm, "Cat", Format.HTML, NOW)
    assert record is not None
    assert _offline_problems(record) == []
    assert "@media print" in record
    assert "@page" in record


def _squash(text: str) -> str:
    return " ".join(text.split())


async def test_the_html_record_contains_every_step_of_the_dispute(seeded: Seeded) -> None:
    story = seeded.stories["D2"]
    ref = story.dispute.reference
    page = await export_record(seeded.store, NEWHAM, ref, seeded.csm, "Cat Csm", Format.HTML, NOW)
    assert page is not None
    flat = _squash(page)
    for n, event in enumerate(story.events, start=1):
        assert f"id='step-{n}'" in page, event.kind
    for text in (
        # the children, with local IDs and dates of birth
        "Child 2",
        "LL-2",
        "Fri 2 Jan 2015",
        "Child 3",
        "LL-3",
        "Azeus number",
        # the concern
        "Health issues",
        "DRP-2026-000002: the plan has not progressed.",
        "Second line",
        "The child waits without the support",
        "DRP-2026-000002 requested action",
        # each stage, who it went to, when and the deadline
        "Dispute raised",
        "Opened at",
        "Stage 1: Practice Lead",
        "Sent to",
        "Tom Manager",
        "Mon 19 Jan 2026",
        "Stage 2: Service Manager",
        "Sue Service",
        "Wed 28 Jan 2026",
        # the responses with SMART actions and practice issues, on time or late
        "Response: D2 late.",
        "SMART action: D2 late",
        "Practice issue: D2 late.",
        "No, after the deadline",
        "Response: D2 stage 2.",
        # the chair's reviews and escalation reasons
        "Chair&#x27;s review: not resolved, escalated",
        "D2 no health assessment",
        "CAFCASS referral (IRO only) and alert the DCS",
        "D2 breach of rights",
        # referral and outcome
        "External referral: CAFCASS",
        "D2 CAFCASS consulted",
        "D2 CAFCASS advised; concluded",
        "Concluded on Mon 16 Feb 2026",
        # who did it
        "Ike Reviewer (Independent Reviewing Officer)",
        "Exported by Cat Csm",
    ):
        assert text in flat, text


async def test_the_record_shows_an_immediate_harm_alert_and_whom_it_alerts(
    seeded: Seeded,
) -> None:
    ref = seeded.stories["D4"].dispute.reference
    text = await export_record(seeded.store, NEWHAM, ref, seeded.csm, "Cat", Format.MARKDOWN, NOW)
    assert text is not None
    assert "Immediate\\-harm alert" in text
    assert "D4 child seen with injuries" in text
    assert "Assistant Director, Quality Assurance" in text
    assert "Other \\(please specify\\): Court timetable" in text
    assert "Open: Awaiting response" in text


async def test_every_record_export_is_audited_with_its_format(seeded: Seeded) -> None:
    ref = seeded.stories["D1"].dispute.reference
    for fmt in (Format.HTML, Format.MARKDOWN):
        assert await export_record(seeded.store, NEWHAM, ref, seeded.csm, "Cat", fmt, NOW)
    assert (
        await export_record(
            seeded.store, NEWHAM, "DRP-2026-999999", seeded.csm, "C", Format.HTML, NOW
        )
        is None
    )
    async with seeded.store.transaction(readonly=True) as tx:
        entries = await tx.audit.for_dispute(ref)
    assert [(a.action, a.actor, dict(a.detail)) for a in entries] == [
        (RECORD_EXPORTED, seeded.csm, {"format": "html"}),
        (RECORD_EXPORTED, seeded.csm, {"format": "md"}),
    ]


def test_the_bot_reports_the_last_full_quarter_by_default() -> None:
    assert last_full_quarter(NOW.date()) == QUARTER
    found = last_full_quarter(QUARTER.start)
    assert (found.start.isoformat(), found.end.isoformat()) == ("2025-10-01", "2025-12-31")
