"""Delivering compliment cards to the practitioner and team manager: registered into the
deliverer's senders as the ``compliment`` kind."""

from __future__ import annotations

from cards.compliment import compliment_card
from store.rows import OutboxMessage, Person
from store.store import Transaction
from teams_bot.compliment_views import compliment_view
from teams_bot.delivery.senders import Outlet, Rendered, Senders, to_person
from teams_bot.outbox_kinds import ComplimentSent, OutboxKind
from teams_bot.turn import DeliveryError


def register(senders: Senders) -> None:
    """Send compliment cards through ``senders``."""
    senders.register(OutboxKind.COMPLIMENT, to_person(compliment))


async def compliment(
    outlet: Outlet, tx: Transaction, message: OutboxMessage, person: Person
) -> Rendered:
    """The compliment as its recipient sees it (with Acknowledge until they have)."""
    sent = ComplimentSent.from_json(message.payload)
    found = await tx.compliments.get(sent.compliment)
    if found is None:
        raise DeliveryError(404, "recipient or compliment no longer exists")
    # Those the profile copies read it; the practitioner and team manager acknowledge.
    named = person.id in (found.to_practitioner, found.team_manager)
    may_ack = named and found.acknowledged_by != person.id
    view = await compliment_view(tx, found)
    return Rendered(compliment_card(view, may_ack, outlet.renderer.keys))
