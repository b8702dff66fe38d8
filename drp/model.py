"""The dispute aggregate and its parts, as immutable values."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from drp.roles import Role

MAX_TEXT = 4000
MAX_SHORT_TEXT = 200
MAX_CHILDREN = 12
MAX_ACTIONS = 12
MAX_TRACKED = 48  # actions tracked on one dispute, all stages together
SYSTEM = "system"


class Status(StrEnum):
    """Where a dispute stands; the transition table says which commands each admits."""

    AWAITING_APPROVAL = "awaiting_approval"
    AWAITING_RESPONSE = "awaiting_response"
    AWAITING_REVIEW = "awaiting_review"
    EXTERNAL = "external"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        """A human label for cards and reports."""
        return _STATUS_LABELS[self]


_STATUS_LABELS = {
    Status.AWAITING_APPROVAL: "Awaiting agreement",
    Status.AWAITING_RESPONSE: "Awaiting response",
    Status.AWAITING_REVIEW: "Awaiting chair's review",
    Status.EXTERNAL: "External step",
    Status.CLOSED: "Closed",
}


class Outcome(StrEnum):
    """How a closed dispute ended."""

    RESOLVED = "resolved"
    WITHDRAWN = "withdrawn"
    REFERRED = "referred"
    CONCLUDED = "concluded"
    NOT_AGREED = "not_agreed"


@dataclass(frozen=True, slots=True)
class Actor:
    """Who issued a command, in which directory role."""

    id: str
    role: Role

    @classmethod
    def system(cls) -> Actor:
        """The scheduler acting on a deadline."""
        return cls(SYSTEM, Role.MONITOR)


@dataclass(frozen=True, slots=True)
class Child:
    """A child or young person the dispute is about (siblings: one each). ``pseudonym`` is the
    store's random token for the same child across disputes, kept when retention erases the
    rest ("" until stored); bookkeeping, not a detail of the child: equality ignores it."""

    name: str
    local_id: str
    dob: date | None = None
    pseudonym: str = field(default="", compare=False)


@dataclass(frozen=True, slots=True)
class Action:
    """An action with a complete-by date (requested by the chair or promised by a manager)."""

    text: str
    complete_by: date


@dataclass(frozen=True, slots=True)
class TrackedAction:
    """A requested or agreed action tracked to its complete-by date (issue 14.4): ``number``
    counts from 1 within the dispute; ``owner`` is the party who must do it ("" until someone
    takes it on); ``done_by``/``done_at`` who ticked it done; ``passed_noted`` once the chair
    was told it passed undone."""

    number: int
    text: str
    complete_by: date
    owner: str
    added_by: str
    added_at: datetime
    stage: str
    done_by: str = ""
    done_at: datetime | None = None
    passed_noted: bool = False

    @property
    def done(self) -> bool:
        """Whether someone ticked it done."""
        return self.done_at is not None

    def passed(self, today: date) -> bool:
        """Whether its complete-by date has gone by with it undone."""
        return not self.done and today > self.complete_by


@dataclass(frozen=True, slots=True)
class Concern:
    """What the raiser records: category, summary, impact, requested actions, evidence.
    ``category`` is the first category ticked; ``more_categories`` the others, where the
    policy's form ticks several (seed 003: "TICK IF APPLICABLE")."""

    category: str
    summary: str
    impact: str
    requested_actions: tuple[Action, ...] = ()
    evidence: str = ""
    category_other: str = ""
    issue_type: str = ""
    more_categories: tuple[str, ...] = ()

    @property
    def categories(self) -> tuple[str, ...]:
        """Every category ticked, the first first (none where the policy lists none)."""
        return (self.category, *self.more_categories) if self.category else self.more_categories


@dataclass(frozen=True, slots=True)
class Dispute:
    """One dispute: its facts, where it stands, and its current deadlines."""

    reference: str
    policy: str
    process: str
    raised_by: str
    raiser_role: Role
    raised_at: datetime
    date_of_concern: date
    children: tuple[Child, ...]
    team: str
    concern: Concern
    status: Status
    stage: str
    # The tier of management within the stage (1: the stage's own roles; seed 004 §2.10).
    tier: int = 1
    practitioner: str = ""
    raiser_team: str = ""
    child_on_plan: bool = False
    # The child's own CP chair or IRO, told at stages that notify them (seed 004 §2.6).
    plan_chair: str = ""
    owners: tuple[str, ...] = ()
    due_at: datetime | None = None
    review_due_at: datetime | None = None
    overall_due_at: datetime | None = None
    formal_started_at: datetime | None = None
    # Who may agree the pending move (any one of them), and who shares the review decision.
    approvers: tuple[str, ...] = ()
    deciders: tuple[str, ...] = ()
    pending_stage: str = ""
    pending_due: date | None = None
    # A close awaiting agreement: how it would end, and the raiser's (or decider's) words.
    pending_outcome: Outcome | None = None
    pending_note: str = ""
    resume_status: Status | None = None
    extensions_used: int = 0
    responded_by: str = ""
    overdue_noted: bool = False
    outcome: Outcome | None = None
    closed_at: datetime | None = None
    referrals: tuple[str, ...] = ()
    actions: tuple[TrackedAction, ...] = ()  # requested and agreed actions, tracked
    reopened: int = 0  # how often a chair reopened it after resolving (issue 14.4)
    version: int = 0
    erased_at: datetime | None = None  # when retention erased its identifying data

    @property
    def is_open(self) -> bool:
        """Whether the dispute still needs someone to act."""
        return self.status != Status.CLOSED

    @property
    def initials(self) -> str:
        """Children's initials, the most a monitoring view shows of a name."""
        return ", ".join(_initials(child.name) for child in self.children)


def _initials(name: str) -> str:
    return "".join(f"{part[0].upper()}." for part in name.split() if part)
