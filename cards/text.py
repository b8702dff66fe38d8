"""User text made safe for Teams' markdown, and dates as the cards show them.

Teams renders a subset of markdown in ``TextBlock.text`` and in ``Fact.title``/``Fact.value``
(bold, italic, lists, links; clients also auto-link bare URLs and e-mail addresses), and turns
``<at>…</at>`` into a mention when the card names it in ``msteams.entities``. Text that people
typed must show exactly as typed and must never become a link, a mention or formatting, so:

- markdown punctuation is backslash-escaped (CommonMark escapes; Teams desktop and web honour
  them), including ``&`` (no entity references) and ``{`` (no ``{{DATE()}}`` functions);
- line-start constructs (ordered-list numbers, setext ``=`` lines, indented code) are defused;
- a word joiner (U+2060) is put inside ``scheme:``, ``//`` and ``<at`` so nothing parses them; a
  dot between a word and a letter becomes a one-dot leader (U+2024, looks the same) so that
  ``example.com`` and ``a@b.org`` are no longer domains a linkifier would pick up;
- each line break becomes a paragraph break (a single newline is only a space in markdown).
"""

from __future__ import annotations

import re
from datetime import date, datetime, time

from drp.calendar import LONDON

WORD_JOINER = "\u2060"
ONE_DOT_LEADER = "\u2024"
ELLIPSIS = "…"

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u2028\u2029]")
_NEWLINES = re.compile(r"\r\n?|\n")
_SCHEME = re.compile(r"(?<![A-Za-z0-9+.\-])([A-Za-z][A-Za-z0-9+.\-]*):(?=\S)")
_MENTION = re.compile(r"<(/?)(at\b)", re.IGNORECASE)
_DOMAIN_DOT = re.compile(r"(?<=[^\W_]|-)\.(?=[^\W\d_])")
_MARKDOWN = re.compile(r"([\\`*_\[\](){}#+\-~<>&|!])")
_ORDERED = re.compile(r"^(\d{1,9})\.(?=\s|$)")
_SPACES = re.compile(r"\s+")

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_END_OF_DAY = time(23, 59, 59)


def escape(text: str) -> str:
    """User text for a ``TextBlock``: shows as typed, never a link, mention or formatting."""
    lines = _NEWLINES.split(_CONTROL.sub("", text))
    kept = (_escape_line(line) for line in lines)
    return "\n\n".join(line for line in kept if line)


def plain(text: str, limit: int = 200) -> str:
    """User text for a ``Fact`` value: one line, at most ``limit`` characters, escaped."""
    return escape(shorten(_SPACES.sub(" ", text).strip(), limit))


def shorten(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, an ellipsis marking the cut."""
    stripped = text.strip()
    if len(stripped) <= limit:
        return stripped
    return stripped[: max(limit - 1, 0)].rstrip() + ELLIPSIS


def _escape_line(line: str) -> str:
    text = line.replace("\t", " ").strip()
    text = _MENTION.sub(lambda m: f"<{m.group(1)}{WORD_JOINER}{m.group(2)}", text)
    text = _SCHEME.sub(lambda m: f"{m.group(1)}:{WORD_JOINER}", text)
    text = _DOMAIN_DOT.sub(ONE_DOT_LEADER, text).replace("//", f"/{WORD_JOINER}/")
    text = _MARKDOWN.sub(r"\\\1", text)
    text = _ORDERED.sub(r"\1\\.", text)
    if text.startswith("="):
        text = "\\" + text
    return text


def format_date(day: date) -> str:
    """``Mon 21 Dec 2026`` (English names whatever the process locale)."""
    return f"{_DAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]} {day.year}"


def format_instant(instant: datetime) -> str:
    """``Mon 21 Dec 2026 14:05`` in Europe/London."""
    local = instant.astimezone(LONDON)
    return f"{format_date(local.date())} {local:%H:%M}"


def format_due(instant: datetime) -> str:
    """A deadline: the date alone when it is the end of the day, else date and time."""
    local = instant.astimezone(LONDON)
    if local.time().replace(microsecond=0) == _END_OF_DAY:
        return format_date(local.date())
    return format_instant(local)
