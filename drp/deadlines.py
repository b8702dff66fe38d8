"""Deadline moments, pure: when a dispute's current deadlines turn its cards amber or red, fall
overdue, or owe someone a reminder (Europe/London; "the morning" is given by the caller).

The scheduler asks ``moments`` for every instant a dispute's deadlines give and ``ready`` for
those worth acting on in a window; ``still_owed`` decides at send time whether a reminder is
still true. No I/O and no clock: time, calendar and the morning are passed in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from drp.calendar import WorkingDayCalendar
from drp.model import Dispute, Status
from drp.policy import ExtensionRule
from drp.timescale import TimeUnit

JUST_AFTER = timedelta(seconds=1)  # deadlines are 23:59:59: overdue from midnight


class Occasion(StrEnum):
    """What a reminder is about."""

    DUE_NEXT_WORKING_DAY = "due_next_working_day"
    DUE_TODAY = "due_today"
    REVIEW_DUE = "review_due"
    REVIEW_OVERDUE = "review_overdue"
    EXTENSION_ENDED = "extension_ended"
    # Issue 14.3: the process's overall limit ends the next working day, or has passed.
    OVERALL_LIMIT_NEAR = "overall_limit_near"
    OVERALL_LIMIT_PASSED = "overall_limit_passed"

    @property
    def for_owner(self) -> bool:
        """Response reminders go to the stage's owners; the rest to the chair who raised it."""
        return self in {Occasion.DUE_NEXT_WORKING_DAY, Occasion.DUE_TODAY}

    @property
    def overall(self) -> bool:
        """About the overall limit: the chair and the chairs' service manager are told."""
        return self in {Occasion.OVERALL_LIMIT_NEAR, Occasion.OVERALL_LIMIT_PASSED}


class Moment(StrEnum):
    """What happens at an instant besides a reminder."""

    AMBER = "amber"
    RED = "red"
    OVERDUE = "overdue"


# What a Due is about: a change of the cards (amber, red, overdue) or a reminder's occasion.
Trigger = Moment | Occasion
# Nothing to say once the deadline has passed: the overdue notice says it instead.
_MOOT_AFTER_DEADLINE = frozenset(
    {
        Moment.AMBER,
        Occasion.DUE_NEXT_WORKING_DAY,
        Occasion.DUE_TODAY,
        Occasion.REVIEW_DUE,
        Occasion.OVERALL_LIMIT_NEAR,
    }
)


@dataclass(frozen=True, slots=True)
class Due:
    """One thing owed at an instant about one deadline of one dispute."""

    reference: str
    what: Trigger
    at: datetime
    deadline: datetime
    stage: str

    def key(self, recipient: str = "") -> str:
        """The dedupe key: dispute, stage, deadline, what, and for whom."""
        base = f"{self.reference}:{self.stage}:{instant_key(self.deadline)}:{self.what}"
        return f"{base}:{recipient}" if recipient else base


# --- when: pure ----------------------------------------------------------------------------


def where(dispute: Dispute) -> str:
    """The stage, and the tier of management within it above the first (``3/2``), so a tier's
    reminders are its own even when its deadline falls on the tier's below (seed 004)."""
    return dispute.stage if dispute.tier <= 1 else f"{dispute.stage}/{dispute.tier}"


def previous_working_day(calendar: WorkingDayCalendar, day: date) -> date:
    """The last working day strictly before ``day``."""
    current = day - timedelta(days=1)
    while not calendar.is_working_day(current):
        current -= timedelta(days=1)
    return current


def moments(dispute: Dispute, calendar: WorkingDayCalendar, morning: time) -> list[Due]:
    """Every instant the current deadlines of a dispute give, past or future."""
    found: list[Due] = []
    if dispute.status in _OWED and dispute.due_at is not None:
        found += _response(dispute, dispute.due_at, calendar, morning)
    if dispute.status == Status.AWAITING_REVIEW and dispute.review_due_at is not None:
        found += _review(dispute, dispute.review_due_at, calendar, morning)
    if dispute.status == Status.AWAITING_REVIEW and dispute.extensions_used and dispute.due_at:
        end = dispute.due_at
        found.append(
            Due(dispute.reference, Occasion.EXTENSION_ENDED, end + JUST_AFTER, end, dispute.stage)
        )
    if dispute.is_open and dispute.overall_due_at is not None:
        found += _overall(dispute, dispute.overall_due_at, calendar, morning)
    return found


def _overall(
    dispute: Dispute, limit: datetime, calendar: WorkingDayCalendar, morning: time
) -> list[Due]:
    """The overall limit as a deadline: amber and a notice the working day before, red and a
    notice once past (issue 14.3)."""
    before = previous_working_day(calendar, calendar.local_date(limit))

    def at(what: Trigger, instant: datetime) -> Due:
        return Due(dispute.reference, what, instant, limit, where(dispute))

    return [
        at(Moment.AMBER, _start(calendar, before)),
        at(Occasion.OVERALL_LIMIT_NEAR, morning_of(calendar, before, morning)),
        at(Occasion.OVERALL_LIMIT_PASSED, limit + JUST_AFTER),
        at(Moment.RED, limit + JUST_AFTER),
    ]


def _response(
    dispute: Dispute, due: datetime, calendar: WorkingDayCalendar, morning: time
) -> list[Due]:
    day = calendar.local_date(due)
    before = previous_working_day(calendar, day)

    def at(what: Trigger, instant: datetime) -> Due:
        return Due(dispute.reference, what, instant, due, where(dispute))

    found = [
        at(Moment.AMBER, _start(calendar, before)),
        at(Occasion.DUE_NEXT_WORKING_DAY, morning_of(calendar, before, morning)),
    ]
    if calendar.is_working_day(day):
        found.append(at(Occasion.DUE_TODAY, morning_of(calendar, day, morning)))
    # An hours deadline (seed 001's extension) may end before a morning: no reminder after it.
    found = [d for d in found if d.at < due]
    return [*found, at(Moment.OVERDUE, due + JUST_AFTER)]


def _review(
    dispute: Dispute, due: datetime, calendar: WorkingDayCalendar, morning: time
) -> list[Due]:
    day = calendar.local_date(due)
    before = previous_working_day(calendar, day)
    working = day if calendar.is_working_day(day) else before

    def at(what: Trigger, instant: datetime) -> Due:
        return Due(dispute.reference, what, instant, due, where(dispute))

    found = [
        at(Moment.AMBER, _start(calendar, before)),
        at(Occasion.REVIEW_DUE, morning_of(calendar, working, morning)),
    ]
    found = [d for d in found if d.at < due]
    return [
        *found,
        at(Occasion.REVIEW_OVERDUE, due + JUST_AFTER),
        at(Moment.RED, due + JUST_AFTER),
    ]


def _start(calendar: WorkingDayCalendar, day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=calendar.tz)


def morning_of(calendar: WorkingDayCalendar, day: date, morning: time) -> datetime:
    """The morning (``morning``, local time) of ``day``."""
    return datetime.combine(day, morning, tzinfo=calendar.tz)


def ready(
    found: list[Due], since: datetime | None, now: datetime, set_at: datetime | None = None
) -> list[Due]:
    """The instants in ``(since, now]`` still worth acting on at ``now``; none from before the
    deadline was set (``set_at``), so a sweep of everything never sends a reminder late that
    was never owed."""
    today_told = any(d.what == Occasion.DUE_TODAY and d.at <= now for d in found)
    chosen = []
    for due in found:
        if due.at > now or (since is not None and due.at <= since):
            continue
        if set_at is not None and due.at < set_at:
            continue
        if due.what in _MOOT_AFTER_DEADLINE and now > due.deadline:
            continue
        if due.what == Occasion.DUE_NEXT_WORKING_DAY and today_told:
            continue
        chosen.append(due)
    return chosen


def still_owed(
    dispute: Dispute, payload: Mapping[str, Any], recipient: str, now: datetime
) -> bool:
    """Whether a reminder is still true: same stage, same deadline, same waiting state, and
    (for "due" reminders held up past it) the deadline not yet gone."""
    occasion = Occasion(str(payload.get("occasion")))
    if where(dispute) != payload.get("stage"):  # a climb to the next tier moots it too
        return False
    deadline = deadline_for(dispute, occasion)
    if not _same(deadline, payload) or (occasion in _BEFORE and deadline and now > deadline):
        return False
    if occasion.overall:
        return dispute.is_open
    if occasion.for_owner:
        return dispute.status in _OWED and recipient in dispute.owners
    return dispute.status == Status.AWAITING_REVIEW and recipient == dispute.raised_by


_BEFORE = frozenset({Occasion.DUE_NEXT_WORKING_DAY, Occasion.DUE_TODAY, Occasion.REVIEW_DUE})
# Owners owe something by ``due_at``: a stage's response, or the final step's outcome.
_OWED = frozenset({Status.AWAITING_RESPONSE, Status.EXTERNAL})


def deadline_for(dispute: Dispute, occasion: Occasion) -> datetime | None:
    """The response's deadline (the extension's end too), or the chair's review's."""
    if occasion.overall:
        return dispute.overall_due_at
    if occasion.for_owner or occasion == Occasion.EXTENSION_ENDED:
        return dispute.due_at
    return dispute.review_due_at


def _same(deadline: datetime | None, payload: Mapping[str, Any]) -> bool:
    return deadline is not None and instant_key(deadline) == payload.get("due_at")


def instant_key(instant: datetime) -> str:
    """An instant as dedupe keys and payloads spell it: UTC, to the second."""
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def still_overdue(dispute: Dispute, due: Due, now: datetime) -> bool:
    """Whether ``due``'s deadline is still the dispute's, passed and not yet noted: a stage's
    response, or the final step's outcome where the profile gives it a timescale."""
    return (
        dispute.status in _OWED
        and dispute.due_at == due.deadline
        and not dispute.overdue_noted
        and now > due.deadline
    )


def extension_span(extension: ExtensionRule) -> timedelta:
    """How long after it was agreed an extension can end (hours exactly; days generously)."""
    amount = extension.timescale.amount
    if extension.timescale.unit is TimeUnit.HOURS:
        return timedelta(hours=amount)
    return timedelta(days=2 * amount + 14)
