"""Delivering compliment cards (kind ``compliment``) to the practitioner and team manager."""

from __future__ import annotations

from cards.compliment import compliment_card
from store.rows import OutboxMessage
from teams_bot.compliment_views import KIND, compliment_view
from teams_bot.delivery.engine import Deliverer
from teams_bot.turn import DeliveryError


class ComplimentDeliverer(Deliverer):
    """The outbox deliverer, also posting compliment cards (kind ``compliment``)."""

    async def _send(self, message: OutboxMessage) -> None:
        if message.kind != KIND:
            await super()._send(message)
            return
        async with self.store.transaction() as tx:
            person = await tx.directory.person(message.recipient)
            found = await tx.compliments.get(int(str(message.payload.get("compliment", 0))))
            if person is None or found is None:
                raise DeliveryError(404, "recipient or compliment no longer exists")
            may_ack = found.acknowledged_by != person.id
            card = compliment_card(await compliment_view(tx, found), may_ack, self.renderer.keys)
            reference = await self._conversation(tx, person, message.payload)
        await self.messenger.send(reference, card)
