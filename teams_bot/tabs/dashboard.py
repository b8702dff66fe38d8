"""The dashboard's query: filters, sorting and search read from the query string, checked, and
applied to disputes. Pure: no I/O; the page handler loads the disputes and the choices."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from cards.views import RAG, deadline, rag, stage_label
from drp.calendar import WorkingDayCalendar
from drp.model import Dispute, Status
from drp.policy import Policy
from drp.validation import REFERENCE
from teams_bot.tabs.errors import BadRequest

MAX_SEARCH = 64
OPEN_STATUSES = tuple(s for s in Status if s != Status.CLOSED)
YES = frozenset({"1", "yes", "on", "true"})
NO = frozenset({"", "0", "no", "off", "false"})
_RAG_ORDER = {RAG.RED: 0, RAG.AMBER: 1, RAG.GREEN: 2, None: 3}


@dataclass(frozen=True, slots=True)
class Row:
    """One dispute as the dashboard lists it: initials, never a name."""

    reference: str
    initials: str
    team: str
    stage: str
    status: str
    owes: str
    due: date | None
    rag: RAG | None
    raised: datetime
    over_limit: bool


@dataclass(frozen=True, slots=True)
class Choices:
    """What the filters may be set to: teams, stages (key, label) and chairs (id, name)."""

    teams: tuple[str, ...]
    stages: tuple[tuple[str, str], ...]
    chairs: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class Query:
    """The dashboard's filters, search and order, as checked from the query string."""

    team: str = ""
    stage: str = ""
    chair: str = ""
    status: str = ""
    overdue: bool = False
    over_limit: bool = False
    search: str = ""
    sort: str = "due"
    descending: bool = False

    def as_params(self) -> dict[str, str]:
        """The query back as parameters (for links that keep the filters)."""
        params = {
            "team": self.team,
            "stage": self.stage,
            "chair": self.chair,
            "status": self.status,
            "overdue": "1" if self.overdue else "",
            "over_limit": "1" if self.over_limit else "",
            "q": self.search,
        }
        return {key: value for key, value in params.items() if value}


SORTS: dict[str, Callable[[Row], Any]] = {
    "reference": lambda r: r.reference,
    "due": lambda r: (r.due is None, r.due or date.max, r.reference),
    "rag": lambda r: (_RAG_ORDER[r.rag], r.due or date.max, r.reference),
    "team": lambda r: (r.team, r.reference),
    "stage": lambda r: (r.stage, r.reference),
    "raised": lambda r: (r.raised, r.reference),
}


def parse(params: Mapping[str, str], choices: Choices) -> Query:
    """The query string checked field by field; BadRequest names the first bad one."""
    team = _one_of(params, "team", choices.teams)
    stage = _one_of(params, "stage", tuple(key for key, _ in choices.stages))
    chair = _one_of(params, "chair", tuple(pid for pid, _ in choices.chairs))
    status = _one_of(params, "status", tuple(s.value for s in OPEN_STATUSES))
    search = params.get("q", "").strip()
    if len(search) > MAX_SEARCH:
        raise BadRequest("q", f"is longer than {MAX_SEARCH} characters")
    sort = params.get("sort", "due") or "due"
    descending = sort.startswith("-")
    if sort.removeprefix("-") not in SORTS:
        raise BadRequest("sort", f"must be one of {', '.join(SORTS)} (with - for descending)")
    return Query(
        team=team,
        stage=stage,
        chair=chair,
        status=status,
        overdue=_flag(params, "overdue"),
        over_limit=_flag(params, "over_limit"),
        search=search,
        sort=sort.removeprefix("-"),
        descending=descending,
    )


def _one_of(params: Mapping[str, str], name: str, allowed: Sequence[str]) -> str:
    value = params.get(name, "")
    if value and value not in allowed:
        raise BadRequest(name, "is not one of the choices offered")
    return value


def _flag(params: Mapping[str, str], name: str) -> bool:
    value = params.get(name, "").lower()
    if value not in YES | NO:
        raise BadRequest(name, "must be 1 or left out")
    return value in YES


def is_reference(text: str) -> bool:
    """Whether a search names a dispute reference (any case)."""
    return REFERENCE.match(text.upper()) is not None


def row_of(
    dispute: Dispute,
    policy: Policy,
    names: Mapping[str, str],
    now: datetime,
    calendar: WorkingDayCalendar,
) -> Row:
    """The dashboard row of a dispute."""
    due = deadline(dispute)
    limit = dispute.overall_due_at
    return Row(
        reference=dispute.reference,
        initials=dispute.initials,
        team=dispute.team,
        stage=stage_label(policy, dispute),
        status=dispute.status.label,
        owes=owes(dispute, names),
        due=calendar.local_date(due) if due else None,
        rag=rag(dispute, now, calendar),
        raised=dispute.raised_at,
        over_limit=dispute.is_open and limit is not None and calendar.is_overdue(limit, now),
    )


def owes(dispute: Dispute, names: Mapping[str, str]) -> str:
    """Who must act next, and what: ``Response: Megan Bowen``."""

    def named(ids: Sequence[str]) -> str:
        return ", ".join(names.get(i, "Unknown person") for i in ids) or "No one yet"

    match dispute.status:
        case Status.AWAITING_RESPONSE | Status.EXTERNAL:
            return f"Response: {named(dispute.owners)}"
        case Status.AWAITING_REVIEW:
            return f"Review: {named((dispute.raised_by, *dispute.deciders))}"
        case Status.AWAITING_APPROVAL:
            return f"Agreement: {named(dispute.approvers)}"
    return "Nothing: closed"


def keep(dispute: Dispute, row: Row, query: Query) -> bool:
    """Whether a dispute passes the query's filters."""
    checks = (
        not query.team or dispute.team == query.team,
        not query.stage or (dispute.stage or dispute.pending_stage) == query.stage,
        not query.chair or dispute.raised_by == query.chair,
        not query.status or dispute.status.value == query.status,
        not query.overdue or row.rag == RAG.RED,
        not query.over_limit or row.over_limit,
    )
    return all(checks)


def ordered(rows: list[Row], query: Query) -> list[Row]:
    """The rows in the query's order."""
    return sorted(rows, key=SORTS[query.sort], reverse=query.descending)


def names_needed(disputes: Sequence[Dispute]) -> set[str]:
    """Everyone a row may name as owing something."""
    ids: set[str] = set()
    for d in disputes:
        ids |= {*d.owners, *d.approvers, *d.deciders, d.raised_by}
    return ids
