"""The files (pure): pages that fetch nothing and run nothing, Markdown that shows user text
as typed, and the CSV's fixed column set."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import replace

import pytest

from cards.record import CaseRecord
from cards.views import DisputeView
from drp.report import QuarterlyReport
from exports.record import record_html, record_markdown
from exports.report import report_html, report_markdown
from exports.report_csv import CSV_COLUMNS, report_csv
from tests.drp.report_seed import NEWHAM, NOW, Story, current, last_year, seeded_report


@pytest.fixture(scope="module")
def stories() -> dict[str, Story]:
    return {**current(), **last_year()}


@pytest.fixture(scope="module")
def report(stories: dict[str, Story]) -> QuarterlyReport:
    return seeded_report(stories)


def test_user_text_is_escaped_in_html_and_markdown(stories: dict[str, Story]) -> None:
    story = stories["D1"]
    hostile = "<script>alert(1)</script> **bold** [link](http://evil.example) | pipe"
    concern = replace(story.dispute.concern, summary=hostile)
    view = DisputeView(replace(story.dispute, concern=concern), tuple(story.events), {}, "")
    record = CaseRecord(view, NOW, "Cat")
    page = record_html(record, NEWHAM.policy)
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    markdown = record_markdown(record, NEWHAM.policy)
    assert "\\*\\*bold\\*\\*" in markdown
    assert "\\[link\\]\\(http://evil\\.example\\)" in markdown
    assert "\\| pipe" in markdown


def test_the_csv_columns_never_change(report: QuarterlyReport) -> None:
    rows = list(csv.reader(io.StringIO(report_csv(report))))
    assert (
        tuple(rows[0])
        == CSV_COLUMNS
        == (
            "period_from",
            "period_to",
            "section",
            "group",
            "item",
            "measure",
            "value",
        )
    )
    assert {len(r) for r in rows} == {7}
    sections = {r[2] for r in rows[1:]}
    assert sections == {
        "summary",
        "stage_entries",
        "team",
        "team_category",
        "category",
        "issue_type",
        "partner_agency",  # disputes with partner agencies (seeds 003, 002): the total at least
        "timeliness",
        "review_timeliness",  # the chair's own reviews (seed 003: Newham's stages 2-4)
        "outcome",
        "process",  # each of the policy's processes apart (seed 002 §4-5)
        "compliments",
        "overdue_now",
    } - {"compliments"}  # no compliments in this data set
    assert all(re.fullmatch(r"-?\d+(\.\d)?|", r[6]) for r in rows[1:])


def test_the_report_page_has_charts_as_inline_svg_and_no_script(report: QuarterlyReport) -> None:
    page = report_html(report)
    assert page.count("<svg") == 5
    assert "<script" not in page
    assert "pygal" in page  # drawn by the library, not by hand
    assert "Definitions" in page
    markdown = report_markdown(report)
    assert "## Definitions" in markdown
    assert "<svg" not in markdown
