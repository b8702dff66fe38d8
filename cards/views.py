"""What a card is rendered from: a dispute with its history, who is looking, and its RAG status."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from cards.text import format_due
from drp import tiers
from drp.calendar import WorkingDayCalendar
from drp.events import Event
from drp.model import SYSTEM, Dispute, Status
from drp.policy import Policy, Process
from drp.roles import Role
from drp.timescale import Timescale, TimeUnit

_AMBER_WINDOW = Timescale(1, TimeUnit.WORKING_DAYS)


class ViewerKind(StrEnum):
    """Which view of a dispute card someone gets."""

    RAISER = "raiser"
    OWNER = "owner"
    APPROVER = "approver"
    DECIDER = "decider"  # shares the review decision with the raiser at this stage
    OTHER = "other"
    MONITOR = "monitor"


@dataclass(frozen=True, slots=True)
class Viewer:
    """The person a card is rendered for, in which capacity, for whom if a deputy, and the
    directory role they would act in (a deputy must hold one of the stage's responding roles)."""

    person_id: str
    kind: ViewerKind
    on_behalf_of: str = ""
    role: Role | None = None
    held: frozenset[Role] = frozenset()  # every role the person holds in the directory


@dataclass(frozen=True, slots=True)
class DisputeView:
    """A dispute, its events (oldest first), display names by person id, and its team's title."""

    dispute: Dispute
    events: tuple[Event, ...] = ()
    names: Mapping[str, str] = field(default_factory=dict)
    team_title: str = ""

    def name(self, person_id: str) -> str:
        """A person's display name; the scheduler and unknown ids get a neutral label."""
        if person_id == SYSTEM:
            return "DRP bot (deadline)"
        return self.names.get(person_id) or "Unknown person"


class RAG(StrEnum):
    """Red / amber / green deadline status of an open dispute."""

    GREEN = "green"
    AMBER = "amber"
    RED = "red"

    @property
    def label(self) -> str:
        """Words for the status (colour alone is not accessible)."""
        return {RAG.GREEN: "On track", RAG.AMBER: "Due soon", RAG.RED: "Overdue"}[self]

    @property
    def color(self) -> str:
        """The Adaptive Card text colour for the status."""
        return {RAG.GREEN: "good", RAG.AMBER: "warning", RAG.RED: "attention"}[self]


def deadline(dispute: Dispute) -> datetime | None:
    """The deadline that matters now: the response's, the chair's review, else the overall one."""
    if dispute.status == Status.AWAITING_RESPONSE and dispute.due_at is not None:
        return dispute.due_at
    if dispute.status == Status.AWAITING_REVIEW and dispute.review_due_at is not None:
        return dispute.review_due_at
    if dispute.status == Status.EXTERNAL and dispute.due_at is not None:
        return dispute.due_at  # the final step's own timescale
    if dispute.status == Status.CLOSED:
        return None
    return dispute.overall_due_at


def rag(dispute: Dispute, now: datetime, calendar: WorkingDayCalendar) -> RAG | None:
    """Red once overdue, amber when due within one working day, green otherwise; None if closed."""
    if not dispute.is_open:
        return None
    # The overall limit is a deadline too: amber the working day before, red once past.
    found = [d for d in (deadline(dispute), dispute.overall_due_at) if d is not None]
    if any(calendar.is_overdue(due, now) for due in found):
        return RAG.RED
    if any(calendar.due_within(due, now, _AMBER_WINDOW) for due in found):
        return RAG.AMBER
    return RAG.GREEN


def overall_limit_facts(
    dispute: Dispute, now: datetime, calendar: WorkingDayCalendar
) -> list[tuple[str, str]]:
    """The overall limit of an open formal dispute, as a card fact ("passed" once it is)."""
    due = dispute.overall_due_at
    if not dispute.is_open or due is None:
        return []
    passed = " (passed)" if calendar.is_overdue(due, now) else ""
    return [("Overall limit", f"{format_due(due)}{passed}")]


def step_label(process: Process, key: str) -> str:
    """``Stage 2: Service Manager``, the informal stage's title, or the final step's title."""
    if process.final_step is not None and key == process.final_step.key:
        return process.final_step.title
    if not process.has_stage(key):
        return key or "Not yet sent"
    stage = process.stage(key)
    return stage.title if not stage.formal else f"Stage {key}: {stage.title}"


def tier_label(policy: Policy, process: Process, key: str, tier: int) -> str:
    """``step_label``, with the tier of management within the stage where it is above the
    first (``Stage 3, tier 2: Head of service``; seed 004 §2.10)."""
    if tier > tiers.FIRST and process.has_stage(key):
        return tiers.label(policy, process.stage(key), tier)
    return step_label(process, key)


def stage_label(policy: Policy, dispute: Dispute) -> str:
    """Where the dispute is (or, while awaiting agreement to open, where it would go); an
    escalation awaiting agreement names both where it is and where it is going."""
    process = policy.process(dispute.process)
    if dispute.stage:
        here = tier_label(policy, process, dispute.stage, dispute.tier)
    else:
        here = step_label(process, dispute.pending_stage)
    if dispute.stage and dispute.pending_stage:
        return f"{here}, going to {step_label(process, dispute.pending_stage)} once agreed"
    return here
