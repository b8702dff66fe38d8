"""The deadline ladder a dispute would follow if every stage used its full timescale."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from drp.calendar import WorkingDayCalendar
from drp.policy import Process


@dataclass(frozen=True, slots=True)
class TimelineStep:
    """One stage and its due date (None where the raiser sets the deadline)."""

    stage: str
    title: str
    due: date | None


@dataclass(frozen=True, slots=True)
class Timeline:
    """Each stage's due date from the starting stage onward, and the overall deadline."""

    start: date
    steps: tuple[TimelineStep, ...]
    final_due: date | None


def timeline(
    process: Process, start: date, calendar: WorkingDayCalendar, from_stage: str = "1"
) -> Timeline:
    """Due dates if each stage takes its full timescale and the next starts on that due date.

    The overall deadline is the process's overall limit counted from the day the formal
    stages start (the machine's rule: the informal stage is outside it), or else the last
    stage's due date. A stage whose deadline only the raiser sets has no due date here, and
    the next stage is counted from the last date known.
    """
    rank = process.rank(from_stage)
    steps: list[TimelineStep] = []
    day = formal_start = start
    for stage in process.all_stages():
        if process.rank(stage.key) < rank:
            continue
        due = calendar.due_date(day, stage.timescale) if stage.timescale else None
        steps.append(TimelineStep(stage.key, stage.title, due))
        day = due or day
        if not stage.formal:
            formal_start = day
    limit = process.overall_limit
    final_due = calendar.due_date(formal_start, limit) if limit is not None else steps[-1].due
    return Timeline(start, tuple(steps), final_due)
