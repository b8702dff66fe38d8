"""What the repositories return besides domain values: immutable records of stored rows."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from drp.events import JsonValue
from drp.model import Action
from drp.roles import Role

TEAMS_CHANNEL = "teams"
EMAIL_CHANNEL = "email"  # a partner outside the council's Teams: e-mail and /respond/
CHANNELS = (TEAMS_CHANNEL, EMAIL_CHANNEL)

Json = Mapping[str, JsonValue]
# A Bot Framework conversation reference as JSON; the store never looks inside it.
ConversationRef = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class RoleGrant:
    """One role a person holds; ``team`` is "" for an organisation-wide role."""

    role: Role
    team: str = ""


@dataclass(frozen=True, slots=True)
class Person:
    """Someone in the directory, with the Teams identifiers the bot has learnt."""

    id: str
    email: str
    name: str
    team: str = ""
    roles: tuple[RoleGrant, ...] = ()
    aad_object_id: str | None = None
    teams_user_id: str | None = None
    conversation_ref: ConversationRef | None = None
    deputy_id: str | None = None
    deputy_from: date | None = None
    deputy_to: date | None = None
    source: str = "csv"
    left_at: datetime | None = None
    channel: str = "teams"  # how the bot reaches them: "teams", or "email" (a partner agency)
    agency: str = ""  # the agency they work for, if not the council (a health trust, police)

    @property
    def by_email(self) -> bool:
        """Reached by e-mail only (outside the council's Teams): notices go to their inbox."""
        return self.channel == EMAIL_CHANNEL

    @property
    def active(self) -> bool:
        """Still with the organisation (a leaver keeps their row for the records)."""
        return self.left_at is None

    def has_role(self, role: Role, team: str | None = None) -> bool:
        """Whether this person holds ``role`` (in ``team``, if one is given)."""
        return any(g.role == role and (team is None or g.team == team) for g in self.roles)

    def deputy_on(self, day: date) -> str | None:
        """The deputy's id if one is named and the day is within the deputy's dates."""
        if self.deputy_id is None:
            return None
        starts, ends = self.deputy_from or date.min, self.deputy_to or date.max
        return self.deputy_id if starts <= day <= ends else None


@dataclass(frozen=True, slots=True)
class Team:
    """A team and who holds each team role in it (person ids)."""

    name: str
    holders: Mapping[Role, tuple[str, ...]] = field(default_factory=dict)

    def of(self, role: Role) -> tuple[str, ...]:
        """The ids of the people holding ``role`` in this team."""
        return self.holders.get(role, ())

    @property
    def team_managers(self) -> tuple[str, ...]:
        """Stage 1 owners in most policies."""
        return self.of(Role.TEAM_MANAGER)

    @property
    def service_managers(self) -> tuple[str, ...]:
        """Stage 2 owners in most policies."""
        return self.of(Role.SERVICE_MANAGER)


@dataclass(frozen=True, slots=True)
class DirectoryEntry:
    """One validated row of a directory file (people are matched on e-mail)."""

    line: int
    email: str
    name: str
    roles: tuple[RoleGrant, ...]
    team: str = ""
    aad_object_id: str | None = None
    teams_user_id: str | None = None
    deputy_email: str | None = None
    deputy_from: date | None = None
    deputy_to: date | None = None
    channel: str = "teams"
    agency: str = ""
    # The partner agency the row's teams belong to; None where the file has no such column.
    partner_agency: str | None = None


@dataclass(frozen=True, slots=True)
class SyncedPerson:
    """One person as a directory source (Entra ID) says they are now, matched on their object
    id, then their e-mail. ``deputy_email`` None keeps the deputy already stored."""

    aad_object_id: str
    email: str
    name: str
    roles: tuple[RoleGrant, ...]
    team: str = ""
    deputy_email: str | None = None


@dataclass(frozen=True, slots=True)
class SyncState:
    """Where a directory source's last sync left off."""

    source: str
    users_delta: str | None = None
    groups_delta: str | None = None
    mapping_digest: str | None = None
    synced_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ImportSummary:
    """What a directory import changed."""

    added: int
    updated: int
    teams: int
    roles: Mapping[Role, int]

    def __str__(self) -> str:
        roles = ", ".join(f"{role.value} {n}" for role, n in sorted(self.roles.items()))
        people = self.added + self.updated
        return (
            f"imported {people} people ({self.added} new, {self.updated} updated)"
            f" in {self.teams} teams; roles: {roles}"
        )


@dataclass(frozen=True, slots=True)
class StageVisit:
    """One visit of a dispute to a stage: who owned it, when it was entered, due and left."""

    reference: str
    stage: str
    owners: tuple[str, ...]
    entered_sequence: int
    entered_at: datetime
    first_due_at: datetime | None
    due_at: datetime | None
    left_sequence: int | None
    left_at: datetime | None


@dataclass(frozen=True, slots=True)
class ResponseRecord:
    """A manager's response at a stage, with its SMART action plan."""

    reference: str
    sequence: int
    stage: str
    responded_by: str
    on_behalf_of: str
    at: datetime
    response: str
    actions: tuple[Action, ...]
    practice_issues: str
    on_time: bool
    due_at: datetime | None


@dataclass(frozen=True, slots=True)
class ReviewRecord:
    """The chair's decision on a response: resolved, extended or escalated."""

    reference: str
    sequence: int
    stage: str
    reviewer: str
    at: datetime
    decision: str
    comments: str
    updated_concerns: str = ""
    to_stage: str = ""
    due_at: datetime | None = None
    automatic: bool = False


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    """A notification owed to someone, and how its delivery is going."""

    id: int
    recipient: str
    kind: str
    reference: str | None
    dedupe_key: str
    payload: Json
    due_at: datetime
    attempts: int = 0
    last_error: str | None = None
    lease_owner: str | None = None
    lease_expires_at: datetime | None = None
    sent_at: datetime | None = None
    failed: bool = False


@dataclass(frozen=True, slots=True)
class StoredResult:
    """What a command returned the first time, kept under its idempotency key."""

    key: str
    result: Json
    reference: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class PostedCard:
    """Which activity shows which dispute to whom, so the card can be updated in place."""

    reference: str
    recipient: str
    kind: str
    conversation_id: str
    activity_id: str
    conversation_ref: ConversationRef
    posted_at: datetime
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """A refused attempt or a record export: who, what, when (ids and codes, no content)."""

    at: datetime
    actor: str
    action: str
    reference: str | None = None
    detail: Json = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Compliment:
    """Recognition of good practice sent to a practitioner and their team manager."""

    id: int
    from_person: str
    to_practitioner: str
    team_manager: str
    text: str
    created_at: datetime
    reference: str | None = None
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None
