"""When each deadline's moments fall: pure functions, no store, no network (a socket fails)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest

from cards.views import RAG, rag
from drp.calendar import LONDON, WorkingDayCalendar
from drp.deadlines import (
    Due,
    Moment,
    Occasion,
    instant_key,
    moments,
    previous_working_day,
    ready,
    still_owed,
)
from drp.model import Child, Concern, Dispute, Status
from drp.roles import Role

CAL = WorkingDayCalendar()
MORNING = time(8, 30)


def dispute(due: datetime, status: Status = Status.AWAITING_RESPONSE, **extra: Any) -> Dispute:
    return Dispute(
        reference="DRP-2026-000001",
        policy="nottingham",
        process="drp",
        raised_by="chair",
        raiser_role=Role.CHAIR,
        raised_at=due - timedelta(days=10),
        date_of_concern=date(2026, 11, 1),
        children=(Child("Zara Quint", "AV-1"),),
        team="Team",
        concern=Concern("other", "s", "i", category_other="x"),
        status=status,
        stage="1",
        owners=("manager",),
        due_at=due if status == Status.AWAITING_RESPONSE else None,
        **extra,
    )


def by_what(found: list[Due]) -> dict[str, datetime]:
    return {str(d.what): d.at.astimezone(LONDON).replace(tzinfo=None) for d in found}


def test_response_deadline_after_christmas_moments_skip_the_bank_holidays() -> None:
    due = CAL.end_of_day(date(2026, 12, 29))  # Tue; Mon 28 is the Boxing Day substitute
    assert by_what(moments(dispute(due), CAL, MORNING)) == {
        "amber": datetime(2026, 12, 24, 0, 0),
        "due_next_working_day": datetime(2026, 12, 24, 8, 30),
        "due_today": datetime(2026, 12, 29, 8, 30),
        "overdue": datetime(2026, 12, 30, 0, 0),
    }


def test_a_deadline_on_a_saturday_has_no_due_today_reminder() -> None:
    due = CAL.end_of_day(date(2026, 11, 28))  # a raiser-set or calendar-day deadline
    found = by_what(moments(dispute(due), CAL, MORNING))
    assert "due_today" not in found
    assert found["due_next_working_day"] == datetime(2026, 11, 27, 8, 30)


def test_an_hours_deadline_before_the_morning_gets_no_reminder_that_day() -> None:
    due = datetime(2026, 11, 25, 7, 0, tzinfo=LONDON)  # 24 hours from 07:00 the day before
    found = by_what(moments(dispute(due), CAL, MORNING))
    assert "due_today" not in found
    assert found["overdue"] == datetime(2026, 11, 25, 7, 0, 1)


@pytest.mark.parametrize(
    "day",
    [date(2026, 12, 22) + timedelta(days=n) for n in range(16)]
    + [date(2027, 3, 24) + timedelta(days=n) for n in range(10)],
    ids=str,
)
def test_amber_starts_exactly_when_the_cards_say_due_soon(day: date) -> None:
    """Across Christmas and Easter 2027: the scheduler refreshes at the first instant
    ``cards.views.rag`` shows amber, and at the first instant it shows red."""
    due = CAL.end_of_day(day)
    found = {d.what: d.at for d in moments(dispute(due), CAL, MORNING)}
    amber, overdue = found[Moment.AMBER], found[Moment.OVERDUE]
    subject = dispute(due)
    assert rag(subject, amber - timedelta(seconds=1), CAL) == RAG.GREEN
    assert rag(subject, amber, CAL) == RAG.AMBER
    assert rag(subject, overdue - timedelta(seconds=1), CAL) == RAG.AMBER
    assert rag(subject, overdue, CAL) == RAG.RED


def test_review_moments_fall_on_the_last_working_day_for_a_weekend_deadline() -> None:
    due = CAL.end_of_day(date(2026, 11, 28))  # Newham: Thu response + 2 calendar days = Sat
    subject = replace(dispute(due, Status.AWAITING_REVIEW), review_due_at=due)
    assert by_what(moments(subject, CAL, MORNING)) == {
        "amber": datetime(2026, 11, 27, 0, 0),
        "review_due": datetime(2026, 11, 27, 8, 30),
        "review_overdue": datetime(2026, 11, 29, 0, 0),
        "red": datetime(2026, 11, 29, 0, 0),
    }


def test_an_ended_extension_with_a_response_waiting_is_a_review_moment() -> None:
    end = datetime(2026, 11, 25, 11, 0, tzinfo=LONDON)
    subject = replace(
        dispute(end, Status.AWAITING_REVIEW), due_at=end, extensions_used=1, review_due_at=None
    )
    assert by_what(moments(subject, CAL, MORNING)) == {
        "extension_ended": datetime(2026, 11, 25, 11, 0, 1)
    }


def test_ready_picks_the_window_and_drops_what_is_moot() -> None:
    due = CAL.end_of_day(date(2026, 12, 30))
    found = moments(dispute(due), CAL, MORNING)
    tue = datetime(2026, 12, 29, 9, 0, tzinfo=LONDON)
    assert {d.what for d in ready(found, tue - timedelta(hours=1), tue)} == {
        Occasion.DUE_NEXT_WORKING_DAY
    }
    # A start-up on Wednesday: "due today" only; Tuesday's reminder is superseded.
    wed = datetime(2026, 12, 30, 10, 0, tzinfo=LONDON)
    assert {d.what for d in ready(found, None, wed)} == {Moment.AMBER, Occasion.DUE_TODAY}
    # After the deadline only the overdue moment is left.
    thu = datetime(2026, 12, 31, 10, 0, tzinfo=LONDON)
    assert {d.what for d in ready(found, None, thu)} == {Moment.OVERDUE}
    # Nothing from before the deadline was set (an extension agreed at 11:00 on Tuesday).
    set_at = datetime(2026, 12, 29, 11, 0, tzinfo=LONDON)
    assert {d.what for d in ready(found, None, wed, set_at)} == {Occasion.DUE_TODAY}


def test_dedupe_keys_name_dispute_stage_deadline_moment_and_person() -> None:
    due = datetime(2026, 12, 30, 23, 59, 59, tzinfo=LONDON)
    found = moments(dispute(due), CAL, MORNING)
    today = next(d for d in found if d.what == Occasion.DUE_TODAY)
    assert today.key("manager") == "DRP-2026-000001:1:2026-12-30T23:59:59Z:due_today:manager"
    amber = next(d for d in found if d.what == Moment.AMBER)
    assert amber.key() == "DRP-2026-000001:1:2026-12-30T23:59:59Z:amber"
    summer = datetime(2027, 6, 30, 23, 59, 59, tzinfo=LONDON)
    assert instant_key(summer) == "2027-06-30T22:59:59Z"  # BST: keys are UTC


def test_a_reminder_is_still_owed_only_while_nothing_has_moved() -> None:
    due = CAL.end_of_day(date(2026, 12, 30))
    payload = {"occasion": "due_today", "stage": "1", "due_at": instant_key(due)}
    subject = dispute(due)
    morning = datetime(2026, 12, 30, 8, 30, tzinfo=LONDON)
    assert still_owed(subject, payload, "manager", morning)
    assert not still_owed(subject, payload, "someone-else", morning)
    waiting = replace(subject, status=Status.AWAITING_REVIEW)
    assert not still_owed(waiting, payload, "manager", morning)
    assert not still_owed(replace(subject, stage="2"), payload, "manager", morning)
    later = due + timedelta(days=1)
    assert not still_owed(replace(subject, due_at=later), payload, "manager", morning)
    # Held up (an outage) until after the deadline: "due today" would now be wrong.
    assert not still_owed(subject, payload, "manager", due + timedelta(seconds=1))


def test_previous_working_day_skips_weekends_and_bank_holidays() -> None:
    assert previous_working_day(CAL, date(2026, 12, 29)) == date(2026, 12, 24)
    assert previous_working_day(CAL, date(2027, 1, 4)) == date(2026, 12, 31)
    assert previous_working_day(CAL, date(2027, 3, 30)) == date(2027, 3, 25)  # Easter


def test_a_final_step_with_a_timescale_owes_its_owners_reminders_and_an_overdue_note() -> None:
    due = datetime(2026, 12, 7, 23, 59, 59, tzinfo=LONDON)  # Mon 7 Dec 2026
    at_step = replace(dispute(due), status=Status.EXTERNAL, stage="4", owners=("scrutiny",))
    found = [(d.what, d.at.date()) for d in moments(at_step, CAL, MORNING)]
    assert found == [
        (Moment.AMBER, date(2026, 12, 4)),
        (Occasion.DUE_NEXT_WORKING_DAY, date(2026, 12, 4)),
        (Occasion.DUE_TODAY, date(2026, 12, 7)),
        (Moment.OVERDUE, date(2026, 12, 8)),
    ]
    reminder = {"occasion": Occasion.DUE_TODAY.value, "stage": "4", "due_at": instant_key(due)}
    morning = datetime(2026, 12, 7, 8, 30, tzinfo=LONDON)
    assert still_owed(at_step, reminder, "scrutiny", morning)
    assert not still_owed(replace(at_step, status=Status.CLOSED), reminder, "scrutiny", morning)
    assert moments(replace(at_step, due_at=None), CAL, MORNING) == []  # no timescale, no moments
