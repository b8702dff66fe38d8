"""What people type in their 1:1 chat: welcome, help, mine, inbox, show. Thin handlers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from cards.lists import dispute_list_card, help_card, row_for, welcome_card
from drp.model import Dispute
from drp.roles import Role
from store.rows import Person
from store.store import Transaction
from teams_bot.deps import Deps
from teams_bot.handlers.disputes import DisputeActions
from teams_bot.router import Parsed
from teams_bot.turn import Card, ConversationKind, Reply, Turn, TurnKind

SHOW_WHICH = "Which dispute? Type show and its reference, e.g. show DRP-2026-000123."

CHANNEL_HELLO = (
    "Hello, I am the DRP bot. A chairs' service manager can make this channel the board of "
    "open escalations: mention me with **monitor here**."
)

Builder = Callable[[Transaction, Person, datetime], Awaitable[Card]]


def primary_role(person: Person) -> Role:
    """The role a person is greeted as (their first in the directory)."""
    return person.roles[0].role if person.roles else Role.PRACTITIONER


class ChatCommands:
    """The text commands of a 1:1 chat."""

    def __init__(self, deps: Deps, disputes: DisputeActions) -> None:
        self.deps = deps
        self.disputes = disputes
        self.ctx = deps.ctx

    async def _person_card(
        self, turn: Turn, person: Person, build: Builder, *, writes: bool = False
    ) -> Reply:
        now = self.deps.clock()
        async with self.deps.store.transaction(readonly=not writes) as tx:
            card = await build(tx, person, now)
        if turn.kind == TurnKind.ACTION:
            return Reply(invoke_card=card)
        return Reply(cards=(card,))

    async def welcome(self, turn: Turn, person: Person | None) -> Reply:
        """On install: greet the person in their role (and remember their chat); in a team,
        greet the channel, not the person who installed it."""
        if turn.where.kind != ConversationKind.PERSONAL or person is None:
            return Reply(texts=(CHANNEL_HELLO,))

        async def build(tx: Transaction, person: Person, now: datetime) -> Card:
            role = primary_role(person)
            return welcome_card(person.name, role, self.ctx.policy, self.deps.keys)

        return await self._person_card(turn, person, build)

    async def help(self, turn: Turn, person: Person, parsed: Parsed) -> Reply:
        """What this person can ask; unknown text lands here too, never silence."""

        async def build(tx: Transaction, person: Person, now: datetime) -> Card:
            return help_card(self.ctx.policy, primary_role(person), self.deps.keys)

        return await self._person_card(turn, person, build)

    async def mine(self, turn: Turn, person: Person, parsed: Parsed) -> Reply:
        """The disputes this person raised that are still open."""

        async def build(tx: Transaction, person: Person, now: datetime) -> Card:
            return self._list(
                "Your open disputes", await tx.disputes.open_for_raiser(person.id), now
            )

        return await self._person_card(turn, person, build)

    async def inbox(self, turn: Turn, person: Person, parsed: Parsed) -> Reply:
        """What waits for this person: responses owed (also as a deputy) and agreements."""

        async def build(tx: Transaction, person: Person, now: datetime) -> Card:
            today = self.ctx.calendar.local_date(now)
            owed = list(await tx.disputes.open_for_owner(person.id))
            for principal in await tx.directory.deputising_for(person.id, today):
                owed += await tx.disputes.open_for_owner(principal.id)
            owed += await tx.disputes.awaiting_approval_by(person.id)
            unique = list({d.reference: d for d in owed}.values())
            return self._list("Waiting for you", unique, now)

        return await self._person_card(turn, person, build)

    def _list(self, title: str, disputes: list[Dispute], now: datetime) -> Card:
        rows = [row_for(d, self.ctx.policy, now, self.ctx.calendar) for d in disputes]
        rows.sort(key=lambda row: (row.due is None, row.due))
        return dispute_list_card(title, rows, self.deps.keys)

    async def show(self, turn: Turn, person: Person, parsed: Parsed) -> Reply:
        """One dispute, as this person may see it."""
        if not parsed.argument:
            return Reply(texts=(SHOW_WHICH,))
        reference = parsed.argument

        async def build(tx: Transaction, person: Person, now: datetime) -> Card:
            return await self.disputes.card_for(tx, reference, person, now)

        return await self._person_card(turn, person, build, writes=True)

    async def show_verb(self, turn: Turn, person: Person) -> Reply:
        """The Show / Open button on lists and notices: that card becomes the live dispute card."""
        reference = str(turn.data.get("reference") or "")

        async def build(tx: Transaction, person: Person, now: datetime) -> Card:
            return await self.disputes.card_for(tx, reference, person, now, shown_in=turn)

        return await self._person_card(turn, person, build, writes=True)
