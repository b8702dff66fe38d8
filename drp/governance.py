"""Information governance rules: how long a closed dispute's identifying data is kept, and which
parts of an event are facts (kept for the reports) and which are identifying free text.

After retention a dispute keeps what the reports count (stage, dates, category, team, outcome,
who acted) and a random pseudonym per child linking disputes about the same child; children's
names, local IDs, dates of birth and every free text go.
"""

from __future__ import annotations

import calendar as months
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from drp import validation as check
from drp.calendar import LONDON
from drp.commands import Correct
from drp.errors import CommandRejected, InvalidInput, NotPermitted
from drp.events import Corrected, JsonValue
from drp.model import MAX_SHORT_TEXT, Child, Dispute
from drp.roles import Role

# Event payload keys that are facts (routing, flags, deadlines, person ids): kept after
# retention. Anything else in a payload is free text and is stored apart, so it can be erased.
# An allow-list, so that a new free-text field is erasable by default.
FACT_FIELDS = frozenset(
    {
        "to",
        "late",
        "awaiting_approval",
        "automatic",
        "final_step",
        "target",
        "concurrent",
        "on_time",
        "due_at",
        "on_behalf_of",
        "field",
        "leaver",  # a hand-over: who left, who took it on (ids), which parts (codes)
        "successor",
        "parts",
        "review",  # the chair's review on time or late: a code the report counts
        "tier",  # the tier of management climbed to within a stage: the report counts it
        "number",  # a tracked action's number within the dispute
        "escalated",  # a reopening went up the ladder
    }
)
MAX_YEARS = 100
_MOST = {
    "day": 366 * MAX_YEARS,
    "week": 53 * MAX_YEARS,
    "month": 12 * MAX_YEARS,
    "year": MAX_YEARS,
}
_PERIOD = re.compile(r"^\s*(\d{1,5})\s*(day|week|month|year)s?\s*$", re.IGNORECASE)


class Unit(StrEnum):
    """A retention period's unit."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"


@dataclass(frozen=True, slots=True)
class RetentionPeriod:
    """How long after closure a dispute's identifying data is kept, e.g. ``2 years``."""

    count: int
    unit: Unit

    @classmethod
    def parse(cls, text: str) -> RetentionPeriod:
        """``2 years``, ``18 months``, ``6 weeks`` or ``400 days``; ValueError says why not."""
        found = _PERIOD.match(text or "")
        if not found:
            raise ValueError(f"{text!r} is not a period like '2 years', '18 months' or '90 days'")
        count, unit = int(found.group(1)), Unit(found.group(2).lower())
        if count < 1:
            raise ValueError("the period must be at least 1 day")
        if count > _MOST[unit.value]:
            raise ValueError(f"the period must be at most {MAX_YEARS} years")
        return cls(count, unit)

    def __str__(self) -> str:
        return f"{self.count} {self.unit.value}{'' if self.count == 1 else 's'}"

    def before(self, day: date) -> date:
        """The date this period before ``day`` (31 March less a month is 28/29 February)."""
        return self._shift(day, -1)

    def _shift(self, day: date, sign: int) -> date:
        if self.unit == Unit.DAY:
            return day + sign * timedelta(days=self.count)
        if self.unit == Unit.WEEK:
            return day + sign * timedelta(weeks=self.count)
        moved = sign * self.count * (12 if self.unit == Unit.YEAR else 1)
        year, month = divmod(day.year * 12 + day.month - 1 + moved, 12)
        last = months.monthrange(year, month + 1)[1]
        return date(year, month + 1, min(day.day, last))

    def cutoff(self, as_of: date) -> datetime:
        """Disputes closed before this instant are past retention on ``as_of`` (London dates):
        one closed on day D is kept through D + period and erased from the day after."""
        return datetime.combine(self.before(as_of), time(0), tzinfo=LONDON)

    def erase_from(self, closed_at: datetime) -> date:
        """The first day a dispute closed at ``closed_at`` is past retention."""
        closed = closed_at.astimezone(LONDON).date()
        day = self._shift(closed, 1) - timedelta(days=3)  # month ends clamp: start just before
        while self.before(day) <= closed:
            day += timedelta(days=1)
        return day


def split_payload(
    payload: Mapping[str, JsonValue],
) -> tuple[dict[str, JsonValue], dict[str, JsonValue]]:
    """An event payload as (facts kept after retention, free text erased by it)."""
    facts = {k: v for k, v in payload.items() if k in FACT_FIELDS}
    texts = {k: v for k, v in payload.items() if k not in FACT_FIELDS}
    return facts, texts


# --- correction --------------------------------------------------------------------------------

_CHILD_FIELD = re.compile(r"^child_(\d{1,2})_(name|local_id|dob)$")
MAX_LOCAL_ID = 64
# Refused outright in a correction (not silently dropped): C0/C1 controls and lone surrogates.
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


@dataclass(frozen=True, slots=True)
class ChildField:
    """An identifying detail of one child that may be corrected: ``child_1_name`` and so on."""

    position: int  # 1-based, as the card shows it
    part: str  # name, local_id or dob

    @classmethod
    def parse(cls, text: str) -> ChildField:
        """``child_N_name``, ``child_N_local_id`` or ``child_N_dob``; InvalidInput otherwise."""
        found = _CHILD_FIELD.match(text or "")
        if not found or int(found.group(1)) < 1:
            raise InvalidInput(
                "field", "must be child_N_name, child_N_local_id or child_N_dob (N from 1)"
            )
        return cls(int(found.group(1)), found.group(2))

    def __str__(self) -> str:
        return f"child_{self.position}_{self.part}"

    @classmethod
    def label_of(cls, text: str) -> str:
        """Words for a stored field name; a generic phrase if it is not one."""
        try:
            return cls.parse(text).label
        except InvalidInput:
            return "a child's details"

    @property
    def label(self) -> str:
        """Words for the history: ``child 1's name``."""
        part = {"name": "name", "local_id": "local ID", "dob": "date of birth"}[self.part]
        return f"child {self.position}'s {part}"


def corrected(
    dispute: Dispute, command: Correct, today: date, correctors: Collection[Role]
) -> tuple[Dispute, Corrected]:
    """The dispute with one child's detail corrected by one of ``correctors`` (the profile's
    ``[access] correct``; the command line acts with that authority, its login recorded), and
    the event payload: the field and the reason, never the old or the new value."""
    if command.actor.role not in correctors:
        raise NotPermitted(dispute.status, "Correct", "only the chairs' service manager may")
    if dispute.erased_at is not None:
        raise CommandRejected(dispute.status, "Correct", "its identifying details were erased")
    field = ChildField.parse(command.field)
    if field.position > len(dispute.children):
        count = len(dispute.children)
        raise InvalidInput("field", f"this dispute names {count} child{'ren' * (count != 1)}")
    reason = check.text("reason", printable("reason", command.reason))
    child = dispute.children[field.position - 1]
    fixed = _fixed(child, field, printable("value", command.value), today)
    if fixed == child:
        raise InvalidInput("value", f"is what {field.label} already says")
    others = [c.local_id for n, c in enumerate(dispute.children) if n != field.position - 1]
    if field.part == "local_id" and fixed.local_id in others:
        raise InvalidInput("value", "another child on this dispute has that local ID")
    children = list(dispute.children)
    children[field.position - 1] = fixed
    return replace(dispute, children=tuple(children)), Corrected(field=str(field), reason=reason)


def printable(name: str, value: str) -> str:
    """``value`` unchanged; InvalidInput naming ``name`` if it holds control characters."""
    if _UNPRINTABLE.search(value or ""):
        raise InvalidInput(name, "contains control characters")
    return value


def _fixed(child: Child, field: ChildField, value: str, today: date) -> Child:
    if field.part == "name":
        return replace(child, name=check.text("value", value, max_length=MAX_SHORT_TEXT))
    if field.part == "local_id":
        local_id = check.text("value", value, max_length=MAX_LOCAL_ID)
        # A new local ID is a different key: the store finds or makes its pseudonym.
        return (
            child
            if local_id == child.local_id
            else replace(child, local_id=local_id, pseudonym="")
        )
    text = value.strip()
    if not text:
        return replace(child, dob=None)
    try:
        dob = date.fromisoformat(text)
    except ValueError:
        raise InvalidInput("value", f"{text[:20]!r} is not a date like 2015-03-01") from None
    return replace(child, dob=check.not_future("value", dob, today))
