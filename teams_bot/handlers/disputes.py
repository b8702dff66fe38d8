"""The buttons of a dispute card: load, apply one domain command, save it with its outbox,
render; and the card as it is now (refresh, a stale or repeated click, ``show``).

Every path asks the gate first (``teams_bot.gate``): who is asking decides what is rendered,
and the renderer takes only the gate's ``Sight``. Every change is one transaction: the dispute
row, its event, the projections, the outbox rows for everyone who must hear of it, and the
idempotency key of the click that caused it (``teams_bot.once``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from cards.verbs import Verb, nonce_of
from drp.commands import Command
from drp.errors import CommandRejected, DrpError, InvalidInput, NotPermitted
from drp.events import JsonValue
from drp.machine import Decision, decide
from store.errors import DuplicateCommand, StaleVersion
from store.rows import Person, PostedCard
from store.store import Transaction
from teams_bot import gate, inputs, messages
from teams_bot.card_actions import CardInputError, build_command, input_for
from teams_bot.deps import Deps
from teams_bot.gate import Attempt, Sight, Standing
from teams_bot.notifier import Notifier
from teams_bot.once import Earlier, Keep, idempotent
from teams_bot.outbox_kinds import Origin
from teams_bot.turn import Card, Reply, Turn

log = logging.getLogger(__name__)


class DisputeActions:
    """Runs the verbs of dispute cards for the person who pressed them."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self.ctx = deps.ctx

    # --- acting on a dispute -------------------------------------------------------------------

    async def act(self, turn: Turn, person: Person) -> Reply:
        """A button on a dispute card: respond, review, escalate, refer, approve..."""
        verb = Verb(turn.verb)
        reference = str(turn.data.get("reference") or "")
        now = self.deps.clock()
        try:
            async with self.deps.store.transaction() as tx:

                async def work() -> tuple[Card | Decision, Keep | None]:
                    return await self._move(tx, turn, person, verb, now)

                async def replay(earlier: Earlier) -> Card | Decision:
                    return await self.replayed(tx, person, reference, verb.value, earlier, now)

                done = await idempotent(tx, nonce_of(turn.data), person.id, now, work, replay)
        except (StaleVersion, DuplicateCommand):
            # Someone else (or the same double click) got there first: show what is true now.
            return await self.current(turn, person, reference, stale=True, verb=verb.value)
        if not isinstance(done, Decision):
            return Reply(invoke_card=done)
        log.info("dispute %s: %s by %s", reference, done.event.kind, person.id)
        return Reply(invoke_card=await self.committed_card(done, person, now))

    async def _move(
        self, tx: Transaction, turn: Turn, person: Person, verb: Verb, now: datetime
    ) -> tuple[Card | Decision, Keep | None]:
        reference = str(turn.data.get("reference") or "")
        sight = await gate.look(tx, self.ctx, person, reference, now)
        if sight is None:
            return messages.no_such_dispute(reference), None
        if not sight.sees:
            await gate.record(tx, sight, verb.value, Attempt.ACT, now)
            return messages.outsider(reference), None
        dispute = sight.dispute
        if _version(turn.data) not in (None, dispute.version):
            await gate.record(tx, sight, verb.value, Attempt.STALE, now)
            return messages.stale(await self.deps.render.dispute(tx, sight, now)), None
        outcome = await self._decide(tx, verb, sight, person, turn.data, now)
        if not isinstance(outcome, Decision):
            return outcome, None
        await tx.disputes.save(outcome, expected_version=dispute.version, before=dispute)
        await Notifier(tx, self.ctx).fan_out(dispute, outcome, Origin.of(turn.where), now)
        result: dict[str, JsonValue] = {"reference": reference, "version": outcome.dispute.version}
        return outcome, Keep(result, reference)

    async def replayed(
        self,
        tx: Transaction,
        person: Person,
        reference: str,
        verb: str,
        earlier: Earlier,
        now: datetime,
    ) -> Card:
        """A nonce used before: its dispute as it is now, to the person who used it (as the
        gate lets them see it); anyone else learns nothing of it, and is audited."""
        if earlier.yours:
            sight = await gate.look(tx, self.ctx, person, earlier.reference, now)
            if sight is not None and sight.sees:
                await gate.record(tx, sight, verb, Attempt.REPLAYED, now)
                return await self.deps.render.dispute(tx, sight, now)
        await gate.record_replay(tx, person.id, reference, verb, now)
        return messages.outsider(reference, messages.USED_BY_SOMEONE_ELSE)

    async def committed_card(self, decision: Decision, person: Person, now: datetime) -> Card:
        """The actor's card of a change just committed, then the outbox woken. Rendered in a
        read-only transaction after the commit, so no writer waits while it is built."""
        try:
            async with self.deps.store.transaction(readonly=True) as tx:
                dispute = decision.dispute
                return await self.deps.render.posted(tx, dispute, person.id, now, person=person)
        finally:
            self.deps.wake()

    async def _decide(
        self,
        tx: Transaction,
        verb: Verb,
        sight: Sight,
        person: Person,
        data: Mapping[str, Any],
        now: datetime,
    ) -> Decision | Card:
        """The decision, or the card that explains why nothing changed."""
        try:
            errors = inputs.field_errors(data)
            if errors:
                raise CardInputError(inputs.kept(data), errors)
            dispute = sight.dispute
            command: Command = await build_command(tx, self.ctx, verb, dispute, person, data, now)
            return decide(dispute, command, self.ctx)
        except (CardInputError, DrpError) as wrong:
            if sight.standing == Standing.PARTY:
                return await self._explain(tx, verb, sight, data, wrong, now)
            # Copied, alerted or overseeing: they may read it, never act on it.
            await gate.record(tx, sight, verb.value, Attempt.ACT, now)
            reason = wrong.reason if isinstance(wrong, NotPermitted) else messages.NOT_A_PARTY
            current = await self.deps.render.dispute(tx, sight, now)
            return messages.refusal(reason.removeprefix("You can't do that: "), current)

    async def _explain(
        self,
        tx: Transaction,
        verb: Verb,
        sight: Sight,
        data: Mapping[str, Any],
        wrong: CardInputError | DrpError,
        now: datetime,
    ) -> Card:
        """The party's own card again, with what was wrong."""
        if isinstance(wrong, CardInputError):
            values, errors = wrong.values, wrong.errors
        elif isinstance(wrong, InvalidInput):
            values = inputs.kept(data)
            errors = {input_for(verb, wrong.field): wrong.reason}
        else:
            current = await self.deps.render.dispute(tx, sight, now)
            if isinstance(wrong, NotPermitted):
                await _audit_refusal(tx, verb, sight, now)
                return messages.refusal(wrong.reason, current)
            return messages.problem(_problem_text(wrong), current)
        return await self.deps.render.dispute(tx, sight, now, values=values, errors=errors)

    # --- the card as it is now ------------------------------------------------------------------

    async def current(
        self,
        turn: Turn,
        person: Person,
        reference: str,
        *,
        stale: bool = False,
        verb: str = Verb.REFRESH.value,
    ) -> Reply:
        """The card as it is now for whoever asked (a refresh, a stale or repeated click).

        Read-only when there is nothing to record (Teams refreshes cards each time a chat is
        opened); a non-party's attempt is audited in a write of its own."""
        now = self.deps.clock()
        attempt = Attempt.STALE if stale else Attempt.VIEW
        async with self.deps.store.transaction(readonly=True) as tx:
            sight = await gate.look(tx, self.ctx, person, reference, now)
            if sight is None:
                return Reply(invoke_card=messages.no_such_dispute(reference))
            card = await self._shown(tx, sight, now)
        if gate.needs_record(sight, attempt):
            async with self.deps.store.transaction() as tx:
                await gate.record(tx, sight, verb, attempt, now)
        return Reply(invoke_card=messages.stale(card) if stale and sight.sees else card)

    async def _shown(self, tx: Transaction, sight: Sight, now: datetime) -> Card:
        if not sight.sees:
            return messages.not_yours(sight.reference)
        return await self.deps.render.dispute(tx, sight, now)

    async def card_for(
        self,
        tx: Transaction,
        reference: str,
        person: Person,
        now: datetime,
        *,
        shown_in: Turn | None = None,
    ) -> Card:
        """The dispute's card for this person, as the gate lets them see it; ``shown_in`` is
        the turn whose card now shows it (kept up to date from then on)."""
        sight = await gate.look(tx, self.ctx, person, reference, now)
        if sight is None:
            return messages.no_such_dispute(reference)
        await gate.record(tx, sight, Verb.SHOW.value, Attempt.VIEW, now)
        if sight.sees and shown_in is not None:
            await remember_card(tx, shown_in, reference, person.id, now)
        return await self._shown(tx, sight, now)


async def _audit_refusal(tx: Transaction, verb: Verb, sight: Sight, now: datetime) -> None:
    # A party pressed what the machine refuses: recorded so the file shows who tried what.
    detail = {"verb": verb.value, "state": sight.state}
    await tx.audit.record(
        gate.REFUSED, sight.person_id, at=now, reference=sight.reference, detail=detail
    )


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
