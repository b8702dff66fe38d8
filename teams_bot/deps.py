"""What handlers, the scheduler and delivery are given: the store, the policy, the clock, the
card renderer and the deliverer's wake-up. One small object, passed down at start-up."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from cards.verbs import KeyFactory
from drp.machine import Context
from store.rows import Person
from store.store import Store
from teams_bot import parties
from teams_bot.rendering import Renderer
from teams_bot.turn import ConversationKind, Turn, conversation_id_of

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


@dataclass(frozen=True, slots=True)
class Deps:
    """The running bot's parts a handler may use."""

    store: Store
    ctx: Context
    clock: Clock
    render: Renderer
    wake: Callable[[], None]

    @property
    def keys(self) -> KeyFactory:
        """Idempotency keys for the buttons of cards built now."""
        return self.render.keys

    async def caller(self, turn: Turn) -> Person | None:
        """Who sent the turn, from the directory (None: nobody the bot acts for); remembers
        their 1:1 chat when it is new. Read-only unless there is a chat to remember."""
        async with self.store.transaction(readonly=True) as tx:
            person = await parties.identify(tx, turn.user)
        if person is None:
            log.info("turn from a user not in the directory: activity=%s", turn.activity_id)
            return None
        if self.chat_changed(person, turn):
            now = self.clock()
            async with self.store.transaction() as tx:
                await tx.directory.save_conversation_reference(
                    person.id, turn.where.reference, at=now, teams_user_id=turn.user.id or None
                )
        return person

    @staticmethod
    def chat_changed(person: Person, turn: Turn) -> bool:
        """Whether the turn came from a 1:1 chat other than the one stored for the person
        (Teams may also move a chat to another connector, a new serviceUrl: keep the newest)."""
        if turn.where.kind != ConversationKind.PERSONAL or not turn.where.reference:
            return False
        stored = person.conversation_ref or {}
        moved = stored.get("serviceUrl") != turn.where.service_url
        return moved or conversation_id_of(stored) != turn.where.conversation_id
