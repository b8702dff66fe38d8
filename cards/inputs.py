"""Reading what a card submitted: trimmed text, real dates, flags, one error per input id."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date

from drp.model import MAX_TEXT, Action

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class InputReader:
    """Reads card inputs out of submitted ``data``, collecting one error per input id."""

    def __init__(self, data: Mapping[str, object], today: date | None) -> None:
        self.data = data
        self.today = today
        self.values: dict[str, str] = {}
        self.errors: dict[str, str] = {}

    def raw(self, input_id: str) -> str:
        value = self.data.get(input_id)
        if value is None:
            return ""
        if not isinstance(value, str):
            self.errors[input_id] = "This value could not be read; enter it again."
            return ""
        self.values[input_id] = value
        return value

    def text(self, input_id: str, required: bool = False, limit: int = MAX_TEXT) -> str:
        cleaned = _CONTROL.sub("", self.raw(input_id)).strip()
        if required and not cleaned:
            self.errors.setdefault(input_id, "This is required.")
        elif len(cleaned) > limit:
            self.errors[input_id] = f"Too long: {len(cleaned):,} characters (at most {limit:,})."
        return cleaned

    def day(self, input_id: str, required: bool = False, when: str = "") -> date | None:
        text = self.raw(input_id).strip()
        if not text:
            if required:
                self.errors.setdefault(input_id, "This is required.")
            return None
        try:
            if not _ISO_DATE.match(text):
                raise ValueError(text)
            value = date.fromisoformat(text)
        except ValueError:
            self.errors[input_id] = "Enter a real date (YYYY-MM-DD)."
            return None
        return self._in_time(input_id, value, when)

    def _in_time(self, input_id: str, value: date, when: str) -> date | None:
        today = self.today
        if today is not None and when == "past" and value > today:
            self.errors[input_id] = "This date cannot be in the future."
        elif today is not None and when == "future" and value < today:
            self.errors[input_id] = "This date cannot be in the past."
        return value

    def flag(self, input_id: str) -> bool:
        return self.raw(input_id).strip().lower() == "true"

    def actions(self, rows: int, prefix: str = "action") -> tuple[Action, ...]:
        """Rows ``action_N_text`` + ``action_N_date`` (or another ``prefix``): a text needs a
        date and vice versa."""
        found: list[Action] = []
        for n in range(1, rows + 1):
            text_id, date_id = f"{prefix}_{n}_text", f"{prefix}_{n}_date"
            has_date = bool(str(self.data.get(date_id) or "").strip())
            text = self.text(text_id, required=has_date)
            complete_by = self.day(date_id, required=bool(text), when="future")
            if text and complete_by is not None:
                found.append(Action(text, complete_by))
        return tuple(found)

    def number(self, input_id: str, highest: int) -> int:
        """A whole number from 1 to ``highest`` (a button's own data, such as an action's)."""
        value = self.data.get(input_id)
        text = str(value) if isinstance(value, int | str) and not isinstance(value, bool) else ""
        if not re.fullmatch(r"[0-9]{1,6}", text) or not 1 <= int(text) <= highest:
            self.errors[input_id] = "This button could not be read; refresh the card."
            return 0
        return int(text)
