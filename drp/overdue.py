"""What is overdue now: each open dispute's current deadline (its response's, or the chair's
review's) and those passed at a given instant, with working days over.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from drp.calendar import WorkingDayCalendar
from drp.model import Dispute, Status
from drp.report import Overdue, RaiserGroup
from drp.roles import Role


@dataclass(frozen=True, slots=True)
class OpenDeadline:
    """An open dispute's current deadline: its response's, or the chair's review's."""

    reference: str
    stage: str
    raiser_role: Role
    due_at: datetime


def open_deadline(dispute: Dispute) -> OpenDeadline | None:
    """The dispute's current deadline, if it has one (see ``current_deadline``)."""
    due = current_deadline(dispute)
    if due is None:
        return None
    return OpenDeadline(dispute.reference, dispute.stage, dispute.raiser_role, due)


def overdue(
    deadlines: Iterable[OpenDeadline], now: datetime, calendar: WorkingDayCalendar
) -> tuple[Overdue, ...]:
    """The deadlines passed at ``now``, with working days over, oldest first."""
    found = [
        Overdue(
            d.reference,
            d.stage,
            RaiserGroup.of(d.raiser_role),
            d.due_at,
            max(calendar.working_days_between(d.due_at, now), 0),
        )
        for d in deadlines
        if calendar.is_overdue(d.due_at, now)
    ]
    return tuple(sorted(found, key=lambda o: (o.due_at, o.reference)))


def current_deadline(dispute: Dispute) -> datetime | None:
    """The response deadline while awaiting a response, the chair's review deadline while
    awaiting review; None otherwise (closed, external, awaiting agreement)."""
    if dispute.status == Status.AWAITING_RESPONSE:
        return dispute.due_at
    if dispute.status == Status.AWAITING_REVIEW:
        return dispute.review_due_at
    return None
