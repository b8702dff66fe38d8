"""What every decision needs besides the dispute (the policy and the working-day clock), what an
effect produces, and the policy's view of where a dispute stands."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from drp import tiers
from drp.calendar import WorkingDayCalendar
from drp.events import Payload
from drp.model import Dispute, Outcome, Status
from drp.policy import Policy, Process, Stage


@dataclass(frozen=True, slots=True)
class Context:
    """What every decision needs besides the dispute: the policy and the working-day clock."""

    policy: Policy
    calendar: WorkingDayCalendar


@dataclass(frozen=True, slots=True)
class Change:
    """What an effect produces: the new dispute and the event's payload."""

    dispute: Dispute
    payload: Payload


def process_of(dispute: Dispute, ctx: Context) -> Process:
    """The policy process this dispute follows."""
    return ctx.policy.process(dispute.process)


def current_stage(dispute: Dispute, ctx: Context) -> Stage | None:
    """The internal stage the dispute is at, as its current tier's owners see it (the tier's
    responding roles), or None (awaiting agreement to open, external)."""
    process = process_of(dispute, ctx)
    if not process.has_stage(dispute.stage):
        return None
    return tiers.at(process.stage(dispute.stage), dispute.tier)


def close(dispute: Dispute, at: datetime, outcome: Outcome) -> Dispute:
    """The dispute closed with ``outcome``: nobody owes anything any more."""
    return replace(
        dispute,
        status=Status.CLOSED,
        outcome=outcome,
        closed_at=at,
        owners=(),
        approvers=(),
        deciders=(),
        review_due_at=None,
        pending_stage="",
        pending_due=None,
        pending_outcome=None,
        pending_note="",
        resume_status=None,
    )
