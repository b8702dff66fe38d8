"""The gate: who is asking about a dispute, decided before anything of it is rendered.

Every reply that shows a dispute (an invoke for any verb, version or nonce, a refresh, ``show``,
the case record, a notice's button, a replay, a card delivered or refreshed) starts from
``look`` or ``sight_of`` and gets a ``Sight``: what this person may see of it. The renderer takes
a ``Sight``, never a bare ``Dispute``, and an outsider's ``Sight`` gives nothing but the
reference, so a handler cannot render what the gate did not allow.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from drp.machine import Context
from drp.model import Dispute
from drp.policy import Access
from store.rows import Person
from store.store import Transaction
from teams_bot import inputs, parties
from teams_bot.outbox_kinds import OutboxKind

# Audit actions of the gate (codes only; the detail holds the verb, state and attempt).
REFUSED = "refused"  # a button pressed by someone who may not act, or a stale/replayed click
VIEW_REFUSED = "view_refused"  # an outsider asked to see it
READ_ONLY_VIEW = "read_only_view"  # someone copied or alerted opened it
# What the outbox owes someone who is told of a step: having been told lets them read it.
TOLD = (OutboxKind.NOTICE.value, OutboxKind.DISPUTE_CARD.value)


class Standing(StrEnum):
    """How a person stands to one dispute."""

    PARTY = "party"  # raiser, owner or deputy, approver, decider, named practitioner, or was one
    OVERSEER = "overseer"  # holds a role the profile's [access] oversee names
    INFORMED = "informed"  # copied or alerted by one of its steps: reads it, acts on nothing
    OUTSIDER = "outsider"  # gets the reference back and nothing else


class Attempt(StrEnum):
    """What a non-party tried, as the audit log records it."""

    VIEW = "view"
    ACT = "act"
    STALE = "stale"
    REPLAYED = "replayed"


class Hidden(Exception):
    """An outsider's sight was asked for the dispute itself: a bug, never a leak."""


@dataclass(frozen=True, slots=True)
class Sight:
    """What one person may see of one dispute; made by the gate only."""

    reference: str
    person_id: str
    standing: Standing
    _dispute: Dispute | None = field(default=None, repr=False)
    # The directory entry the gate decided on (None: not in the directory), so rendering
    # for this sight need not read it again.
    _person: Person | None = field(default=None, repr=False)

    @property
    def sees(self) -> bool:
        """Whether the person may see the dispute's details."""
        return self.standing != Standing.OUTSIDER and self._dispute is not None

    @property
    def dispute(self) -> Dispute:
        """The dispute, for someone who may see it; ``Hidden`` for an outsider."""
        if not self.sees or self._dispute is None:
            raise Hidden(self.reference)
        return self._dispute

    @property
    def state(self) -> str:
        """The dispute's status code (for the audit log, never shown to an outsider)."""
        return self._dispute.status.value if self._dispute is not None else ""

    @property
    def person(self) -> Person | None:
        """The person the gate decided on, as the directory had them (None: not in it)."""
        return self._person


async def look(
    tx: Transaction, ctx: Context, person: Person, reference: str, now: datetime
) -> Sight | None:
    """The person's sight of the dispute with this reference; None if there is none (a
    reference of the wrong shape is looked up nowhere)."""
    if not inputs.is_reference(reference):
        return None
    dispute = await tx.disputes.find(reference)
    if dispute is None:
        return None
    today = ctx.calendar.local_date(now)
    standing = await standing_of(tx, ctx.policy.access, dispute, person, today)
    return Sight(reference, person.id, standing, dispute, person)


async def sight_of(
    tx: Transaction,
    ctx: Context,
    dispute: Dispute,
    person_id: str,
    now: datetime,
    *,
    person: Person | None = None,
) -> Sight:
    """The sight of someone the bot itself writes to (a card owed, a posted card refreshed);
    ``person``: their directory entry if the caller has just read it (else read here)."""
    today = ctx.calendar.local_date(now)
    if person is None or person.id != person_id:
        person = await tx.directory.person(person_id)
    if person is None:
        party = await parties.is_party(tx, dispute, person_id, today)
        standing = Standing.PARTY if party else Standing.OUTSIDER
    else:
        standing = await standing_of(tx, ctx.policy.access, dispute, person, today)
    return Sight(dispute.reference, person_id, standing, dispute, person)


async def standing_of(
    tx: Transaction, access: Access, dispute: Dispute, person: Person, today: date
) -> Standing:
    """Party first (now or before), then overseer, then told of a step; else outsider."""
    if await parties.is_party(tx, dispute, person.id, today):
        return Standing.PARTY
    if any(person.has_role(role) for role in access.oversee):
        return Standing.OVERSEER
    if await _took_part(tx, dispute.reference, person.id):
        return Standing.PARTY
    if await tx.outbox.told(dispute.reference, person.id, TOLD):
        return Standing.INFORMED
    return Standing.OUTSIDER


async def may_see(
    tx: Transaction, access: Access, dispute: Dispute, person: Person, today: date
) -> bool:
    """Whether the person may see the dispute's details (for surfaces other than cards, such
    as the tab's pages: the same standing decides)."""
    return await standing_of(tx, access, dispute, person, today) != Standing.OUTSIDER


async def _took_part(tx: Transaction, reference: str, person_id: str) -> bool:
    """An owner of an earlier stage, or anyone who acted on it."""
    if any(person_id in visit.owners for visit in await tx.disputes.visits(reference)):
        return True
    return any(event.actor == person_id for event in await tx.disputes.events(reference))


async def record(
    tx: Transaction, sight: Sight, verb: str, attempt: Attempt, now: datetime
) -> None:
    """Audit what a non-party tried (a party's own clicks are the dispute's record); an
    overseer's reading is their job and is not recorded, a copied person's is."""
    if sight.standing == Standing.PARTY:
        return
    if attempt == Attempt.VIEW:
        if sight.standing == Standing.OVERSEER:
            return
        action = VIEW_REFUSED if sight.standing == Standing.OUTSIDER else READ_ONLY_VIEW
    else:
        action = REFUSED
    detail = {"verb": verb, "state": sight.state, "attempt": attempt.value}
    await tx.audit.record(
        action, sight.person_id, at=now, reference=sight.reference, detail=detail
    )


def needs_record(sight: Sight, attempt: Attempt) -> bool:
    """Whether ``record`` would write (so a read-only path knows it must take a write)."""
    if sight.standing == Standing.PARTY:
        return False
    return not (attempt == Attempt.VIEW and sight.standing == Standing.OVERSEER)


async def record_replay(
    tx: Transaction, person_id: str, reference: str, verb: str, now: datetime
) -> None:
    """Audit a nonce replayed by someone who did not first use it (whoever they are)."""
    ref = reference if inputs.is_reference(reference) else None
    detail = {"verb": verb, "attempt": Attempt.REPLAYED.value}
    await tx.audit.record(REFUSED, person_id, at=now, reference=ref, detail=detail)
