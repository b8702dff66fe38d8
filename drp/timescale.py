"""Timescales carry their unit: "5 working days", "2 calendar days", "24 hours"."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from drp.errors import TimescaleError


class TimeUnit(StrEnum):
    """The unit a policy's timescale is counted in."""

    WORKING_DAYS = "working days"
    CALENDAR_DAYS = "calendar days"
    HOURS = "hours"


_UNIT_WORDS = {
    "working day": TimeUnit.WORKING_DAYS,
    "working days": TimeUnit.WORKING_DAYS,
    "calendar day": TimeUnit.CALENDAR_DAYS,
    "calendar days": TimeUnit.CALENDAR_DAYS,
    "hour": TimeUnit.HOURS,
    "hours": TimeUnit.HOURS,
}
_PATTERN = re.compile(r"^\s*(\d{1,4})\s+([a-z ]+?)\s*$")


@dataclass(frozen=True, slots=True)
class Timescale:
    """An amount of time in one unit, e.g. ``Timescale(5, TimeUnit.WORKING_DAYS)``."""

    amount: int
    unit: TimeUnit

    def __post_init__(self) -> None:
        if self.amount < 0:
            raise TimescaleError(f"a timescale cannot be negative: {self.amount}")

    @classmethod
    def parse(cls, text: str) -> Timescale:
        """Read "5 working days", "2 calendar days" or "24 hours"."""
        match = _PATTERN.match(text.lower())
        unit = _UNIT_WORDS.get(match.group(2)) if match else None
        if match is None or unit is None:
            raise TimescaleError(
                f"{text!r} is not a timescale; write e.g. '5 working days', "
                "'2 calendar days' or '24 hours'"
            )
        return cls(int(match.group(1)), unit)

    def __str__(self) -> str:
        word = str(self.unit)
        return f"{self.amount} {word[:-1] if self.amount == 1 else word}"
