"""The working-day clock: published UK bank holidays, closures, DST and deadline properties.

Expected dates are hard-coded from the published calendars (gov.uk bank holidays and the
Scottish Government's 2026 proclamation), never computed with the `holidays` package.
"""

from __future__ import annotations

import socket
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drp.calendar import LONDON, Nation, WorkingDayCalendar
from drp.errors import CalendarError, DrpError
from drp.timescale import Timescale, TimeUnit

ENG = WorkingDayCalendar()
WLS = WorkingDayCalendar(Nation.WLS)
SCT = WorkingDayCalendar(Nation.SCT)
NIR = WorkingDayCalendar(Nation.NIR)

FIVE_WD = Timescale(5, TimeUnit.WORKING_DAYS)


def wd(n: int) -> Timescale:
    return Timescale(n, TimeUnit.WORKING_DAYS)


def london(y: int, m: int, d: int, hh: int = 12, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=LONDON)


# --- England: Christmas / New Year 2026-27 and Easter 2027 --------------------------------


@pytest.mark.parametrize(
    "day",
    [date(2026, 12, 25), date(2026, 12, 28), date(2027, 1, 1)],
    ids=["christmas-fri", "boxing-day-substitute-mon", "new-year-fri"],
)
def test_christmas_and_new_year_2026_27_are_not_working_days_in_england(day: date) -> None:
    assert not ENG.is_working_day(day)


def test_boxing_day_substitute_is_not_a_working_day_in_2026() -> None:
    # Boxing Day 2026 is a Saturday; gov.uk: "Boxing Day (substitute day)" Mon 28 Dec.
    assert not ENG.is_working_day(date(2026, 12, 28))
    assert "Boxing Day" in (ENG.holiday_name(date(2026, 12, 28)) or "")


@pytest.mark.parametrize(
    "day", [date(2026, 12, 24), date(2026, 12, 29), date(2026, 12, 31), date(2027, 1, 4)]
)
def test_days_between_the_christmas_holidays_are_working_days(day: date) -> None:
    assert ENG.is_working_day(day)
    assert ENG.holiday_name(day) is None


def test_five_working_days_from_wed_23_dec_2026_end_on_mon_4_jan_2027() -> None:
    # By hand: Thu 24 (1); Fri 25 Christmas; Sat, Sun; Mon 28 substitute; Tue 29 (2);
    # Wed 30 (3); Thu 31 (4); Fri 1 Jan New Year; Sat, Sun; Mon 4 Jan (5).
    assert ENG.add_working_days(date(2026, 12, 23), 4) == date(2026, 12, 31)
    assert ENG.add_working_days(date(2026, 12, 23), 5) == date(2027, 1, 4)
    due = ENG.due(london(2026, 12, 23, 15, 30), FIVE_WD)
    assert due == datetime(2027, 1, 4, 23, 59, 59, tzinfo=LONDON)


def test_good_friday_and_easter_monday_2027_are_not_working_days_in_england() -> None:
    assert not ENG.is_working_day(date(2027, 3, 26))
    assert not ENG.is_working_day(date(2027, 3, 29))
    assert ENG.is_working_day(date(2027, 3, 25))
    assert ENG.is_working_day(date(2027, 3, 30))
    assert ENG.add_working_days(date(2027, 3, 25), 1) == date(2027, 3, 30)


def test_wales_has_the_same_working_days_as_england() -> None:
    days = (date(2026, 1, 1) + timedelta(days=i) for i in range(3 * 366))
    assert all(WLS.is_working_day(d) == ENG.is_working_day(d) for d in days)


# --- Scotland ----------------------------------------------------------------------------


def test_easter_monday_is_a_working_day_in_scotland() -> None:
    assert SCT.is_working_day(date(2027, 3, 29))
    assert not SCT.is_working_day(date(2027, 3, 26))


def test_second_of_january_is_a_bank_holiday_in_scotland_only() -> None:
    assert not SCT.is_working_day(date(2026, 1, 2))
    assert ENG.is_working_day(date(2026, 1, 2))


def test_second_of_january_on_a_saturday_moves_to_monday_4_jan_2027_in_scotland() -> None:
    # gov.uk (Scotland 2027): Fri 1 Jan New Year's Day; Mon 4 Jan "2nd January (substitute day)".
    assert not SCT.is_working_day(date(2027, 1, 4))
    assert SCT.holiday_name(date(2027, 1, 4)) is not None
    assert ENG.is_working_day(date(2027, 1, 4))
    assert SCT.add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 5)


@pytest.mark.parametrize(
    ("holiday", "working"),
    [
        (date(2026, 11, 30), date(2026, 12, 1)),  # Mon 30 Nov 2026
        (date(2027, 11, 30), date(2027, 11, 29)),  # Tue 30 Nov 2027
        (date(2025, 12, 1), date(2025, 11, 28)),  # 30 Nov 2025 a Sunday: substitute Mon 1 Dec
        (date(2030, 12, 2), date(2030, 11, 29)),  # 30 Nov 2030 a Saturday: substitute Mon 2 Dec
    ],
)
def test_st_andrews_day_or_its_substitute_is_not_a_working_day_in_scotland(
    holiday: date, working: date
) -> None:
    assert not SCT.is_working_day(holiday)
    assert SCT.is_working_day(working)
    assert ENG.is_working_day(holiday)


@pytest.mark.parametrize("monday", [date(2026, 8, 3), date(2027, 8, 2)])
def test_scottish_summer_bank_holiday_is_the_first_monday_of_august(monday: date) -> None:
    assert not SCT.is_working_day(monday)
    assert ENG.is_working_day(monday)


def test_english_late_summer_bank_holiday_is_a_working_day_in_scotland() -> None:
    assert not ENG.is_working_day(date(2026, 8, 31))
    assert SCT.is_working_day(date(2026, 8, 31))


def test_world_cup_monday_15_june_2026_is_a_one_off_bank_holiday_in_scotland() -> None:
    # Royal Proclamation of Feb 2026 (Scotland's first men's World Cup since 1998).
    assert not SCT.is_working_day(date(2026, 6, 15))
    assert ENG.is_working_day(date(2026, 6, 15))


# --- Northern Ireland --------------------------------------------------------------------


@pytest.mark.parametrize(
    "day",
    [
        date(2026, 3, 17),  # Tue
        date(2027, 3, 17),  # Wed
        date(2024, 3, 18),  # 17 Mar 2024 a Sunday: substitute Mon 18 Mar
        date(2029, 3, 19),  # 17 Mar 2029 a Saturday: substitute Mon 19 Mar
    ],
)
def test_st_patricks_day_or_its_substitute_is_not_a_working_day_in_northern_ireland(
    day: date,
) -> None:
    assert not NIR.is_working_day(day)
    assert ENG.is_working_day(day)


@pytest.mark.parametrize(
    "day",
    [
        date(2027, 7, 12),  # Mon
        date(2026, 7, 13),  # 12 Jul 2026 a Sunday: substitute Mon 13 Jul
        date(2025, 7, 14),  # 12 Jul 2025 a Saturday: substitute Mon 14 Jul
    ],
)
def test_battle_of_the_boyne_or_its_substitute_is_not_a_working_day_in_northern_ireland(
    day: date,
) -> None:
    assert not NIR.is_working_day(day)
    assert ENG.is_working_day(day)


def test_northern_ireland_keeps_easter_monday() -> None:
    assert not NIR.is_working_day(date(2027, 3, 29))


# --- Local closures ----------------------------------------------------------------------


def test_a_local_closure_day_is_skipped() -> None:
    closed = WorkingDayCalendar(closures=[date(2026, 12, 24)])
    assert not closed.is_working_day(date(2026, 12, 24))
    assert closed.holiday_name(date(2026, 12, 24)) == "Local closure day"
    assert closed.add_working_days(date(2026, 12, 23), 5) == date(2027, 1, 5)
    assert closed.closures == frozenset({date(2026, 12, 24)})


def test_a_bank_holiday_keeps_its_name_when_also_a_closure() -> None:
    closed = WorkingDayCalendar(closures=[date(2026, 12, 25)])
    assert closed.holiday_name(date(2026, 12, 25)) == "Christmas Day"


def test_a_closure_on_a_weekend_changes_nothing() -> None:
    closed = WorkingDayCalendar(closures=[date(2026, 3, 7)])
    assert closed.add_working_days(date(2026, 3, 6), 5) == date(2026, 3, 13)
    assert closed.working_days_between(date(2026, 3, 1), date(2026, 3, 31)) == 22


def test_closures_only_apply_to_the_calendar_they_were_given_to() -> None:
    assert not WorkingDayCalendar(closures=[date(2026, 3, 10)]).is_working_day(date(2026, 3, 10))
    assert ENG.is_working_day(date(2026, 3, 10))


# --- Deadlines from awkward starts -------------------------------------------------------


def test_working_day_deadline_from_a_friday_afternoon_counts_monday_as_day_1() -> None:
    start = london(2026, 3, 6, 16, 45)  # Fri
    assert ENG.due(start, wd(1)) == datetime(2026, 3, 9, 23, 59, 59, tzinfo=LONDON)
    assert ENG.due(start, FIVE_WD) == datetime(2026, 3, 13, 23, 59, 59, tzinfo=LONDON)


def test_working_day_deadline_from_a_saturday_counts_monday_as_day_1() -> None:
    assert ENG.add_working_days(date(2026, 3, 7), 1) == date(2026, 3, 9)
    assert ENG.due_date(date(2026, 3, 7), FIVE_WD) == date(2026, 3, 13)


def test_working_day_deadline_from_a_bank_holiday_counts_the_next_day_as_day_1() -> None:
    # Mon 25 May 2026 is the Spring bank holiday.
    assert ENG.add_working_days(date(2026, 5, 25), 1) == date(2026, 5, 26)
    assert ENG.due_date(date(2026, 5, 25), FIVE_WD) == date(2026, 6, 1)


def test_zero_working_days_is_the_end_of_day_0_even_on_a_weekend() -> None:
    assert ENG.add_working_days(date(2026, 3, 7), 0) == date(2026, 3, 7)
    assert ENG.due(london(2026, 3, 7, 9), wd(0)) == datetime(2026, 3, 7, 23, 59, 59, tzinfo=LONDON)


def test_next_working_day_skips_the_christmas_weekend_and_substitute() -> None:
    assert ENG.next_working_day(date(2026, 12, 24)) == date(2026, 12, 29)


def test_a_late_evening_utc_instant_counts_from_its_london_date() -> None:
    start = datetime(2026, 6, 12, 23, 30, tzinfo=UTC)  # 00:30 BST on Sat 13 Jun
    assert ENG.local_date(start) == date(2026, 6, 13)
    assert ENG.due(start, wd(1)) == datetime(2026, 6, 15, 23, 59, 59, tzinfo=LONDON)


def test_working_day_deadline_is_the_end_of_the_london_day_in_summer_and_winter() -> None:
    summer = ENG.due(london(2026, 6, 12), wd(1))
    winter = ENG.due(london(2026, 1, 9), wd(1))
    assert summer.utcoffset() == timedelta(hours=1)
    assert winter.utcoffset() == timedelta(0)
    assert (summer.hour, summer.minute, summer.second) == (23, 59, 59)


def test_calendar_day_deadline_ignores_weekends_and_bank_holidays() -> None:
    two_days = Timescale.parse("2 calendar days")
    assert ENG.due(london(2026, 12, 24, 10), two_days) == datetime(
        2026, 12, 26, 23, 59, 59, tzinfo=LONDON
    )
    assert ENG.due_date(date(2026, 12, 24), two_days) == date(2026, 12, 26)


def test_24_hours_across_the_october_clock_change_is_24_real_hours() -> None:
    # Clocks go back at 02:00 BST on Sun 25 Oct 2026: 24 real hours end at 11:00 GMT.
    start = london(2026, 10, 24, 12)
    due = ENG.due(start, Timescale.parse("24 hours"))
    # Both share one tzinfo, so `due - start` would be wall-clock (23 h): compare in UTC.
    assert due.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=24)
    assert due.astimezone(UTC) == datetime(2026, 10, 25, 11, tzinfo=UTC)
    assert due.tzinfo is LONDON
    assert (due.day, due.hour, due.utcoffset()) == (25, 11, timedelta(0))


def test_24_hours_across_the_march_clock_change_is_24_real_hours() -> None:
    # Clocks go forward at 01:00 GMT on Sun 28 Mar 2027: 24 real hours end at 13:00 BST.
    start = london(2027, 3, 27, 12)
    due = ENG.due(start, Timescale.parse("24 hours"))
    assert due.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=24)
    assert (due.day, due.hour, due.utcoffset()) == (28, 13, timedelta(hours=1))


def test_working_days_between_counts_after_start_up_to_and_including_end() -> None:
    assert ENG.working_days_between(date(2026, 12, 23), date(2027, 1, 4)) == 5
    assert ENG.working_days_between(date(2027, 1, 4), date(2026, 12, 23)) == -5
    assert ENG.working_days_between(date(2026, 12, 23), date(2026, 12, 23)) == 0
    assert ENG.working_days_between(london(2026, 12, 23, 9), london(2027, 1, 4, 18)) == 5


def test_overdue_only_after_the_deadline() -> None:
    due = ENG.due(london(2026, 3, 6, 16), FIVE_WD)
    assert not ENG.is_overdue(due, due)
    assert ENG.is_overdue(due, due + timedelta(seconds=1))


def test_due_within_means_not_overdue_and_inside_the_window() -> None:
    due = datetime(2026, 3, 13, 23, 59, 59, tzinfo=LONDON)  # Fri
    one_day = wd(1)
    assert ENG.due_within(due, london(2026, 3, 12, 9), one_day)
    assert not ENG.due_within(due, london(2026, 3, 11, 9), one_day)
    assert not ENG.due_within(due, london(2026, 3, 14, 0), one_day)


def test_england_2026_has_253_working_days() -> None:
    # 2026 starts on a Thursday: 52 weeks + 1 day = 261 weekdays, minus 8 weekday bank
    # holidays (1 Jan, 3 & 6 Apr, 4 & 25 May, 31 Aug, 25 & 28 Dec).
    assert ENG.working_days_between(date(2025, 12, 31), date(2026, 12, 31)) == 253
    assert ENG.add_working_days(date(2025, 12, 31), 253) == date(2026, 12, 31)
    assert ENG.add_working_days(date(2025, 12, 31), 252) == date(2026, 12, 30)


def test_overdue_compares_real_time_inside_the_repeated_october_hour() -> None:
    # 25 Oct 2026: 01:00-02:00 happens twice. Two hours from 00:30 BST is 01:30 GMT (fold=1);
    # at 01:45 BST (the first 01:45) the deadline is still 45 real minutes away.
    due = ENG.due(london(2026, 10, 25, 0, 30), Timescale.parse("2 hours"))
    assert due.astimezone(UTC) == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
    now = london(2026, 10, 25, 1, 45)
    assert not ENG.is_overdue(due, now)
    assert ENG.due_within(due, now, Timescale.parse("1 hour"))
    assert ENG.is_overdue(due, now.replace(fold=1))


# --- Misuse ------------------------------------------------------------------------------


def test_a_naive_instant_is_refused() -> None:
    with pytest.raises(CalendarError, match="timezone-aware"):
        ENG.local_date(datetime(2026, 3, 6, 12))
    with pytest.raises(CalendarError):
        ENG.due(datetime(2026, 3, 6, 12), Timescale.parse("24 hours"))


def test_a_negative_count_of_working_days_is_refused() -> None:
    with pytest.raises(CalendarError):
        ENG.add_working_days(date(2026, 3, 6), -1)


def test_an_hours_timescale_has_no_due_date() -> None:
    with pytest.raises(CalendarError, match="due\\(\\)"):
        ENG.due_date(date(2026, 3, 6), Timescale.parse("24 hours"))


def test_an_unknown_nation_code_is_refused() -> None:
    with pytest.raises(CalendarError, match="unknown nation"):
        WorkingDayCalendar("XX")  # type: ignore[arg-type]


def test_a_nation_code_string_is_accepted() -> None:
    assert WorkingDayCalendar("SCT").nation is Nation.SCT  # type: ignore[arg-type]


def test_a_datetime_closure_is_refused() -> None:
    with pytest.raises(CalendarError, match="dates"):
        WorkingDayCalendar(closures=[london(2026, 3, 10)])


def test_calendar_errors_are_drp_value_errors() -> None:
    assert issubclass(CalendarError, DrpError)
    assert issubclass(CalendarError, ValueError)


def test_the_unit_tests_cannot_reach_the_network() -> None:
    with pytest.raises(pytest.fail.Exception, match="network"):
        socket.create_connection(("192.0.2.1", 80), timeout=0.01)


# --- Properties --------------------------------------------------------------------------

PROPS = settings(max_examples=150, deadline=None)
days = st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31))
counts = st.integers(min_value=0, max_value=60)
nations = st.sampled_from(list(Nation))
closure_sets = st.frozensets(days, max_size=6)
instants = st.datetimes(
    min_value=datetime(2020, 1, 1),  # hypothesis bounds are naive by design
    max_value=datetime(2035, 12, 31),
    timezones=st.just(UTC),
)
timescales = st.builds(
    Timescale, st.integers(min_value=0, max_value=60), st.sampled_from(TimeUnit)
)


def calendar(nation: Nation, closures: frozenset[date] = frozenset()) -> WorkingDayCalendar:
    return WorkingDayCalendar(nation, closures)


@PROPS
@given(days, counts, nations, closure_sets)
def test_counting_back_the_working_days_added_gives_n(
    day: date, n: int, nation: Nation, closures: frozenset[date]
) -> None:
    cal = calendar(nation, closures)
    assert cal.working_days_between(day, cal.add_working_days(day, n)) == n


@PROPS
@given(days, st.integers(min_value=1, max_value=60), nations, closure_sets)
def test_a_working_day_due_date_is_never_a_weekend_holiday_or_closure(
    day: date, n: int, nation: Nation, closures: frozenset[date]
) -> None:
    due = calendar(nation, closures).due_date(day, wd(n))
    assert due.weekday() < 5
    assert calendar(nation).holiday_name(due) is None
    assert due not in closures


@PROPS
@given(days, st.integers(min_value=0, max_value=120), nations)
def test_working_days_between_agrees_with_counting_day_by_day(
    day: date, span: int, nation: Nation
) -> None:
    cal = calendar(nation)
    end = day + timedelta(days=span)
    by_hand = sum(cal.is_working_day(day + timedelta(days=i)) for i in range(1, span + 1))
    assert cal.working_days_between(day, end) == by_hand
    assert cal.working_days_between(end, day) == -by_hand


@PROPS
@given(instants, instants, timescales, nations)
def test_a_later_start_never_gives_an_earlier_due(
    a: datetime, b: datetime, timescale: Timescale, nation: Nation
) -> None:
    cal = calendar(nation)
    early, late = sorted((a, b))
    assert cal.due(early, timescale).astimezone(UTC) <= cal.due(late, timescale).astimezone(UTC)


@PROPS
@given(instants, instants, timescales, nations)
def test_due_within_and_is_overdue_are_consistent(
    start: datetime, now: datetime, timescale: Timescale, nation: Nation
) -> None:
    cal = calendar(nation)
    due = cal.due(start, timescale)
    assert cal.is_overdue(due, now) == (now > due.astimezone(UTC))
    if cal.due_within(due, now, timescale):
        assert not cal.is_overdue(due, now)
        assert due.astimezone(UTC) <= cal.due(now, timescale).astimezone(UTC)
    assert cal.due_within(due, start, timescale)


@PROPS
@given(instants, counts)
def test_a_calendar_day_due_is_the_end_of_the_nth_london_day(start: datetime, n: int) -> None:
    due = ENG.due(start, Timescale(n, TimeUnit.CALENDAR_DAYS))
    assert due.date() == ENG.local_date(start) + timedelta(days=n)
    assert (due.hour, due.minute, due.second, due.tzinfo) == (23, 59, 59, LONDON)


@PROPS
@given(instants, st.integers(min_value=0, max_value=24 * 30))
def test_an_hours_due_is_exactly_that_many_real_hours_later(start: datetime, n: int) -> None:
    due = ENG.due(start, Timescale(n, TimeUnit.HOURS))
    assert due - start == timedelta(hours=n)
    assert due.tzinfo is LONDON


@PROPS
@given(days, days, days, nations)
def test_working_days_between_adds_up_over_consecutive_spans(
    a: date, b: date, c: date, nation: Nation
) -> None:
    cal = calendar(nation)
    total = cal.working_days_between(a, c)
    assert cal.working_days_between(a, b) + cal.working_days_between(b, c) == total


autumn_hours = st.datetimes(
    min_value=datetime(2026, 10, 24, 22),
    max_value=datetime(2026, 10, 25, 4),
    timezones=st.just(UTC),
)


@PROPS
@given(autumn_hours, autumn_hours, st.integers(min_value=0, max_value=4), st.booleans())
def test_hour_deadlines_across_the_clock_change_follow_real_time(
    start: datetime, now: datetime, hours: int, now_in_london: bool
) -> None:
    due = ENG.due(start, Timescale(hours, TimeUnit.HOURS))
    seen_now = now.astimezone(LONDON) if now_in_london else now
    assert ENG.is_overdue(due, seen_now) == (now > start + timedelta(hours=hours))
