"""The application service: load, apply one domain command, save it with its outbox, render.

Every change is one transaction: the dispute row, its event, the projections, the outbox rows
for everyone who must hear of it, and the idempotency key of the click that caused it.
Delivery happens after commit (``wake``), from the outbox, so nothing is lost or sent twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cards.dispute import refusal_card
from cards.verbs import KeyFactory, Verb, nonce_of
from drp.commands import Command
from drp.errors import CommandRejected, DrpError, InvalidInput, NotPermitted
from drp.events import JsonValue
from drp.machine import Context, Decision, decide
from drp.model import Dispute
from drp.routing import Audience, notices
from store.errors import DuplicateCommand, StaleVersion
from store.records import Person, PostedCard
from store.store import Store, Transaction
from teams_bot import messages, parties, rendering
from teams_bot.commands import CardInputError, build_command, input_for
from teams_bot.turn import Card, ConversationKind, Reply, Turn, Where, conversation_id_of

log = logging.getLogger(__name__)

REFRESH_RECIPIENT = "*posted-cards*"
NOT_A_PARTY = "only the people taking part in this dispute can act on it. Nothing was changed."


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a command came from: the connector to use for anyone not yet in a 1:1 chat."""

    service_url: str
    tenant_id: str

    @classmethod
    def of(cls, where: Where) -> Origin:
        """The origin of a turn."""
        return cls(where.service_url, where.tenant_id)


class DisputeService:
    """Runs the verbs of dispute cards for the person who pressed them."""

    def __init__(
        self,
        store: Store,
        ctx: Context,
        clock: Callable[[], datetime],
        render: rendering.Renderer,
        wake: Callable[[], None],
    ) -> None:
        self.store = store
        self.ctx = ctx
        self.clock = clock
        self.render = render
        self.keys: KeyFactory = render.keys
        self.wake = wake

    # --- who ---------------------------------------------------------------------------------

    async def person(self, tx: Transaction, turn: Turn, now: datetime) -> Person | None:
        """The directory entry of whoever sent the turn; remembers their 1:1 chat."""
        person = await parties.identify(tx, turn.user)
        if person is None:
            log.info("turn from a user not in the directory: activity=%s", turn.activity_id)
            return None
        if turn.where.kind == ConversationKind.PERSONAL and turn.where.reference:
            stored = person.conversation_ref or {}
            # Teams may move a chat to another connector (serviceUrl): keep the newest.
            moved = stored.get("serviceUrl") != turn.where.service_url
            if moved or conversation_id_of(stored) != turn.where.conversation_id:
                await tx.directory.save_conversation_reference(
                    person.id, turn.where.reference, at=now, teams_user_id=turn.user.id or None
                )
        return person

    # --- acting on a dispute -------------------------------------------------------------------

    async def act(self, turn: Turn) -> Reply:
        """A button on a dispute card: respond, review, escalate, refer, approve..."""
        verb = Verb(turn.verb)
        reference = str(turn.data.get("reference") or "")
        key = nonce_of(turn.data)
        now = self.clock()
        try:
            return await self._act(turn, verb, reference, key, now)
        except (StaleVersion, DuplicateCommand):
            # Someone else (or the same double click) got there first: show what is true now.
            return await self.current(turn, reference, stale=True)

    async def _act(self, turn: Turn, verb: Verb, reference: str, key: str, now: datetime) -> Reply:
        async with self.store.transaction() as tx:
            person = await self.person(tx, turn, now)
            if person is None:
                return Reply(invoke_card=messages.not_in_directory())
            if key and await tx.idempotency.get(key) is not None:
                return Reply(invoke_card=await self._current_card(tx, reference, person, now))
            dispute = await tx.disputes.find(reference)
            if dispute is None:
                return Reply(invoke_card=messages.no_such_dispute(reference))
            if _version(turn.data) not in (None, dispute.version):
                card = await self.render.dispute(tx, dispute, person.id, now)
                return Reply(invoke_card=messages.stale(card))
            outcome = await self._decide(tx, verb, dispute, person, turn.data, now)
            if isinstance(outcome, dict):
                return Reply(invoke_card=outcome)
            await tx.disputes.save(outcome, expected_version=dispute.version)
            await self.fan_out(tx, dispute, outcome, Origin.of(turn.where), now)
            if key:
                result: dict[str, JsonValue] = {
                    "reference": reference,
                    "version": outcome.dispute.version,
                }
                await tx.idempotency.put(key, result, at=now, reference=reference)
            card = await self.render.dispute(tx, outcome.dispute, person.id, now)
        log.info("dispute %s: %s by %s", reference, outcome.event.kind, person.id)
        self.wake()
        return Reply(invoke_card=card)

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
            current = await self.render.dispute(tx, dispute, person.id, now)
            if isinstance(wrong, NotPermitted):
                await self._audit_refusal(tx, verb, dispute, person, now)
                return messages.refusal(wrong.reason, current)
            return messages.problem(_problem_text(wrong), current)
        return await self.render.dispute(tx, dispute, person.id, now, values=values, errors=errors)

    async def _audit_refusal(
        self, tx: Transaction, verb: Verb, dispute: Dispute, person: Person, now: datetime
    ) -> None:
        # Recorded so the file shows who tried what; the detail is codes, never a payload.
        detail = {"verb": verb.value, "state": str(dispute.status)}
        await tx.audit.record(
            "refused", person.id, at=now, reference=dispute.reference, detail=detail
        )

    async def current(self, turn: Turn, reference: str, *, stale: bool = False) -> Reply:
        """The card as it is now for whoever asked (a refresh, a stale or repeated click)."""
        now = self.clock()
        async with self.store.transaction() as tx:
            person = await self.person(tx, turn, now)
            if person is None:
                return Reply(invoke_card=messages.not_in_directory())
            card = await self._current_card(tx, reference, person, now)
        return Reply(invoke_card=messages.stale(card) if stale else card)

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
        if not await parties.may_see(tx, dispute, person, self.ctx.calendar.local_date(now)):
            detail = {"state": str(dispute.status)}
            await tx.audit.record(
                "view_refused", person.id, at=now, reference=reference, detail=detail
            )
            return messages.not_yours(reference)
        if shown_in is not None:
            await self.remember_card(tx, shown_in, reference, person.id, now)
        return await self.render.dispute(tx, dispute, person.id, now)

    # --- telling people ----------------------------------------------------------------------

    async def fan_out(
        self,
        tx: Transaction,
        before: Dispute | None,
        decision: Decision,
        origin: Origin,
        now: datetime,
    ) -> None:
        """Owe everyone the policy names a message, and every posted card an update."""
        dispute, event = decision.dispute, decision.event
        base = {
            "event": event.kind.value,
            "sequence": event.sequence,
            "service_url": origin.service_url,
            "tenant_id": origin.tenant_id,
        }
        for notice in notices(self.ctx.policy, before, dispute, event):
            kind = "dispute_card" if notice.audience == Audience.ACT else "notice"
            for person_id in await parties.notice_people(tx, notice, dispute):
                if person_id == event.actor:
                    continue
                payload = {**base, "audience": notice.audience.value}
                key = f"{dispute.reference}:{event.sequence}:{kind}:{person_id}"
                await tx.outbox.enqueue(
                    person_id, kind, key, payload, due_at=now, reference=dispute.reference
                )
        refresh_key = f"{dispute.reference}:{event.sequence}:refresh"
        await tx.outbox.enqueue(
            REFRESH_RECIPIENT,
            "refresh",
            refresh_key,
            base,
            due_at=now,
            reference=dispute.reference,
        )

    async def remember_card(
        self, tx: Transaction, turn: Turn, reference: str, person_id: str, now: datetime
    ) -> None:
        """The card the person clicked now shows this dispute: keep it up to date."""
        if not turn.activity_id:
            return
        await tx.cards.record(
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
