"""Domain events: the append-only record of every accepted command."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

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

    @property
    def label(self) -> str:
        """A human label for the chronology."""
        return self.value.replace("_", " ").capitalize()


@dataclass(frozen=True, slots=True)
class Event:
    """Who did what to which dispute, when, moving it from one stage to another."""

    reference: str
    sequence: int
    kind: EventKind
    actor: str
    actor_role: Role
    at: datetime
    from_stage: str
    to_stage: str
    payload: Mapping[str, JsonValue] = field(default_factory=dict)
