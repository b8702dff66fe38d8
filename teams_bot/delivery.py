"""Deliver the outbox: render each owed message at send time and post it through Teams.

Rows are leased (``claim_due``), so several replicas never send one twice; a crash before
``mark_sent`` leaves the lease to expire and the row to be sent again, so nothing is lost.
Throttling is honoured (Retry-After), other transient failures back off with jitter.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cards.dispute import notice_card
from drp.model import Dispute
from store.records import OutboxMessage, Person, PostedCard
from store.store import Store, Transaction
from teams_bot.rendering import Renderer
from teams_bot.service import REFRESH_RECIPIENT
from teams_bot.turn import Card, DeliveryError, Messenger

log = logging.getLogger(__name__)

MONITORING = "monitoring"

NOTICE_TITLES = {
    "raised": "A dispute was raised",
    "approved": "Agreed: the dispute has been sent",
    "declined": "Not agreed: the dispute was not sent",
    "responded": "A response has arrived",
    "resolved": "Resolved",
    "extended": "Further work agreed",
    "escalated": "Escalated",
    "referred": "Referred outside the local authority",
    "immediate_harm": "URGENT: a child may be at immediate harm",
    "withdrawn": "Withdrawn",
    "concluded": "Concluded",
    "overdue": "A response is overdue",
}


@dataclass(frozen=True, slots=True)
class DeliveryPolicy:
    """How hard to try: lease length, attempts, backoff bounds."""

    lease_seconds: float = 60.0
    max_attempts: int = 6
    base_backoff: float = 2.0
    max_backoff: float = 300.0
    batch: int = 20


def backoff(attempt: int, policy: DeliveryPolicy, rng: random.Random) -> float:
    """Exponential backoff with full jitter (Teams guidance for 5xx, 412, 504)."""
    ceiling = min(policy.max_backoff, policy.base_backoff * 2 ** max(0, attempt - 1))
    return rng.uniform(ceiling / 2, ceiling)


class Deliverer:
    """Sends what the outbox owes, one leased batch at a time."""

    def __init__(
        self,
        store: Store,
        messenger: Messenger,
        renderer: Renderer,
        clock: Callable[[], datetime],
        policy: DeliveryPolicy | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.store = store
        self.messenger = messenger
        self.renderer = renderer
        self.clock = clock
        self.policy = policy or DeliveryPolicy()
        self.rng = rng or random.Random()  # noqa: S311 - jitter, not security
        self.owner = f"deliverer-{uuid.uuid4().hex[:8]}"
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Something was enqueued: deliver it now rather than at the next poll."""
        self._wake.set()

    async def run(self, poll_seconds: float = 5.0) -> None:
        """Deliver until cancelled."""
        while True:
            try:
                while await self.run_once():
                    pass
            except Exception:
                log.exception("delivery pass failed; retrying at the next poll")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), poll_seconds)
            self._wake.clear()

    async def run_once(self) -> int:
        """Claim and deliver one batch; returns how many were claimed."""
        now = self.clock()
        async with self.store.transaction() as tx:
            batch = await tx.outbox.claim_due(
                now, self.owner, self.policy.lease_seconds, self.policy.batch
            )
        for message in batch:
            await self._deliver_one(message)
        return len(batch)

    async def _deliver_one(self, message: OutboxMessage) -> None:
        try:
            await self._send(message)
        except DeliveryError as error:
            await self._failed(message, error)
            return
        async with self.store.transaction() as tx:
            await tx.outbox.mark_sent(message.id, self.owner, self.clock())

    async def _failed(self, message: OutboxMessage, error: DeliveryError) -> None:
        now = self.clock()
        retry_at: datetime | None = None
        if error.retryable and message.attempts < self.policy.max_attempts:
            wait = error.retry_after
            if wait is None:
                wait = backoff(message.attempts, self.policy, self.rng)
            retry_at = now + timedelta(seconds=wait)
        log.warning(
            "delivery %s (%s to %s) failed: HTTP %s; %s",
            message.id,
            message.kind,
            message.recipient,
            error.status,
            "retrying" if retry_at else "giving up",
        )
        async with self.store.transaction() as tx:
            await tx.outbox.mark_failed(message.id, self.owner, str(error), retry_at)

    async def _send(self, message: OutboxMessage) -> None:
        if message.kind == "refresh":
            await self._refresh(message)
            return
        async with self.store.transaction() as tx:
            person = await tx.directory.person(message.recipient)
            dispute = await tx.disputes.find(message.reference or "")
            if person is None or dispute is None:
                raise DeliveryError(404, "recipient or dispute no longer exists")
            card = await self._card_for(tx, message, person, dispute)
            reference = await self._conversation(tx, person, message.payload)
        activity_id = await self.messenger.send(reference, card)
        if message.kind == "dispute_card":
            async with self.store.transaction() as tx:
                await tx.cards.record(
                    PostedCard(
                        reference=dispute.reference,
                        recipient=person.id,
                        kind="dispute",
                        conversation_id=_conversation_id(reference),
                        activity_id=activity_id,
                        conversation_ref=reference,
                        posted_at=self.clock(),
                    )
                )

    async def _card_for(
        self, tx: Transaction, message: OutboxMessage, person: Person, dispute: Dispute
    ) -> Card:
        now = self.clock()
        if message.kind == "dispute_card":
            return await self.renderer.dispute(tx, dispute, person.id, now)
        event = str(message.payload.get("event", ""))
        title = NOTICE_TITLES.get(event, "Dispute update")
        facts = [
            ("Reference", dispute.reference),
            ("Children", dispute.initials),
            ("Status", dispute.status.label),
        ]
        return notice_card(
            title,
            f"{dispute.reference}: {title.lower()}.",
            facts,
            urgent=event == "immediate_harm",
            reference=dispute.reference,
            version=dispute.version,
            key_factory=self.renderer.keys,
        )

    async def _conversation(
        self, tx: Transaction, person: Person, payload: Mapping[str, Any]
    ) -> Mapping[str, Any]:
        if person.conversation_ref:
            return person.conversation_ref
        user_id = person.teams_user_id or person.aad_object_id or ""
        service_url = str(payload.get("service_url") or "")
        if not user_id or not service_url:
            raise DeliveryError(404, "no Teams identity or connector known for the recipient")
        reference = await self.messenger.open_personal(
            user_id, str(payload.get("tenant_id") or ""), service_url
        )
        await tx.directory.save_conversation_reference(person.id, reference, at=self.clock())
        return reference

    async def _refresh(self, message: OutboxMessage) -> None:
        """Update every card that shows this dispute, each in its recipient's view, and put
        a formal dispute on the monitoring channel if it is not there yet."""
        now = self.clock()
        updates: list[tuple[PostedCard, Card]] = []
        async with self.store.transaction() as tx:
            dispute = await tx.disputes.find(message.reference or "")
            if dispute is None:
                return
            posted_cards = await tx.cards.for_dispute(dispute.reference)
            for posted in posted_cards:
                if posted.kind == MONITORING:
                    card = self.renderer.monitoring(dispute, now)
                else:
                    card = await self.renderer.dispute(tx, dispute, posted.recipient, now)
                updates.append((posted, card))
            channel = await tx.directory.monitoring_channel()
        for posted, card in updates:
            await self.messenger.update(posted.conversation_ref, posted.activity_id, card)
        on_board = any(posted.kind == MONITORING for posted in posted_cards)
        if channel and not on_board and dispute.is_open and dispute.formal_started_at:
            await self._post_to_board(dispute, channel, now)

    async def _post_to_board(
        self, dispute: Dispute, channel: Mapping[str, Any], now: datetime
    ) -> None:
        activity_id = await self.messenger.send(channel, self.renderer.monitoring(dispute, now))
        async with self.store.transaction() as tx:
            await tx.cards.record(
                PostedCard(
                    reference=dispute.reference,
                    recipient=REFRESH_RECIPIENT,
                    kind=MONITORING,
                    conversation_id=_conversation_id(channel),
                    activity_id=activity_id,
                    conversation_ref=channel,
                    posted_at=now,
                )
            )


def _conversation_id(reference: Mapping[str, Any]) -> str:
    conversation = reference.get("conversation")
    return str(conversation.get("id", "")) if isinstance(conversation, dict) else ""
