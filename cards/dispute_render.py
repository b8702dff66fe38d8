"""What every part of a dispute card is drawn from (``DisputeRender``), and how much of each
long text it shows (``Limits``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from cards import elements as el
from cards.action_input import REQUIRED
from cards.elements import Json
from cards.permissions import Options
from cards.verbs import KeyFactory, Verb
from cards.views import DisputeView, Viewer
from drp.calendar import WorkingDayCalendar
from drp.model import MAX_TEXT, Dispute
from drp.policy import Policy, Process


@dataclass(frozen=True, slots=True)
class Limits:
    """How much of each long text a dispute card shows (the case record has it all)."""

    long_text: int = 600
    name: int = 80
    smart_actions: int = 6
    events: int = 20
    event_text: int = 160
    tracked: int = 12  # agreed actions listed (open ones first)
    rows: int = 3  # rows for actions with dates on a form (cards.action_input.ACTION_ROWS)


NORMAL = Limits()
COMPACT = Limits(long_text=200, name=40, smart_actions=3, events=8, event_text=80, tracked=6)
# The last resort of the worst case (12 children, every text at its longest and all markup).
TIGHT = Limits(long_text=120, name=30, smart_actions=2, events=5, event_text=60, tracked=1, rows=1)


@dataclass(frozen=True, slots=True)
class DisputeRender:
    """Everything the parts of a dispute card need."""

    view: DisputeView
    viewer: Viewer
    policy: Policy
    now: datetime
    calendar: WorkingDayCalendar
    options: Options
    key_factory: KeyFactory
    values: Mapping[str, str]
    errors: Mapping[str, str]
    limits: Limits = NORMAL

    @property
    def dispute(self) -> Dispute:
        return self.view.dispute

    @property
    def process(self) -> Process:
        return self.policy.process(self.dispute.process)

    @property
    def today(self) -> date:
        return self.calendar.local_date(self.now)

    @property
    def step_title(self) -> str:
        final = self.process.final_step
        return final.title if final is not None else "the final step"

    def execute(self, title: str, verb: Verb, **options: Any) -> Json:
        dispute = self.dispute
        return el.execute(
            title, verb, dispute.reference, dispute.version, self.key_factory, **options
        )

    def field(self, element: Json) -> list[Json]:
        return [element, *el.error_text(self.errors.get(element["id"]))]

    def text_input(self, input_id: str, label: str, *, multiline: bool = True) -> list[Json]:
        required = input_id in REQUIRED
        element = el.input_text(
            input_id,
            label,
            value=self.values.get(input_id, ""),
            multiline=multiline,
            max_length=MAX_TEXT,
            required=required,
            error_message=f"{label}: this is required." if required else None,
        )
        return self.field(element)
