"""Compliments (seeds 000, 001): the chair sends recognition of good practice to a practitioner
and their team manager, who acknowledge it. Thin handlers over one transaction each.

Sending stores the compliment and owes each recipient a card in the outbox, in one
transaction keyed by the click's idempotency key; the deliverer posts them after commit, so a
double click or a retry never sends twice and a crash never loses one.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from cards.banners import refusal_card
from cards.compliment import (
    ComplimentInput,
    compliment_card,
    compliment_form_card,
    parse_compliment,
)
from cards.verbs import nonce_of
from drp.roles import Role
from store.errors import DuplicateCommand
from store.rows import Person
from store.store import Transaction
from teams_bot import inputs
from teams_bot.audited_reads import RAISERS, home_team
from teams_bot.compliment_views import ComplimentText, compliment_view
from teams_bot.deps import Deps
from teams_bot.notifier import Notifier
from teams_bot.once import Earlier, Keep, idempotent
from teams_bot.outbox_kinds import Origin
from teams_bot.router import Parsed
from teams_bot.turn import Card, Reply, Turn

log = logging.getLogger(__name__)

ACKNOWLEDGED = "compliment_acknowledged"
ONLY_CHAIRS = "Compliments are sent by chairs and IROs."
NOT_FOR_YOU = "Only the practitioner and their team manager acknowledge this compliment."
UNKNOWN = "There is no such compliment."
ALREADY_SENT = "this compliment has already been sent"
NO_TEAM_MANAGER = "No team manager is recorded for {team}; add one to the directory first."
NOT_A_PRACTITIONER = "Choose a practitioner from the list."


def _compliment_id(data: Mapping[str, Any]) -> int | None:
    try:
        return int(str(data.get("reference") or ""))
    except ValueError:
        return None


class Compliments:
    """``compliment`` (the form), Send (``drp.compliment``), Acknowledge (``drp.acknowledge``)."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    async def form(self, turn: Turn, person: Person, parsed: Parsed) -> Reply:
        """The compliment form, for chairs and IROs."""
        async with self.deps.store.transaction(readonly=True) as tx:
            if not any(person.has_role(role) for role in RAISERS):
                return Reply(texts=(ONLY_CHAIRS,))
            card = await self._form(tx, {}, {})
        return Reply(cards=(card,))

    async def _form(
        self, tx: Transaction, values: Mapping[str, str], errors: Mapping[str, str]
    ) -> Card:
        practitioners = await tx.directory.people(role=Role.PRACTITIONER)
        people = [
            (p.id, f"{p.name} ({home_team(p)})" if home_team(p) else p.name) for p in practitioners
        ]
        teams = [(t.name, t.name) for t in await tx.directory.teams()]
        return compliment_form_card(people, teams, values, errors, self.deps.keys)

    async def send(self, turn: Turn, person: Person) -> Reply:
        """Store the compliment and owe it to the practitioner and their team manager."""
        now = self.deps.clock()
        form = parse_compliment(turn.data)
        try:
            async with self.deps.store.transaction() as tx:

                async def work() -> tuple[Card, Keep | None]:
                    return await self._send(tx, turn, person, form, now)

                async def replay(earlier: Earlier) -> Card:
                    if not earlier.yours:
                        return refusal_card(ALREADY_SENT)
                    return await self._sent_card(tx, int(str(earlier.result.get("compliment", 0))))

                card = await idempotent(tx, nonce_of(turn.data), person.id, now, work, replay)
        except DuplicateCommand:
            card = refusal_card(ALREADY_SENT)
        self.deps.wake()
        return Reply(invoke_card=card)

    async def _send(
        self, tx: Transaction, turn: Turn, person: Person, form: ComplimentInput, now: datetime
    ) -> tuple[Card, Keep | None]:
        if not any(person.has_role(role) for role in RAISERS):
            return refusal_card(ONLY_CHAIRS), None
        typed = inputs.field_errors(turn.data)
        if not form.ok or typed:
            values = {**form.values, **inputs.kept(turn.data)} if typed else form.values
            return await self._form(tx, values, {**form.errors, **typed}), None
        chosen = await self._recipients(tx, form)
        if isinstance(chosen, dict):
            return await self._form(tx, form.values, chosen), None
        practitioner, manager, team = chosen
        text = ComplimentText(form.good_practice, form.impact, form.child_local_id, team)
        compliment_id = await tx.compliments.add(
            person.id, practitioner.id, manager, text.dumps(), at=now
        )
        notifier = Notifier(tx, self.deps.ctx)
        copied = await self._copied(tx, team)
        await notifier.compliment(
            compliment_id, (practitioner.id, manager, *copied), Origin.of(turn.where), now
        )
        log.info("compliment %s sent by %s", compliment_id, person.id)
        return await self._sent_card(tx, compliment_id), Keep({"compliment": compliment_id})

    async def _recipients(
        self, tx: Transaction, form: ComplimentInput
    ) -> tuple[Person, str, str] | dict[str, str]:
        practitioner = await tx.directory.person(form.practitioner)
        if practitioner is None or not practitioner.has_role(Role.PRACTITIONER):
            return {"practitioner": NOT_A_PRACTITIONER}
        team = form.team or home_team(practitioner)
        managers = await tx.directory.holders(Role.TEAM_MANAGER, team)
        if not managers:
            field = "team" if form.team else "practitioner"
            return {field: NO_TEAM_MANAGER.format(team=team or "their team")}
        return practitioner, managers[0].id, team

    async def _copied(self, tx: Transaction, team: str) -> list[str]:
        """Those the profile copies compliments to in the practitioner's team (seed 000: the
        service manager and head of service); they read it, only the two acknowledge."""
        roles = self.deps.ctx.policy.compliments_copied
        return [p.id for role in roles for p in await tx.directory.holders(role, team)]

    async def _sent_card(self, tx: Transaction, compliment_id: int) -> Card:
        compliment = await tx.compliments.get(compliment_id)
        if compliment is None:
            return refusal_card(UNKNOWN)
        return compliment_card(await compliment_view(tx, compliment), False, self.deps.keys)

    async def acknowledge(self, turn: Turn, person: Person) -> Reply:
        """The practitioner or team manager acknowledges; the first one is kept on the row,
        every one in the audit log."""
        now = self.deps.clock()
        compliment_id = _compliment_id(turn.data)
        async with self.deps.store.transaction() as tx:
            found = await tx.compliments.get(compliment_id) if compliment_id else None
            if found is None:
                return Reply(invoke_card=refusal_card(UNKNOWN))
            if person.id not in (found.to_practitioner, found.team_manager):
                await tx.audit.record(
                    "refused", person.id, at=now, detail={"compliment": found.id}
                )
                card = compliment_card(await compliment_view(tx, found), False, self.deps.keys)
                return Reply(invoke_card=refusal_card(NOT_FOR_YOU, card))
            first = await tx.compliments.acknowledge(found.id, person.id, now)
            await tx.audit.record(ACKNOWLEDGED, person.id, at=now, detail={"compliment": found.id})
            after = await tx.compliments.get(found.id)
            assert after is not None
            extra = None if first or after.acknowledged_by == person.id else (person.id, now)
            view = await compliment_view(tx, after, extra)
        return Reply(invoke_card=compliment_card(view, False, self.deps.keys))
