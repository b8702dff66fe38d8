"""What the outbox can owe: one kind, one payload dataclass and one dedupe-key format each.

The store keeps a kind as text and a payload as JSON; only this module spells them. The notifier
writes ``Owed`` rows; delivery picks a sender by kind, which reads its payload back.

To add an outbox kind: a member of ``OutboxKind``; a frozen payload dataclass with ``to_json``
and ``from_json`` (old rows may lack newer keys: give them defaults) in ``PAYLOADS``; a method
on ``notifier.Notifier`` that owes it; a sender registered in ``delivery.renderers`` (or by the
feature's own module, as ``delivery.compliments`` does); a test that it is delivered once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Protocol

from drp.events import JsonValue
from teams_bot.turn import Where

Json = dict[str, JsonValue]

REFRESH_RECIPIENT = "*posted-cards*"  # a refresh is owed to every card showing the dispute
MONITORING_RECIPIENT = "*monitoring*"  # owed to the monitoring channel itself, not a person


class OutboxKind(StrEnum):
    """Every kind of message the outbox holds."""

    DISPUTE_CARD = "dispute_card"  # the card someone must act on
    NOTICE = "notice"  # someone is told of a step (copied, alerted, informed)
    REFRESH = "refresh"  # every posted card of a dispute updated, the board card posted
    REMINDER = "reminder"  # a deadline is near or passed
    DIGEST = "digest"  # the working-day morning's list
    DELIVERY_FAILED = "delivery_failed"  # the monitoring channel's note of a message given up
    MENTION = "mention"  # an @mention on the monitoring channel: Teams refused a 1:1 chat
    COMPLIMENT = "compliment"  # recognition of good practice
    MAILBOX_COPY = "mailbox_copy"  # a step e-mailed to a mailbox the policy names
    LEAVER_FLAG = "leaver_flag"  # someone left holding a dispute and no deputy took it on
    ACTION_REMINDER = "action_reminder"  # an agreed action is due by the next working day

    @property
    def to_monitoring(self) -> bool:
        """Whether this kind is posted on the monitoring channel rather than to a person."""
        return self in {OutboxKind.DELIVERY_FAILED, OutboxKind.MENTION, OutboxKind.LEAVER_FLAG}


def dedupe_key(*parts: object) -> str:
    """The one dedupe-key format: the parts joined by colons, the dispute's reference first
    where there is one (``drp.deadlines.Due.key`` spells deadline moments the same way)."""
    return ":".join(str(part) for part in parts)


def event_key(reference: str, sequence: int, kind: OutboxKind, recipient: str = "") -> str:
    """The key of a message about one event of a dispute (a refresh has no recipient)."""
    if recipient:
        return dedupe_key(reference, sequence, kind.value, recipient)
    return dedupe_key(reference, sequence, kind.value)


def board_key(reference: str, version: int, conversation_id: str) -> str:
    """The key of the refresh that puts a dispute on a newly chosen monitoring channel."""
    return dedupe_key(reference, version, "board", conversation_id)


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a command came from: the connector to use for anyone not yet in a 1:1 chat."""

    service_url: str
    tenant_id: str

    @classmethod
    def of(cls, where: Where) -> Origin:
        """The origin of a turn."""
        return cls(where.service_url, where.tenant_id)

    def to_json(self) -> Json:
        """The payload keys a connector is kept under."""
        return {"service_url": self.service_url, "tenant_id": self.tenant_id}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Origin:
        """Read it back ("" where a row has none)."""
        return cls(str(data.get("service_url") or ""), str(data.get("tenant_id") or ""))


@dataclass(frozen=True, slots=True)
class EventMessage:
    """A dispute card or a notice about one event (``DISPUTE_CARD``, ``NOTICE``)."""

    event: str
    sequence: int
    origin: Origin
    audience: str = ""
    automatic: bool = False  # the system escalated it (the chair's notice says so)

    def to_json(self) -> Json:
        """The stored payload."""
        found: Json = {"event": self.event, "sequence": self.sequence, **self.origin.to_json()}
        found["audience"] = self.audience
        if self.automatic:
            found["automatic"] = True
        return found

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> EventMessage:
        """Read a stored payload."""
        return cls(
            str(data.get("event") or ""),
            _int(data.get("sequence")),
            Origin.from_json(data),
            str(data.get("audience") or ""),
            bool(data.get("automatic")),
        )


@dataclass(frozen=True, slots=True)
class Refresh:
    """Every posted card of a dispute to redraw: after an event, a deadline moment (amber,
    red) or a new monitoring channel."""

    sequence: int
    origin: Origin
    event: str = ""
    moment: str = ""

    def to_json(self) -> Json:
        """The stored payload."""
        found: Json = {"sequence": self.sequence, **self.origin.to_json()}
        if self.event:
            found["event"] = self.event
        if self.moment:
            found["moment"] = self.moment
        return found

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Refresh:
        """Read a stored payload."""
        return cls(
            _int(data.get("sequence")),
            Origin.from_json(data),
            str(data.get("event") or ""),
            str(data.get("moment") or ""),
        )


@dataclass(frozen=True, slots=True)
class Reminder:
    """A reminder about one deadline of one stage (``due_at`` as ``instant_key`` spells it;
    ``stage`` is ``drp.deadlines.where``: ``3/2`` at a stage's tier 2 of management)."""

    occasion: str
    stage: str
    due_at: str
    origin: Origin

    def to_json(self) -> Json:
        """The stored payload."""
        return {
            **self.origin.to_json(),
            "occasion": self.occasion,
            "stage": self.stage,
            "due_at": self.due_at,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Reminder:
        """Read a stored payload."""
        return cls(
            str(data.get("occasion") or ""),
            str(data.get("stage") or ""),
            str(data.get("due_at") or ""),
            Origin.from_json(data),
        )


@dataclass(frozen=True, slots=True)
class Digest:
    """A working day's digest for one person."""

    day: date
    origin: Origin

    def to_json(self) -> Json:
        """The stored payload."""
        return {"day": self.day.isoformat(), **self.origin.to_json()}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Digest:
        """Read a stored payload."""
        return cls(date.fromisoformat(str(data.get("day"))), Origin.from_json(data))


@dataclass(frozen=True, slots=True)
class MonitoringNote:
    """About another outbox message, for the monitoring channel (``DELIVERY_FAILED``,
    ``MENTION``): ids and codes only, never content."""

    person: str
    kind: str
    attempts: int
    error: str
    message_id: int

    def to_json(self) -> Json:
        """The stored payload."""
        return {
            "person": self.person,
            "kind": self.kind,
            "attempts": self.attempts,
            "error": self.error,
            "message_id": self.message_id,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> MonitoringNote:
        """Read a stored payload."""
        return cls(
            str(data.get("person") or ""),
            str(data.get("kind") or ""),
            _int(data.get("attempts")),
            str(data.get("error") or ""),
            _int(data.get("message_id")),
        )


@dataclass(frozen=True, slots=True)
class ComplimentSent:
    """A compliment card for its practitioner or team manager."""

    compliment: int
    origin: Origin

    def to_json(self) -> Json:
        """The stored payload."""
        return {"compliment": self.compliment, **self.origin.to_json()}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ComplimentSent:
        """Read a stored payload."""
        return cls(_int(data.get("compliment")), Origin.from_json(data))


@dataclass(frozen=True, slots=True)
class MailboxCopy:
    """One step of a dispute (``event`` number ``sequence``) for a policy's mailbox, by key."""

    mailbox: str
    event: str
    sequence: int

    def to_json(self) -> Json:
        """The stored payload."""
        return {"mailbox": self.mailbox, "event": self.event, "sequence": self.sequence}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> MailboxCopy:
        """Read a stored payload."""
        return cls(
            str(data.get("mailbox") or ""),
            str(data.get("event") or ""),
            _int(data.get("sequence")),
        )


def mailbox_recipient(key: str) -> str:
    """The outbox recipient of a mailbox's copies (one lane: its copies go in order)."""
    return f"mailbox:{key}"


@dataclass(frozen=True, slots=True)
class LeaverFlag:
    """For the board: ``person`` left holding these ``parts`` of a dispute at ``stage``, and
    nobody is named to take it on (ids and codes only)."""

    person: str
    parts: tuple[str, ...]
    stage: str

    def to_json(self) -> Json:
        """The stored payload."""
        return {"person": self.person, "parts": list(self.parts), "stage": self.stage}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> LeaverFlag:
        """Read a stored payload."""
        parts = data.get("parts")
        held = tuple(str(p) for p in parts) if isinstance(parts, list) else ()
        return cls(str(data.get("person") or ""), held, str(data.get("stage") or ""))


@dataclass(frozen=True, slots=True)
class ActionReminder:
    """An agreed action's owner reminded the working day before its complete-by date."""

    number: int
    complete_by: date
    origin: Origin

    def to_json(self) -> Json:
        """The stored payload."""
        return {
            **self.origin.to_json(),
            "number": self.number,
            "complete_by": self.complete_by.isoformat(),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ActionReminder:
        """Read a stored payload."""
        day = date.fromisoformat(str(data.get("complete_by") or "1970-01-01"))
        return cls(int(data.get("number") or 0), day, Origin.from_json(data))


Payload = (
    EventMessage
    | Refresh
    | Reminder
    | Digest
    | MonitoringNote
    | ComplimentSent
    | MailboxCopy
    | LeaverFlag
    | ActionReminder
)

PAYLOADS: dict[OutboxKind, type[Payload]] = {
    OutboxKind.DISPUTE_CARD: EventMessage,
    OutboxKind.NOTICE: EventMessage,
    OutboxKind.REFRESH: Refresh,
    OutboxKind.REMINDER: Reminder,
    OutboxKind.DIGEST: Digest,
    OutboxKind.DELIVERY_FAILED: MonitoringNote,
    OutboxKind.MENTION: MonitoringNote,
    OutboxKind.COMPLIMENT: ComplimentSent,
    OutboxKind.MAILBOX_COPY: MailboxCopy,
    OutboxKind.LEAVER_FLAG: LeaverFlag,
    OutboxKind.ACTION_REMINDER: ActionReminder,
}


@dataclass(frozen=True, slots=True)
class Owed:
    """One outbox row to write: to whom, what, under which dedupe key, from when."""

    recipient: str
    kind: OutboxKind
    key: str
    payload: Payload
    due_at: datetime
    reference: str | None = None


class OutboxWriter(Protocol):
    """Where the notifier writes: the transaction's outbox, or a dry run's plan."""

    async def owe(self, owed: Owed) -> bool:
        """Owe the row; False (and nothing written) if its dedupe key is already owed."""
        ...

    async def owe_all(self, rows: Sequence[Owed]) -> None:
        """Owe each row whose dedupe key is not owed already (in one write where it can)."""
        ...

    async def already_owed(self, keys: list[str]) -> set[str]:
        """Which of these dedupe keys are owed already."""
        ...


def _int(value: object) -> int:
    try:
        return int(str(value))
    except ValueError:
        return 0
