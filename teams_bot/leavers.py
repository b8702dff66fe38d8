"""Leavers: someone left the organisation (the Entra ID sync, or ``directory import --replace``).

They are deactivated (no roles, so nothing routes to them; their row stays for the records) and
each open dispute they hold (raised, owe a response on, must agree) is handed to the deputy the
directory names for them, as a ``HandOver`` recorded on the dispute: the deputy gets its card.
With no deputy, each is flagged to the chairs' service manager on the monitoring board through
the outbox. One transaction per leaver; a dispute moved meanwhile by someone else is retried.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from drp import handover
from drp.commands import HandOver
from drp.machine import Context, decide
from drp.model import Actor, Dispute
from store.errors import StaleVersion
from store.rows import Person
from store.store import Store, Transaction
from teams_bot.notifier import Notifier
from teams_bot.scheduler import origin_for

log = logging.getLogger(__name__)

ATTEMPTS = 3


@dataclass
class Departure:
    """What one leaver's departure did: disputes handed to the deputy, and flagged."""

    person_id: str
    deputy_id: str = ""
    handed: list[str] = field(default_factory=list)
    flagged: list[str] = field(default_factory=list)
    left: bool = False


class Leavers:
    """Deactivates leavers and hands over what they hold."""

    def __init__(
        self,
        store: Store,
        ctx: Context,
        clock: Callable[[], datetime],
        wake: Callable[[], None] = lambda: None,
    ) -> None:
        self.store = store
        self.ctx = ctx
        self.clock = clock
        self.wake = wake

    async def leave(self, person_id: str, *, successor: str = "") -> Departure:
        """Deactivate one person and hand over (or flag) their open disputes; a person who
        already left only has what they still hold handed to ``successor`` if one is given."""
        for attempt in range(1, ATTEMPTS + 1):
            try:
                async with self.store.transaction() as tx:
                    departure = await self._leave(tx, person_id, successor, self.clock())
                break
            except StaleVersion:
                if attempt == ATTEMPTS:
                    raise
                log.info("leaver %s: a dispute moved meanwhile; trying again", person_id)
        if departure.handed or departure.flagged:
            self.wake()
        log.info(
            "leaver %s: %d handed to %s, %d flagged",
            person_id,
            len(departure.handed),
            departure.deputy_id or "-",
            len(departure.flagged),
        )
        return departure

    async def _leave(
        self, tx: Transaction, person_id: str, successor: str, now: datetime
    ) -> Departure:
        person = await tx.directory.person(person_id)
        departure = Departure(person_id)
        if person is None:
            return departure
        deputy = await self._successor(tx, person, successor, now)
        if person.active:
            await tx.directory.deactivate(person_id, at=now)
            departure.left = True
        elif not successor:
            return departure  # left before; nothing new to do
        departure.deputy_id = deputy
        for dispute in await held_by(tx, person_id):
            if deputy:
                await self._hand_over(tx, dispute, person_id, deputy, now)
                departure.handed.append(dispute.reference)
            elif await self._flag(tx, dispute, person, now):
                departure.flagged.append(dispute.reference)
        return departure

    async def _successor(
        self, tx: Transaction, person: Person, successor: str, now: datetime
    ) -> str:
        if successor:
            return successor
        deputy = await tx.directory.deputy_for(person.id, self.ctx.calendar.local_date(now))
        return deputy.id if deputy is not None else ""

    async def _hand_over(
        self, tx: Transaction, dispute: Dispute, leaver: str, deputy: str, now: datetime
    ) -> None:
        current = await tx.disputes.get(dispute.reference, lock=True)
        decision = decide(current, HandOver(Actor.system(), now, leaver, deputy), self.ctx)
        await tx.disputes.save(decision, expected_version=current.version, before=current)
        origin = await origin_for(tx, current)
        await Notifier(tx, self.ctx).fan_out(current, decision, origin, now)

    async def _flag(
        self, tx: Transaction, dispute: Dispute, person: Person, now: datetime
    ) -> bool:
        """Tell the chairs' service manager on the board that nobody took this over."""
        parts = parts_held(dispute, person.id)
        return await Notifier(tx, self.ctx).leaver_flag(dispute, person.id, parts, now)


async def held_by(tx: Transaction, person_id: str) -> list[Dispute]:
    """The open disputes a person holds: raised, owes a response on, must agree or decides."""
    return await tx.disputes.open_holding(person_id)


_WORDS = {
    "raiser": "raised it",
    "owner": "owes a response",
    "approver": "must agree it",
    "decider": "decides it",
    "practitioner": "is its named practitioner",
}


def parts_held(dispute: Dispute, person_id: str) -> tuple[str, ...]:
    """What the person holds in the dispute, in words the board shows."""
    return tuple(_WORDS[part] for part in handover.parts(dispute, person_id))
