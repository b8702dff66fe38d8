"""Render stored disputes into cards for one person: the view, the viewer, the refresh ids."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime

from cards.board import monitoring_card
from cards.dispute import dispute_card, dispute_summary_card
from cards.verbs import KeyFactory
from cards.views import DisputeView, Viewer, ViewerKind
from drp.machine import Context, current_stage
from drp.model import Dispute
from store.rows import Person
from store.store import Transaction
from teams_bot import messages, parties
from teams_bot.gate import Sight, Standing, sight_of
from teams_bot.turn import Card


class Renderer:
    """Builds each person's view of a dispute from the store."""

    def __init__(self, ctx: Context, keys: KeyFactory) -> None:
        self.ctx = ctx
        self.keys = keys

    async def view(self, tx: Transaction, dispute: Dispute) -> DisputeView:
        """The dispute with its history and the names of everyone in it."""
        return (await self._view(tx, dispute))[0]

    async def _view(
        self, tx: Transaction, dispute: Dispute
    ) -> tuple[DisputeView, Mapping[str, Person]]:
        """The view, and everyone in it from the directory (read once, in one go)."""
        events = tuple(await tx.disputes.events(dispute.reference))
        ids = {event.actor for event in events} | set(parties.party_ids(dispute))
        people = await tx.directory.people_by_id(ids)
        names = {person_id: person.name for person_id, person in people.items()}
        return DisputeView(dispute, events, names, dispute.team), people

    async def dispute(
        self,
        tx: Transaction,
        sight: Sight,
        now: datetime,
        *,
        values: Mapping[str, str] | None = None,
        errors: Mapping[str, str] | None = None,
    ) -> Card:
        """The card the gate lets this person see: actions only where the machine would
        accept them; read-only for someone copied or alerted. An outsider's sight has no
        dispute to render (``gate.Hidden``)."""
        dispute = sight.dispute
        who = await self._viewer(tx, sight, now)
        person = sight.person
        if person is not None and person.active:
            who = replace(who, held=frozenset(grant.role for grant in person.roles))
        view, people = await self._view(tx, dispute)
        refresh_ids = parties.teams_ids(people, parties.party_ids(dispute))
        return dispute_card(
            view,
            who,
            self.ctx.policy,
            now,
            self.ctx.calendar,
            refresh_user_ids=refresh_ids,
            key_factory=self.keys,
            values=values,
            errors=errors,
        )

    async def posted(
        self,
        tx: Transaction,
        dispute: Dispute,
        person_id: str,
        now: datetime,
        *,
        person: Person | None = None,
    ) -> Card:
        """A card the bot itself sends or keeps up to date, through the gate all the same (a
        card in the chat of someone who no longer may see it shows only the reference);
        ``person``: their directory entry if this turn has already read it."""
        sight = await sight_of(tx, self.ctx, dispute, person_id, now, person=person)
        if not sight.sees:
            return messages.not_yours(dispute.reference)
        return await self.dispute(tx, sight, now)

    async def _viewer(self, tx: Transaction, sight: Sight, now: datetime) -> Viewer:
        if sight.standing == Standing.INFORMED:
            return Viewer(sight.person_id, ViewerKind.OTHER)
        today = self.ctx.calendar.local_date(now)
        return await parties.viewer(
            tx, sight.dispute, sight.person_id, today, self.ctx.policy, person=sight.person
        )

    async def summary(self, tx: Transaction, dispute: Dispute, now: datetime) -> Card:
        """The short card for people copied or alerted: initials, stage, due date."""
        view = await self.view(tx, dispute)
        return dispute_summary_card(view, now, self.ctx.calendar, self.ctx.policy, self.keys)

    def monitoring(self, dispute: Dispute, now: datetime) -> Card:
        """The least a monitoring channel needs: no names."""
        stage = current_stage(dispute, self.ctx)
        owner = self.ctx.policy.roles.titles(stage.responsible) if stage else ""
        return monitoring_card(
            dispute, self.ctx.policy, dispute.team, owner, now, self.ctx.calendar
        )
