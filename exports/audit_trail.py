"""``drp-bot audit``'s listing: reads, exports, refusals and changes, as CSV or Markdown.

Each row is who did what to which dispute and when, in codes and ids (the audit log and the
event log never hold a child's details or any free text, so neither does this listing).

CSV columns: ``at`` (ISO 8601, Europe/London), ``category`` (read, export, refusal, change),
``action`` (the audit action or the event kind), ``reference``, ``actor`` (directory id,
``cli:LOGIN`` or ``system``), ``name``, ``email``, ``detail`` (JSON of codes and ids).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from drp.calendar import LONDON
from exports.markup import md

CSV_COLUMNS = ("at", "category", "action", "reference", "actor", "name", "email", "detail")
_EXPORTS = frozenset({"record_exported", "report_generated", "sar_exported"})
_READS = frozenset({"read_only_view"})  # someone copied or alerted opened the dispute


class Category(StrEnum):
    """What kind of access or change a row is."""

    READ = "read"
    EXPORT = "export"
    REFUSAL = "refusal"
    CHANGE = "change"


@dataclass(frozen=True, slots=True)
class TrailRow:
    """One audited access or change."""

    at: datetime
    action: str
    reference: str
    actor: str
    name: str
    email: str
    detail: Mapping[str, object]

    @property
    def category(self) -> Category:
        """Refusals, exports (a record shown on a card is a read), or changes."""
        if "refused" in self.action:
            return Category.REFUSAL
        if self.action in _READS:
            return Category.READ
        if self.action in _EXPORTS:
            return Category.READ if self.detail.get("format") == "card" else Category.EXPORT
        return Category.CHANGE

    def cells(self) -> tuple[str, ...]:
        """The row's CSV cells."""
        when = self.at.astimezone(LONDON).isoformat(timespec="seconds")
        detail = json.dumps(dict(self.detail), sort_keys=True, separators=(",", ":"))
        return (when, self.category.value, self.action, self.reference, self.actor,
                self.name, self.email, detail)  # fmt: skip


def trail_csv(rows: Sequence[TrailRow]) -> str:
    """The listing as CSV with a header row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(_safe(row.cells()) for row in rows)
    return out.getvalue()


def _safe(cells: Sequence[str]) -> list[str]:
    # A spreadsheet runs a cell starting with = + - @ as a formula (CSV injection).
    return [f"'{c}" if c[:1] in ("=", "+", "-", "@") else c for c in cells]


def trail_markdown(rows: Sequence[TrailRow], title: str) -> str:
    """The listing as a Markdown table under a heading."""
    lines = [f"# {md(title)}", "", f"{len(rows)} entries.", ""]
    if rows:
        lines += ["| " + " | ".join(CSV_COLUMNS) + " |", "|" + "---|" * len(CSV_COLUMNS)]
        lines += ["| " + " | ".join(md(c) or " " for c in row.cells()) + " |" for row in rows]
    return "\n".join(lines) + "\n"
