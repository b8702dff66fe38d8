"""What the QA manager writes for a quarter's report (seed 003 §10, seed 002's report to the
Board): comments and issues in relation to the process, the individual and thematic issues
raised in the quarter, and the action log — actions agreed at the meeting, reviewed at later
ones with progress recorded, until done. Pure: the store keeps the notes, this reads them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from drp import validation as check
from drp.errors import InvalidInput

MAX_NOTE = 2000
_QUARTER = re.compile(r"^(\d{4})-?q([1-4])$", re.IGNORECASE)


class NoteKind(StrEnum):
    """What a note is. ``progress`` and ``done`` are about an earlier ``action``."""

    COMMENT = "comment"
    INDIVIDUAL = "individual"
    THEMATIC = "thematic"
    ACTION = "action"
    PROGRESS = "progress"
    DONE = "done"

    @property
    def about_an_action(self) -> bool:
        """Whether the note records progress on (or the end of) an action."""
        return self in (NoteKind.PROGRESS, NoteKind.DONE)


@dataclass(frozen=True, slots=True, order=True)
class Quarter:
    """A calendar quarter: ``2026-Q4`` is 1 October to 31 December 2026."""

    year: int
    number: int

    @classmethod
    def parse(cls, text: str) -> Quarter:
        """``2026-Q4`` (or ``2026q4``); InvalidInput naming ``quarter`` otherwise."""
        match = _QUARTER.match(text.strip())
        if match is None or not 2000 <= int(match.group(1)) <= 2100:
            raise InvalidInput("quarter", f"{text[:20]!r} is not a quarter like 2026-Q4")
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def of(cls, day: date) -> Quarter:
        """The quarter a day falls in."""
        return cls(day.year, (day.month - 1) // 3 + 1)

    @property
    def first_day(self) -> date:
        """1 January, 1 April, 1 July or 1 October."""
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def last_day(self) -> date:
        """31 March, 30 June, 30 September or 31 December."""
        following = self.following
        return date.fromordinal(following.first_day.toordinal() - 1)

    @property
    def following(self) -> Quarter:
        """The next quarter."""
        return Quarter(self.year + (self.number == 4), self.number % 4 + 1)

    def __str__(self) -> str:
        return f"{self.year}-Q{self.number}"


def quarters_of(start: date, end: date) -> tuple[Quarter, ...]:
    """The quarters the days from ``start`` to ``end`` touch, oldest first."""
    found, quarter = [], Quarter.of(start)
    while quarter.first_day <= end:
        found.append(quarter)
        quarter = quarter.following
    return tuple(found)


@dataclass(frozen=True, slots=True)
class QuarterNote:
    """One note as stored: ``number`` is its id (an action's is how later notes name it)."""

    number: int
    quarter: Quarter
    kind: NoteKind
    text: str
    author: str
    at: datetime
    action: int | None = None  # the action a progress or done note is about


def note_text(text: str) -> str:
    """A note's text: trimmed, no control characters, at most ``MAX_NOTE`` characters."""
    return check.text("text", text, required=True, max_length=MAX_NOTE)


@dataclass(frozen=True, slots=True)
class LoggedAction:
    """An action of the log: what was agreed, in which quarter, progress since, and whether
    it is done."""

    note: QuarterNote
    progress: tuple[QuarterNote, ...]

    @property
    def done(self) -> bool:
        """Whether a ``done`` note closed it."""
        return any(p.kind == NoteKind.DONE for p in self.progress)


@dataclass(frozen=True, slots=True)
class ReportNotes:
    """The notes a report for ``period`` shows: its quarters' comments and issues, and the
    action log as it stood at the period's end (actions agreed by then, with their progress;
    those done before the period began left out)."""

    comments: tuple[QuarterNote, ...] = ()
    individual: tuple[QuarterNote, ...] = ()
    thematic: tuple[QuarterNote, ...] = ()
    actions: tuple[LoggedAction, ...] = ()

    @property
    def empty(self) -> bool:
        """Whether nothing was written."""
        return not (self.comments or self.individual or self.thematic or self.actions)


def report_notes(notes: Sequence[QuarterNote], start: date, end: date) -> ReportNotes:
    """Select and arrange the notes for a report on the days from ``start`` to ``end``."""
    quarters = set(quarters_of(start, end))
    last = max(quarters)
    mine = [n for n in notes if n.quarter in quarters]

    def of(kind: NoteKind) -> tuple[QuarterNote, ...]:
        return tuple(n for n in mine if n.kind == kind)

    actions = []
    for action in (n for n in notes if n.kind == NoteKind.ACTION and n.quarter <= last):
        progress = tuple(n for n in notes if n.action == action.number and n.quarter <= last)
        ended = [p.quarter for p in progress if p.kind == NoteKind.DONE]
        if not ended or ended[0] >= min(quarters):  # done before the period: left out
            actions.append(LoggedAction(action, progress))
    return ReportNotes(
        of(NoteKind.COMMENT), of(NoteKind.INDIVIDUAL), of(NoteKind.THEMATIC), tuple(actions)
    )


@dataclass(frozen=True, slots=True)
class NoteRequest:
    """What ``quarter ...`` asks: show the quarter's notes, or add one (``kind``, ``text``,
    and for progress or done the ``action`` it names)."""

    quarter: Quarter
    kind: NoteKind | None = None
    text: str = ""
    action: int | None = None


_ACTION_NUMBER = re.compile(r"^a?(\d{1,12})$", re.IGNORECASE)


def parse_request(argument: str) -> NoteRequest:
    """``2026-Q4`` | ``2026-Q4 comment TEXT`` | ``2026-Q4 individual TEXT`` | ``2026-Q4
    thematic TEXT`` | ``2026-Q4 action TEXT`` | ``2026-Q4 progress A3 TEXT`` | ``2026-Q4 done
    A3 TEXT`` (the text as typed); InvalidInput naming the part that is wrong."""
    words = argument.split(maxsplit=2)
    if not words:
        raise InvalidInput("quarter", "name the quarter, like 2026-Q4")
    quarter = Quarter.parse(words[0])
    if len(words) == 1:
        return NoteRequest(quarter)
    try:
        kind = NoteKind(words[1].lower())
    except ValueError:
        known = ", ".join(k.value for k in NoteKind)
        raise InvalidInput("kind", f"{words[1][:20]!r} is not one of: {known}") from None
    rest = words[2] if len(words) > 2 else ""
    if not kind.about_an_action:
        return NoteRequest(quarter, kind, note_text(rest))
    number, _, text = rest.partition(" ")
    found = _ACTION_NUMBER.match(number)
    if found is None:
        raise InvalidInput("action", "name the action by its number, like A3")
    return NoteRequest(quarter, kind, note_text(text), int(found.group(1)))
