"""The buttons of a dispute card: load, apply one domain command, save it with its outbox,
render; and the card as it is now (refresh, a stale or repeated click, ``show``).

Every change is one transaction: the dispute row, its event, the projections, the outbox rows
for everyone who must hear of it, and the idempotency key of the click that caused it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from cards.banners import refusal_card
from cards.verbs import Verb, nonce_of
from drp.commands import Command
from drp.errors import CommandRejected, DrpError, InvalidInput, NotPermitted
from drp.events import JsonValue
from drp.machine import Decision, decide
from drp.model import Dispute
from store.errors import DuplicateCommand, StaleVersion
from store.rows import Person, PostedCard
from store.store import Transaction
from teams_bot import messages, parties
from teams_bot.card_actions import CardInputError, build_command, input_for
from teams_bot.deps import Deps
from teams_bot.notifier import Notifier
from teams_bot.outbox_kinds import Origin
from teams_bot.turn import Card, Reply, Turn

log = logging.getLogger(__name__)

NOT_A_PARTY = "only the people taking part in this dispute can act on it. Nothing was changed."


class DisputeActions:
    """Runs the verbs of dispute cards for the person who pressed them."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self.ctx = deps.ctx

    # --- acting on a dispute -------------------------------------------------------------------

    async def act(self, turn: Turn) -> Reply:
        """A button on a dispute card: respond, review, escalate, refer, approve..."""
        verb = Verb(turn.verb)
        reference = str(turn.data.get("reference") or "")
        key = nonce_of(turn.data)
        now = self.deps.clock()
        try:
            return await self._act(turn, verb, reference, key, now)
        except (StaleVersion, DuplicateCommand):
            # Someone else (or the same double click) got there first: show what is true now.
            return await self.current(turn, reference, stale=True)

    async def _act(self, turn: Turn, verb: Verb, reference: str, key: str, now: datetime) -> Reply:
        async with self.deps.store.transaction() as tx:
            person = await self.deps.person(tx, turn, now)
            if person is None:
                return Reply(invoke_card=messages.not_in_directory())
            if key and await tx.idempotency.get(key) is not None:
                return Reply(invoke_card=await self._current_card(tx, reference, person, now))
            dispute = await tx.disputes.find(reference)
            if dispute is None:
                return Reply(invoke_card=messages.no_such_dispute(reference))
            if _version(turn.data) not in (None, dispute.version):
                card = await self.deps.render.dispute(tx, dispute, person.id, now)
                return Reply(invoke_card=messages.stale(card))
            outcome = await self._decide(tx, verb, dispute, person, turn.data, now)
            if isinstance(outcome, dict):
                return Reply(invoke_card=outcome)
            await tx.disputes.save(outcome, expected_version=dispute.version)
            await Notifier(tx, self.ctx).fan_out(dispute, outcome, Origin.of(turn.where), now)
            if key:
                result: dict[str, JsonValue] = {
                    "reference": reference,
                    "version": outcome.dispute.version,
                }
                await tx.idempotency.put(key, result, at=now, reference=reference)
        log.info("dispute %s: %s by %s", reference, outcome.event.kind, person.id)
        return Reply(invoke_card=await self.committed_card(outcome.dispute, person.id, now))

    async def committed_card(self, dispute: Dispute, person_id: str, now: datetime) -> Card:
        """The actor's card of a change just committed, then the outbox woken. Rendered in a
        read-only transaction after the commit, so no writer waits while it is built."""
        try:
            async with self.deps.store.transaction(readonly=True) as tx:
                return await self.deps.render.dispute(tx, dispute, person_id, now)
        finally:
            self.deps.wake()

    async def _decide(
        self,
        tx: Transaction,
        verb: Verb,
        dispute: Dispute,
        person: Person,
        data: Mapping[str, Any],
        now: datetime,
    ) -> Decision | Card:
        """The decision, or the card that explains why nothing changed."""
        try:
            command: Command = await build_command(tx, self.ctx, verb, dispute, person, data, now)
            return decide(dispute, command, self.ctx)
        except (CardInputError, DrpError) as wrong:
            today = self.ctx.calendar.local_date(now)
            if await parties.is_party(tx, dispute, person.id, today):
                return await self._explain(tx, verb, dispute, person, data, wrong, now)
            # Someone with no part in the dispute is refused whatever they sent, and is not
            # shown the children's details.
            await self._audit_refusal(tx, verb, dispute, person, now)
            return refusal_card(wrong.reason if isinstance(wrong, NotPermitted) else NOT_A_PARTY)

    async def _explain(
        self,
        tx: Transaction,
        verb: Verb,
        dispute: Dispute,
        person: Person,
        data: Mapping[str, Any],
        wrong: CardInputError | DrpError,
        now: datetime,
    ) -> Card:
        """The party's own card again, with what was wrong."""
        if isinstance(wrong, CardInputError):
            values, errors = wrong.values, wrong.errors
        elif isinstance(wrong, InvalidInput):
            values = {k: v for k, v in data.items() if isinstance(v, str)}
            errors = {input_for(verb, wrong.field): wrong.reason}
        else:
            current = await self.deps.render.dispute(tx, dispute, person.id, now)
            if isinstance(wrong, NotPermitted):
                await self._audit_refusal(tx, verb, dispute, person, now)
                return messages.refusal(wrong.reason, current)
            return messages.problem(_problem_text(wrong), current)
        return await self.deps.render.dispute(
            tx, dispute, person.id, now, values=values, errors=errors
        )

    async def _audit_refusal(
        self, tx: Transaction, verb: Verb, dispute: Dispute, person: Person, now: datetime
    ) -> None:
        # Recorded so the file shows who tried what; the detail is codes, never a payload.
        detail = {"verb": verb.value, "state": str(dispute.status)}
        await tx.audit.record(
            "refused", person.id, at=now, reference=dispute.reference, detail=detail
        )

    async def current(self, turn: Turn, reference: str, *, stale: bool = False) -> Reply:
        """The card as it is now for whoever asked (a refresh, a stale or repeated click).

        Read-only when there is nothing to record (Teams refreshes cards each time a chat is
        opened); a chat the bot has not seen yet, or a refusal to audit, takes a write."""
        now = self.deps.clock()
        async with self.deps.store.transaction(readonly=True) as tx:
            card = await self._current_read_only(tx, turn, reference, now)
        if card is None:
            async with self.deps.store.transaction() as tx:
                person = await self.deps.person(tx, turn, now)
                if person is None:
                    return Reply(invoke_card=messages.not_in_directory())
                card = await self._current_card(tx, reference, person, now)
        return Reply(invoke_card=messages.stale(card) if stale else card)

    async def _current_read_only(
        self, tx: Transaction, turn: Turn, reference: str, now: datetime
    ) -> Card | None:
        """The card, or None when showing it means writing something down."""
        person = await parties.identify(tx, turn.user)
        if person is None or self.deps.chat_changed(person, turn):
            return None
        dispute = await tx.disputes.find(reference)
        if dispute is None:
            return messages.no_such_dispute(reference)
        if not await parties.may_see(
            tx, dispute, person, self.ctx.calendar.local_date(now), self.ctx.policy.access
        ):
            return None  # audited as view_refused by the writing path
        return await self.deps.render.dispute(tx, dispute, person.id, now)

    async def _current_card(
        self, tx: Transaction, reference: str, person: Person, now: datetime
    ) -> Card:
        return await self.card_for(tx, reference, person, now)

    async def card_for(
        self,
        tx: Transaction,
        reference: str,
        person: Person,
        now: datetime,
        *,
        shown_in: Turn | None = None,
    ) -> Card:
        """The dispute's card for this person, if they may see it; ``shown_in`` is the turn
        whose card now shows it (kept up to date from then on)."""
        dispute = await tx.disputes.find(reference)
        if dispute is None:
            return messages.no_such_dispute(reference)
        if not await parties.may_see(
            tx, dispute, person, self.ctx.calendar.local_date(now), self.ctx.policy.access
        ):
            detail = {"state": str(dispute.status)}
            await tx.audit.record(
                "view_refused", person.id, at=now, reference=reference, detail=detail
            )
            return messages.not_yours(reference)
        if shown_in is not None:
            await remember_card(tx, shown_in, reference, person.id, now)
        return await self.deps.render.dispute(tx, dispute, person.id, now)


async def remember_card(
    tx: Transaction, turn: Turn, reference: str, person_id: str, now: datetime
) -> None:
    """The card the person clicked now shows this dispute: keep it up to date."""
    if not turn.activity_id:
        return
    await tx.posted_cards.record(
        PostedCard(
            reference=reference,
            recipient=person_id,
            kind="dispute",
            conversation_id=turn.where.conversation_id,
            activity_id=turn.activity_id,
            conversation_ref=turn.where.reference,
            posted_at=now,
        )
    )


def _version(data: Mapping[str, Any]) -> int | None:
    value = data.get("version")
    try:
        return int(value) if value is not None and value != "" else None
    except (TypeError, ValueError):
        return -1  # a garbled version is never current


def _problem_text(problem: DrpError) -> str:
    if isinstance(problem, InvalidInput):
        return f"{messages.field_label(problem.field)}: {problem.reason}"
    if isinstance(problem, CommandRejected):
        return problem.reason
    return str(problem)
