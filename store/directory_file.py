"""The directory file: CSV rows checked field by field, every problem named by line and field.

Columns ``email,name,aad_object_id,role,team``; optional ``teams_user_id``, ``deputy_email``,
``deputy_from``, ``deputy_to``, ``channel`` (``teams``, the default, or ``email``: a partner
outside the council's Teams, reached by e-mail and the secure response page), ``agency`` and
``partner_agency`` (the partner agency the row's teams belong to, e.g. a health trust: their
disputes are "disputes with partner agencies" in the report; rows of one team must agree);
any other column is ignored. ``role`` and ``team`` may list
several values separated by ``;`` (a head of service over two teams).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from drp.roles import ROLE_KEY, Role, RoleBook
from store.errors import Problem
from store.rows import CHANNELS, TEAMS_CHANNEL, DirectoryEntry, RoleGrant

REQUIRED = ("email", "name", "aad_object_id", "role", "team")
OPTIONAL = (
    "teams_user_id",
    "deputy_email",
    "deputy_from",
    "deputy_to",
    "channel",
    "agency",
    "partner_agency",
)
SEPARATOR = ";"
EMAIL = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")
AAD_ID = re.compile(r"^[0-9A-Za-z-]{1,100}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(slots=True)
class _Row:
    """One record being checked: its cells, its line, the problems found so far."""

    line: int
    cells: Mapping[str, str]
    problems: list[Problem] = field(default_factory=list)

    def get(self, name: str) -> str:
        return (self.cells.get(name) or "").strip()

    def bad(self, name: str, reason: str) -> None:
        self.problems.append(Problem(self.line, name, reason))


def parse_directory(
    text: str, roles: RoleBook | None = None
) -> tuple[list[DirectoryEntry], list[Problem]]:
    """The entries of a directory file and every problem in it (entries of bad rows omitted);
    each role must be one of ``roles`` (a profile's; the default roles if not given)."""
    book = roles if roles is not None else RoleBook.defaults()
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff")))
    header = [name.strip().lower() for name in next(reader, [])]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        return [], [Problem(1, "header", f"missing column(s): {', '.join(missing)}")]
    entries: list[DirectoryEntry] = []
    problems: list[Problem] = []
    seen: dict[str, dict[str, int]] = {"email": {}, "aad_object_id": {}, "teams_user_id": {}}
    partners: dict[str, tuple[str, int]] = {}  # team -> (partner agency, line first given)
    for cells in reader:
        line = reader.line_num - sum(cell.count("\n") for cell in cells)
        if not any(cell.strip() for cell in cells):
            continue
        row = _Row(line, dict(zip(header, cells, strict=False)))
        if len(cells) > len(header):
            row.bad("(row)", f"{len(cells)} fields but the header has {len(header)}")
        entry = _entry(row, book, partners if "partner_agency" in header else None)
        _check_unique(row, seen)
        problems += row.problems
        if not row.problems and entry is not None:
            entries.append(entry)
    if not entries and not problems:
        problems.append(Problem(1, "(file)", "has no rows"))
    return entries, problems


def _entry(
    row: _Row, book: RoleBook, partners: dict[str, tuple[str, int]] | None
) -> DirectoryEntry | None:
    email = _email(row, "email", required=True)
    name = _text(row, "name", required=True)
    teams = [t for t in (_text(row, "team") or "").split(SEPARATOR) if t.strip()]
    roles = _roles(row, [t.strip() for t in teams], book)
    deputy = _deputy(row, email)
    aad = row.get("aad_object_id") or None
    if aad is not None and not AAD_ID.match(aad):
        row.bad("aad_object_id", "is not an Azure AD object id (letters, digits and -)")
    teams_id = _text(row, "teams_user_id") or None
    channel = _channel(row)
    agency = _text(row, "agency") or ""
    partner = None if partners is None else _partner(row, [t.strip() for t in teams], partners)
    if row.problems or email is None or name is None or roles is None or deputy is None:
        return None
    return DirectoryEntry(
        line=row.line,
        email=email,
        name=name,
        roles=roles,
        team=teams[0].strip() if teams else "",
        aad_object_id=aad,
        teams_user_id=teams_id,
        deputy_email=deputy[0],
        deputy_from=deputy[1],
        deputy_to=deputy[2],
        channel=channel,
        agency=agency,
        partner_agency=partner,
    )


def _partner(row: _Row, teams: list[str], partners: dict[str, tuple[str, int]]) -> str:
    """The partner agency the row's teams belong to ("" if it names none); one team, one
    agency: another row of the team naming another agency is a problem."""
    value = _text(row, "partner_agency") or ""
    if value and not teams:
        row.bad("partner_agency", "needs a team (the partner agency is the team's)")
    for team in teams if value else ():
        given, line = partners.setdefault(team, (value, row.line))
        if given != value:
            row.bad("partner_agency", f"team {team!r} is given {given!r} on line {line}")
    return value


def _channel(row: _Row) -> str:
    value = row.get("channel").lower() or TEAMS_CHANNEL
    if value not in CHANNELS:
        row.bad("channel", f"{value[:40]!r} is not one of: {', '.join(CHANNELS)}")
    return value


def _email(row: _Row, name: str, required: bool = False) -> str | None:
    value = row.get(name).lower()
    if not value:
        if required:
            row.bad(name, "is required")
        return None
    if not EMAIL.match(value) or len(value) > 320:
        row.bad(name, f"{value!r} is not an e-mail address")
        return None
    return value


def _text(row: _Row, name: str, required: bool = False, limit: int = 200) -> str | None:
    value = row.get(name)
    if not value:
        if required:
            row.bad(name, "is required")
        return None
    if _CONTROL.search(value) or len(value) > limit:
        row.bad(name, f"must be at most {limit} printable characters")
        return None
    return value


def _roles(row: _Row, teams: list[str], book: RoleBook) -> tuple[RoleGrant, ...] | None:
    names = [n.strip().lower() for n in row.get("role").split(SEPARATOR) if n.strip()]
    if not names:
        row.bad("role", "is required")
        return None
    unknown = [n for n in names if not ROLE_KEY.match(n) or Role(n) not in book]
    if unknown:
        row.bad("role", f"unknown role {unknown[0]!r} (known: {book.known()})")
        return None
    roles = list(dict.fromkeys(Role(n) for n in names))
    needs_team = [r for r in roles if book.per_team(r)]
    if needs_team and not teams:
        row.bad("team", f"is required for {needs_team[0].value}")
        return None
    grants = [RoleGrant(r, t) for r in roles if book.per_team(r) for t in teams]
    grants += [RoleGrant(r, "") for r in roles if not book.per_team(r)]
    return tuple(grants)


def _day(row: _Row, name: str) -> date | None:
    value = row.get(name)
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        row.bad(name, f"{value!r} is not an ISO date (YYYY-MM-DD)")
        return None


def _deputy(row: _Row, email: str | None) -> tuple[str | None, date | None, date | None] | None:
    deputy = _email(row, "deputy_email")
    starts, ends = _day(row, "deputy_from"), _day(row, "deputy_to")
    if deputy is not None and deputy == email:
        row.bad("deputy_email", "a person cannot deputise for themselves")
    if deputy is None and not row.get("deputy_email") and (starts or ends):
        row.bad("deputy_from" if starts else "deputy_to", "given without deputy_email")
    if starts and ends and ends < starts:
        row.bad("deputy_to", "is before deputy_from")
    return None if row.problems else (deputy, starts, ends)


def _check_unique(row: _Row, seen: dict[str, dict[str, int]]) -> None:
    values = {
        "email": row.get("email").lower(),
        "aad_object_id": row.get("aad_object_id"),
        "teams_user_id": row.get("teams_user_id"),
    }
    for name, value in values.items():
        if not value:
            continue
        first = seen[name].setdefault(value, row.line)
        if first != row.line:
            row.bad(name, f"duplicate of line {first}")
