"""Domain events: the append-only record of every accepted command, one payload type per kind.

To add an event kind: a member of ``EventKind``, a frozen payload dataclass below whose ``kind``
names it, added to ``Payload`` and ``PAYLOAD_TYPES``; the store writes the dataclass's fields
as JSON keys (``store.payloads``), so a field's name is its stored key. A field with a default
is written only when it differs from it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from drp.model import Action
from drp.roles import Role

JsonValue = str | int | float | bool | None | list["JsonValue"] | dict[str, "JsonValue"]


class EventKind(StrEnum):
    """What happened; one kind per command."""

    RAISED = "raised"
    APPROVED = "approved"
    DECLINED = "declined"
    RESPONDED = "responded"
    RESOLVED = "resolved"
    EXTENDED = "extended"
    ESCALATED = "escalated"
    REFERRED = "referred"
    IMMEDIATE_HARM = "immediate_harm"
    WITHDRAWN = "withdrawn"
    CONCLUDED = "concluded"
    OVERDUE = "overdue"
    CORRECTED = "corrected"
    CLOSE_PROPOSED = "close_proposed"
    HANDED_OVER = "handed_over"
    ACTION_DONE = "action_done"
    ACTION_PASSED = "action_passed"
    REOPENED = "reopened"

    @property
    def label(self) -> str:
        """A human label for the chronology."""
        return self.value.replace("_", " ").capitalize()


# The payloads. Field order is the stored JSON's key order (kw_only lets a default come first).


@dataclass(frozen=True, slots=True, kw_only=True)
class Raised:
    """Opened at stage ``to``; ``late`` after the policy's time limit for raising."""

    kind: ClassVar[EventKind] = EventKind.RAISED
    awaiting_approval: bool = False
    to: str
    late: bool
    consulted: str = ""  # whom the raiser consulted first, where the stage asks
    conference_date: str = ""  # ISO date of the child protection conference (seed 002)


@dataclass(frozen=True, slots=True, kw_only=True)
class Approved:
    """The approver agreed it may be sent."""

    kind: ClassVar[EventKind] = EventKind.APPROVED
    comments: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Declined:
    """The approver did not agree."""

    kind: ClassVar[EventKind] = EventKind.DECLINED
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Responded:
    """The manager's response and SMART actions; ``due_at`` the deadline it answered."""

    kind: ClassVar[EventKind] = EventKind.RESPONDED
    response: str
    actions: tuple[Action, ...]
    practice_issues: str
    on_behalf_of: str
    on_time: bool
    due_at: datetime | None
    answer: str = ""  # to the stage's question, where it asks one (Stage.response_asks)


@dataclass(frozen=True, slots=True, kw_only=True)
class Resolved:
    """The chair (or a decider) marked it resolved; ``agreed``: an approver agreed the close
    proposed earlier (then ``comments`` are the proposer's)."""

    kind: ClassVar[EventKind] = EventKind.RESOLVED
    comments: str
    agreed: bool = False
    review: str = ""  # the chair's review against its deadline: "on_time" or "late" (or none)
    actions: tuple[Action, ...] = ()  # agreed actions the chair added, tracked


@dataclass(frozen=True, slots=True, kw_only=True)
class Extended:
    """The chair agreed further work until ``due_at``."""

    kind: ClassVar[EventKind] = EventKind.EXTENDED
    agreed_work: str
    due_at: datetime
    review: str = ""  # the chair's review against its deadline: "on_time" or "late" (or none)
    actions: tuple[Action, ...] = ()  # agreed actions the chair added, tracked


@dataclass(frozen=True, slots=True, kw_only=True)
class Escalated:
    """Sent up, to stage ``to`` (maybe awaiting agreement) or to the external ``final_step``."""

    kind: ClassVar[EventKind] = EventKind.ESCALATED
    reason: str
    updated_concerns: str
    automatic: bool
    final_step: bool = False
    awaiting_approval: bool = False
    to: str = ""
    consulted: str = ""  # whom the raiser consulted first, where the stage asks
    review: str = ""  # the chair's review against its deadline: "on_time" or "late" (or none)
    tier: int = 0  # the tier of management entered within stage ``to`` (0: the stage's first)
    skipped: str = ""  # the tiers passed over for want of holders, and why (seed 004 §2.10)


@dataclass(frozen=True, slots=True, kw_only=True)
class Referred:
    """Referred outside the process to route ``target``; ``concurrent``: the dispute goes on."""

    kind: ClassVar[EventKind] = EventKind.REFERRED
    target: str
    reason: str
    consulted: str
    concurrent: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class HarmAlerted:
    """The raiser alerted those the policy names to immediate harm."""

    kind: ClassVar[EventKind] = EventKind.IMMEDIATE_HARM
    details: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Withdrawn:
    """The raiser withdrew it."""

    kind: ClassVar[EventKind] = EventKind.WITHDRAWN
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Concluded:
    """The raiser (or whoever acts at the final step) recorded how it ended."""

    kind: ClassVar[EventKind] = EventKind.CONCLUDED
    outcome: str
    agreed: bool = False
    review: str = ""  # the chair's review against its deadline: "on_time" or "late" (or none)


@dataclass(frozen=True, slots=True, kw_only=True)
class OverdueNoted:
    """The scheduler noted that the response deadline ``due_at`` passed."""

    kind: ClassVar[EventKind] = EventKind.OVERDUE
    due_at: datetime | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Corrected:
    """A child's identifying detail ``field`` (``child_1_name``...) was corrected, for
    ``reason``; neither the old value nor the new one is part of the event."""

    kind: ClassVar[EventKind] = EventKind.CORRECTED
    field: str
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CloseProposed:
    """The raiser (or a decider) would close it as ``outcome`` (resolved or concluded) with
    ``text``; the stage needs an approver's agreement first."""

    kind: ClassVar[EventKind] = EventKind.CLOSE_PROPOSED
    outcome: str
    text: str


@dataclass(frozen=True, slots=True, kw_only=True)
class HandedOver:
    """The system handed what a leaver held (raiser, owner, approver, practitioner: ``parts``)
    to their successor."""

    kind: ClassVar[EventKind] = EventKind.HANDED_OVER
    leaver: str
    successor: str
    parts: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class ActionDone:
    """Tracked action ``number`` was ticked done."""

    kind: ClassVar[EventKind] = EventKind.ACTION_DONE
    number: int


@dataclass(frozen=True, slots=True, kw_only=True)
class ActionPassed:
    """Tracked action ``number``'s complete-by date passed with it undone (the chair is told)."""

    kind: ClassVar[EventKind] = EventKind.ACTION_PASSED
    number: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Reopened:
    """The chair reopened it, agreed actions undone: back at stage ``to`` (``escalated``: up
    to it, maybe awaiting agreement), or at the final step."""

    kind: ClassVar[EventKind] = EventKind.REOPENED
    reason: str
    to: str
    escalated: bool = False
    awaiting_approval: bool = False
    final_step: bool = False


Payload = (
    Raised
    | Approved
    | Declined
    | Responded
    | Resolved
    | Extended
    | Escalated
    | Referred
    | HarmAlerted
    | Withdrawn
    | Concluded
    | OverdueNoted
    | Corrected
    | CloseProposed
    | HandedOver
    | ActionDone
    | ActionPassed
    | Reopened
)
_TYPES: tuple[type[Payload], ...] = (
    Raised,
    Approved,
    Declined,
    Responded,
    Resolved,
    Extended,
    Escalated,
    Referred,
    HarmAlerted,
    Withdrawn,
    Concluded,
    OverdueNoted,
    Corrected,
    CloseProposed,
    HandedOver,
    ActionDone,
    ActionPassed,
    Reopened,
)
PAYLOAD_TYPES: Mapping[EventKind, type[Payload]] = {t.kind: t for t in _TYPES}


@dataclass(frozen=True, slots=True)
class Event:
    """Who did what to which dispute, when, moving it from one stage to another."""

    reference: str
    sequence: int
    actor: str
    actor_role: Role
    at: datetime
    from_stage: str
    to_stage: str
    payload: Payload

    @property
    def kind(self) -> EventKind:
        """What happened: the kind of the payload."""
        return self.payload.kind
