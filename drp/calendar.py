"""The working-day clock: bank holidays per UK nation, local closures and deadlines.

Day 0 is the day a step happened; "within N working days" ends at the close of the Nth working
day after it, Europe/London time. Pure: every instant is passed in, nothing reads the clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from types import MappingProxyType
from zoneinfo import ZoneInfo

import holidays

from drp.errors import CalendarError
from drp.timescale import Timescale, TimeUnit

__all__ = ["LONDON", "Nation", "WorkingDayCalendar"]

LONDON = ZoneInfo("Europe/London")
LOCAL_CLOSURE = "Local closure day"
_END_OF_DAY = time(23, 59, 59)
_SATURDAY = 5


class Nation(StrEnum):
    """A UK nation whose bank holidays apply (the `holidays` package's GB subdivision)."""

    ENG = "ENG"
    WLS = "WLS"
    SCT = "SCT"
    NIR = "NIR"


@lru_cache(maxsize=512)
def _bank_holidays(nation: Nation, year: int) -> Mapping[date, str]:
    """The nation's bank holidays of one year, substitute days included."""
    # Building a `holidays` object is slow, so each (nation, year) is built once per process
    # and shared by every calendar; a read-only plain mapping stops the lazy year expansion.
    found = holidays.country_holidays("GB", subdiv=nation.value, years=year)
    return MappingProxyType(dict(found.items()))


def _weekdays_after(start: date, end: date) -> int:
    """Count Monday-Friday dates d with start < d <= end (end >= start)."""
    weeks, extra = divmod((end - start).days, 7)
    first = start.weekday() + 1
    return weeks * 5 + sum(1 for i in range(first, first + extra) if i % 7 < _SATURDAY)


class WorkingDayCalendar:
    """Which days count as working days for one council, and the deadlines they give."""

    __slots__ = ("_closed", "_closures", "_nation", "_tz")

    def __init__(
        self,
        nation: Nation = Nation.ENG,
        closures: Iterable[date] = (),
        tz: ZoneInfo = LONDON,
    ) -> None:
        self._nation = _as_nation(nation)
        self._closures = _as_closures(closures)
        self._tz = tz
        # Per-year weekday non-working days (bank holidays and closures): O(1) day checks.
        self._closed: dict[int, frozenset[date]] = {}

    @property
    def nation(self) -> Nation:
        """The nation whose bank holidays apply."""
        return self._nation

    @property
    def closures(self) -> frozenset[date]:
        """The configured local closure days."""
        return self._closures

    @property
    def tz(self) -> ZoneInfo:
        """The time zone deadlines are kept in (Europe/London unless configured)."""
        return self._tz

    def __repr__(self) -> str:
        return f"WorkingDayCalendar({self._nation.value}, {len(self._closures)} closures)"

    def is_working_day(self, day: date) -> bool:
        """True unless `day` is a Saturday, Sunday, bank holiday of the nation or a closure."""
        return day.weekday() < _SATURDAY and day not in self._closed_in(day.year)

    def holiday_name(self, day: date) -> str | None:
        """The bank holiday's name, "Local closure day", or None for an ordinary day."""
        name = _bank_holidays(self._nation, day.year).get(day)
        if name is None and day in self._closures:
            return LOCAL_CLOSURE
        return name

    def local_date(self, instant: datetime) -> date:
        """The calendar date of an aware instant in the calendar's time zone."""
        return _require_aware(instant, "instant").astimezone(self._tz).date()

    def add_working_days(self, day: date, n: int) -> date:
        """The nth working day strictly after `day`; `day` itself when n is 0."""
        if n < 0:
            raise CalendarError(f"cannot count a negative number of working days: {n}")
        current = day
        for _ in range(n):
            current = self.next_working_day(current)
        return current

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after `day`."""
        current = day + timedelta(days=1)
        while not self.is_working_day(current):
            current += timedelta(days=1)
        return current

    def working_days_between(self, start: date | datetime, end: date | datetime) -> int:
        """Working days d with start < d <= end (local dates); negative when end < start."""
        first, last = self._as_date(start), self._as_date(end)
        if last < first:
            return -self.working_days_between(last, first)
        closed = sum(
            1
            for year in range(first.year, last.year + 1)
            for d in self._closed_in(year)
            if first < d <= last
        )
        return _weekdays_after(first, last) - closed

    def end_of_day(self, day: date) -> datetime:
        """23:59:59 local time on `day`, as an aware datetime."""
        return datetime.combine(day, _END_OF_DAY, tzinfo=self._tz)

    def due(self, start: datetime, timescale: Timescale) -> datetime:
        """The deadline instant of a timescale counted from the aware instant `start`."""
        if timescale.unit is TimeUnit.HOURS:
            # Real elapsed hours: add in UTC so a DST change never adds or loses an hour.
            elapsed = timedelta(hours=timescale.amount)
            return (_utc(start, "start") + elapsed).astimezone(self._tz)
        return self.end_of_day(self.due_date(self.local_date(start), timescale))

    def due_date(self, start: date, timescale: Timescale) -> date:
        """The last day of a working- or calendar-day timescale counted from day 0 `start`."""
        day = self._as_date(start)
        if timescale.unit is TimeUnit.WORKING_DAYS:
            return self.add_working_days(day, timescale.amount)
        if timescale.unit is TimeUnit.CALENDAR_DAYS:
            return day + timedelta(days=timescale.amount)
        raise CalendarError(f"{timescale} has no due date, only a due instant: use due()")

    def is_overdue(self, due: datetime, now: datetime) -> bool:
        """True once `now` is past the deadline `due`."""
        return _utc(now, "now") > _utc(due, "due")

    def due_within(self, due: datetime, now: datetime, timescale: Timescale) -> bool:
        """True if the deadline is not yet passed and falls within `timescale` of `now`."""
        window_end = self.due(now, timescale)
        return not self.is_overdue(due, now) and _utc(due, "due") <= _utc(window_end, "due")

    def _closed_in(self, year: int) -> frozenset[date]:
        """Weekdays of `year` that are bank holidays or closures (weekends never count anyway)."""
        closed = self._closed.get(year)
        if closed is None:
            days = set(_bank_holidays(self._nation, year)) | self._closures
            closed = frozenset(d for d in days if d.year == year and d.weekday() < _SATURDAY)
            self._closed[year] = closed
        return closed

    def _as_date(self, value: date | datetime) -> date:
        """A date as given, or the local date of an aware instant."""
        return self.local_date(value) if isinstance(value, datetime) else value


def _as_nation(nation: Nation | str) -> Nation:
    """Accept a Nation or its code ("SCT") from configuration."""
    try:
        return Nation(nation)
    except ValueError:
        codes = ", ".join(n.value for n in Nation)
        raise CalendarError(f"unknown nation {nation!r}; use one of {codes}") from None


def _as_closures(closures: Iterable[date]) -> frozenset[date]:
    """Closure days as plain dates: a datetime would never equal a date and be silently ignored."""
    days = frozenset(closures)
    wrong = [d for d in days if isinstance(d, datetime) or not isinstance(d, date)]
    if wrong:
        raise CalendarError(f"closure days must be dates, not {type(wrong[0]).__name__}")
    return days


def _utc(instant: datetime, what: str) -> datetime:
    """The instant in UTC, for comparisons that stay right inside the October repeated hour."""
    # Python compares two datetimes sharing one tzinfo by wall clock, ignoring `fold`.
    return _require_aware(instant, what).astimezone(UTC)


def _require_aware(instant: datetime, what: str) -> datetime:
    """Reject naive datetimes: their London date and DST offset would be guesses."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise CalendarError(f"{what} must be a timezone-aware datetime, got naive {instant}")
    return instant
