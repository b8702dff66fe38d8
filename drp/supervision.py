"""The supervision list (seed 001: outstanding DRPs reviewed in each chair's supervision)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from drp.calendar import WorkingDayCalendar
from drp.model import Dispute, Status
from drp.overdue import current_deadline


@dataclass(frozen=True, slots=True)
class OutstandingRow:
    """One open dispute of a chair: how long it has been open, where, and whether overdue."""

    reference: str
    initials: str
    stage: str
    status: Status
    raised_at: datetime
    days_open: int
    due_at: datetime | None
    overdue: bool
    overall_overdue: bool

    @property
    def flags(self) -> tuple[str, ...]:
        """Words for what is overdue (colour alone is not accessible)."""
        found = ["OVERDUE"] if self.overdue else []
        return (*found, "OVER OVERALL LIMIT") if self.overall_overdue else tuple(found)


def outstanding(
    disputes: Iterable[Dispute], now: datetime, calendar: WorkingDayCalendar
) -> tuple[OutstandingRow, ...]:
    """A chair's open disputes, longest open first: working days open (day 0 is the raise),
    stage, current deadline and overdue flags."""
    rows = []
    for d in disputes:
        if not d.is_open:
            continue
        due = current_deadline(d)
        overall = d.overall_due_at is not None and calendar.is_overdue(d.overall_due_at, now)
        rows.append(
            OutstandingRow(
                reference=d.reference,
                initials=d.initials,
                stage=d.stage or d.pending_stage,
                status=d.status,
                raised_at=d.raised_at,
                days_open=max(calendar.working_days_between(d.raised_at, now), 0),
                due_at=due,
                overdue=due is not None and calendar.is_overdue(due, now),
                overall_overdue=overall,
            )
        )
    return tuple(sorted(rows, key=lambda r: (r.raised_at, r.reference)))
