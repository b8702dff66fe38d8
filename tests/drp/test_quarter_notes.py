"""The quarter's notes for the report (seed 003 §10), pure: quarters, the command's words, and
which notes a report on a period shows."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from drp.errors import InvalidInput
from drp.quarter_notes import (
    NoteKind,
    Quarter,
    QuarterNote,
    parse_request,
    quarters_of,
    report_notes,
)

AT = datetime(2026, 11, 23, 10, tzinfo=ZoneInfo("Europe/London"))


def note(number: int, quarter: str, kind: NoteKind, action: int | None = None) -> QuarterNote:
    return QuarterNote(number, Quarter.parse(quarter), kind, f"note {number}", "qa-1", AT, action)


def test_a_quarter_is_its_three_months() -> None:
    q4 = Quarter.parse("2026-q4")
    assert (str(q4), q4.first_day, q4.last_day) == (
        "2026-Q4",
        date(2026, 10, 1),
        date(2026, 12, 31),
    )
    assert q4.following == Quarter(2027, 1)
    assert quarters_of(date(2026, 11, 1), date(2027, 2, 1)) == (q4, Quarter(2027, 1))


@pytest.mark.parametrize(
    ("typed", "field"),
    [
        ("", "quarter"),
        ("2026-Q5", "quarter"),
        ("2026-Q4 gossip x", "kind"),
        ("2026-Q4 comment", "text"),
        ("2026-Q4 progress x done", "action"),
    ],
)
def test_bad_words_name_the_part_that_is_wrong(typed: str, field: str) -> None:
    with pytest.raises(InvalidInput) as wrong:
        parse_request(typed)
    assert wrong.value.field == field


def test_the_command_keeps_the_text_as_typed_and_names_the_action() -> None:
    asked = parse_request(" 2026-Q4 progress A7 Briefing HELD on 12 Jan ")
    assert (asked.kind, asked.action, asked.text) == (
        NoteKind.PROGRESS,
        7,
        "Briefing HELD on 12 Jan",
    )


def test_a_report_shows_its_quarters_issues_and_the_action_log_as_it_stood() -> None:
    notes = [
        note(1, "2026-Q3", NoteKind.ACTION),
        note(2, "2026-Q3", NoteKind.DONE, action=1),  # done before the period: left out
        note(3, "2026-Q4", NoteKind.COMMENT),
        note(4, "2026-Q4", NoteKind.THEMATIC),
        note(5, "2026-Q4", NoteKind.ACTION),
        note(6, "2027-Q1", NoteKind.PROGRESS, action=5),  # after the period: not yet
    ]
    shown = report_notes(notes, date(2026, 10, 1), date(2026, 12, 31))
    assert [n.number for n in shown.comments] == [3]
    assert [n.number for n in shown.thematic] == [4]
    assert [(a.note.number, a.progress, a.done) for a in shown.actions] == [(5, (), False)]
    later = report_notes(notes, date(2027, 1, 1), date(2027, 3, 31))
    assert later.comments == ()
    assert [(a.note.number, len(a.progress)) for a in later.actions] == [(5, 1)]
