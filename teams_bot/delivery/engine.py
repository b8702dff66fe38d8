"""Deliver the outbox: render each owed message at send time and post it through Teams.

Rows are leased (``claim_due``, SKIP LOCKED on PostgreSQL), so replicas never hold one row at
once. Calls are paced to Teams' limits (``throttle``); a 429's Retry-After is honoured, other
transient failures back off with jitter, and after ``max_attempts`` a row is given up, logged
and shown on the monitoring channel. Someone Teams will not open a chat with is @mentioned there.

Crash windows, and what a restart (even ``kill -9``) can repeat:

- dead before the send: the lease expires, another deliverer sends it. Nothing is lost.
- dead after the connector accepted the send, before ``mark_sent`` committed (milliseconds):
  after the lease expires the row is sent again. The connector has no idempotency key, so this
  one repeat cannot be ruled out; it is made harmless. A refresh is an update in place (the same
  card again). A card or notice is rendered from the store at send time, so the copy says what
  the first did or newer, and every button on either copy carries the dispute's version and its
  own idempotency key: pressing both acts once, the second shows the current card. The posted
  card is recorded in the same transaction as ``mark_sent``.
- a send is never started with less than ``lease_margin`` of the lease left, and is cut off
  (``send_timeout``) before the lease ends, so a slow send is not overtaken by a second replica.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import uuid
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from cards.dispute import notice_card
from drp.deadlines import still_owed
from drp.events import JsonValue
from drp.model import Dispute
from store.rows import OutboxMessage, Person, PostedCard
from store.store import Store, Transaction
from teams_bot.delivery import notices
from teams_bot.delivery.throttle import PacedMessenger, Throttle
from teams_bot.logs import report_incident
from teams_bot.notifier import REFRESH_RECIPIENT
from teams_bot.rendering import Renderer
from teams_bot.turn import Card, DeliveryError, Messenger, conversation_id_of

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
CHAT_REFUSED = "Teams refused a 1:1 chat; mentioned on the monitoring channel instead"


@dataclass(frozen=True, slots=True)
class DeliveryPolicy:
    """How hard to try: lease, attempts, backoff bounds, batch size and parallel lanes."""

    lease_seconds: float = 120.0
    lease_margin: float = 15.0
    send_timeout: float = 60.0
    max_attempts: int = 6
    max_throttled_attempts: int = 30
    base_backoff: float = 2.0
    max_backoff: float = 300.0
    batch: int = 20
    concurrency: int = 8
    inline_retries: int = 3
    max_inline_wait: float = 5.0


def backoff(attempt: int, policy: DeliveryPolicy, rng: random.Random) -> float:
    """Exponential backoff with jitter (Teams guidance for 5xx, 412, 504 and timeouts)."""
    ceiling = min(policy.max_backoff, policy.base_backoff * 2 ** max(0, attempt - 1))
    return rng.uniform(ceiling / 2, ceiling)


class ChatRefused(DeliveryError):
    """Teams would not open a 1:1 chat with the recipient (HTTP 403)."""


@dataclass(frozen=True, slots=True)
class SendResult:
    """What a send did: a card to remember for updates, or why nothing was sent."""

    posted: PostedCard | None = None
    skipped: str = ""


class Deliverer:
    """Sends what the outbox owes, one leased batch at a time, lanes in parallel."""

    def __init__(
        self,
        store: Store,
        messenger: Messenger,
        renderer: Renderer,
        clock: Callable[[], datetime],
        policy: DeliveryPolicy | None = None,
        rng: random.Random | None = None,
        throttle: Throttle | None = None,
    ) -> None:
        self.store = store
        self.policy = policy or DeliveryPolicy()
        self.messenger = PacedMessenger(
            messenger,
            throttle,
            retries=self.policy.inline_retries,
            max_wait=self.policy.max_inline_wait,
        )
        self.renderer = renderer
        self.clock = clock
        self.rng = rng or random.Random()  # noqa: S311 - jitter, not security
        self.owner = f"deliverer-{uuid.uuid4().hex[:8]}"
        self._wake = asyncio.Event()
        # What each send leaves to record with its mark_sent (a subclass's _send returns None).
        self._outcomes: dict[int, SendResult] = {}

    def wake(self) -> None:
        """Something was enqueued: deliver it now rather than at the next poll."""
        self._wake.set()

    async def run(self, poll_seconds: float = 5.0) -> None:
        """Deliver until cancelled."""
        while True:
            try:
                while await self.run_once():
                    pass
            except Exception as error:
                report_incident(log, "delivery pass failed; retrying at the next poll", error)
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
        lanes: dict[str, list[OutboxMessage]] = defaultdict(list)
        for message in batch:
            lanes[_lane(message)].append(message)
        gate = asyncio.Semaphore(self.policy.concurrency)

        async def lane(messages: list[OutboxMessage]) -> None:
            async with gate:
                for message in messages:  # one person's messages in order
                    await self._deliver_one(message)

        await asyncio.gather(*(lane(messages) for messages in lanes.values()))
        return len(batch)

    # --- one message -------------------------------------------------------------------------

    async def _deliver_one(self, message: OutboxMessage) -> None:
        left = self._lease_left(message)
        if left < self.policy.lease_margin:
            log.info("delivery %s: lease nearly over; left for the next claim", message.id)
            return
        if message.attempts > 1 and message.last_error is None:
            # A deliverer died holding it: it may have been sent already (see the module doc).
            log.info("delivery %s: earlier attempt ended unrecorded; sending again", message.id)
        timeout = min(self.policy.send_timeout, left - self.policy.lease_margin)
        try:
            await asyncio.wait_for(self._send(message), timeout)
        except ChatRefused:
            await self._mention_instead(message)
        except DeliveryError as error:
            await self._failed(message, error)
        except TimeoutError:
            await self._failed(message, DeliveryError(504, "timed out"))
        except OSError as error:
            await self._failed(message, DeliveryError(503, type(error).__name__))
        except Exception as error:  # a bug must not stop the other rows: log, retry later
            report_incident(log, f"delivery {message.id} ({message.kind}) failed", error)
            await self._failed(message, DeliveryError(500, type(error).__name__))
        else:
            await self._settle(message, self._outcomes.pop(message.id, SendResult()))
        finally:
            self._outcomes.pop(message.id, None)

    def _lease_left(self, message: OutboxMessage) -> float:
        expires = message.lease_expires_at
        if expires is None:
            return self.policy.lease_seconds
        return (expires - self.clock()).total_seconds()

    async def _settle(self, message: OutboxMessage, outcome: SendResult) -> None:
        async with self.store.transaction() as tx:
            if outcome.posted is not None:
                await tx.posted_cards.record(outcome.posted)
            marked = await tx.outbox.mark_sent(message.id, self.owner, self.clock())
        if outcome.skipped:
            log.info("delivery %s (%s) not needed: %s", message.id, message.kind, outcome.skipped)
        if not marked:
            log.warning("delivery %s: lease lost before it was marked sent", message.id)

    async def _failed(self, message: OutboxMessage, error: DeliveryError) -> None:
        now = self.clock()
        limit = self.policy.max_attempts
        if error.status == 429:
            limit = self.policy.max_throttled_attempts  # Teams asks us to wait, not give up
        retry_at: datetime | None = None
        if error.retryable and message.attempts < limit:
            wait = error.retry_after
            if wait is None:
                wait = backoff(message.attempts, self.policy, self.rng)
            retry_at = now + timedelta(seconds=wait)
        async with self.store.transaction() as tx:
            await tx.outbox.mark_failed(message.id, self.owner, str(error), retry_at)
            if retry_at is None and message.kind not in notices.MONITORING_KINDS:
                await self._owe_monitoring(tx, message, notices.DELIVERY_FAILED, str(error))
        if retry_at is not None:
            log.warning(
                "delivery %s (%s to %s) failed: HTTP %s; retrying at %s",
                message.id,
                message.kind,
                message.recipient,
                error.status,
                retry_at.isoformat(),
            )
            return
        log.error(
            "delivery %s (%s to %s) given up after %d attempts: HTTP %s",
            message.id,
            message.kind,
            message.recipient,
            message.attempts,
            error.status,
        )

    async def _mention_instead(self, message: OutboxMessage) -> None:
        async with self.store.transaction() as tx:
            await tx.outbox.mark_failed(message.id, self.owner, f"HTTP 403: {CHAT_REFUSED}", None)
            await self._owe_monitoring(tx, message, notices.MENTION, "HTTP 403")
        log.warning("delivery %s to %s: %s", message.id, message.recipient, CHAT_REFUSED)

    async def _owe_monitoring(
        self, tx: Transaction, message: OutboxMessage, kind: str, error: str
    ) -> None:
        payload: dict[str, JsonValue] = {
            "person": message.recipient,
            "kind": message.kind,
            "attempts": message.attempts,
            "error": error[:200],
            "message_id": message.id,
        }
        await tx.outbox.enqueue(
            notices.MONITORING_RECIPIENT,
            kind,
            f"{kind}:{message.id}",
            payload,
            due_at=self.clock(),
            reference=message.reference,
        )

    # --- sending -----------------------------------------------------------------------------

    async def _send(self, message: OutboxMessage) -> None:
        """Send one message; what to record with ``mark_sent`` is left in ``_outcomes``."""
        outcome = await self._send_one(message)
        if outcome.posted is not None or outcome.skipped:
            self._outcomes[message.id] = outcome

    async def _send_one(self, message: OutboxMessage) -> SendResult:
        if message.kind == "refresh":
            return await self._refresh(message)
        if message.kind in notices.MONITORING_KINDS:
            return await self._to_monitoring(message)
        # Rendering only reads: lanes render side by side (SQLite lets readers run together).
        async with self.store.transaction(readonly=True) as tx:
            person = await tx.directory.person(message.recipient)
            if person is None:
                raise DeliveryError(404, "recipient no longer exists")
            found = await self._card_for(tx, message, person)
        if isinstance(found, str):
            return SendResult(skipped=found)
        card, dispute = found
        reference = person.conversation_ref
        if not reference:
            async with self.store.transaction() as tx:
                reference = await self._conversation(tx, person, message.payload)
        activity_id = await self.messenger.send(reference, card)
        if message.kind != "dispute_card" or dispute is None:
            return SendResult()
        posted = PostedCard(
            reference=dispute.reference,
            recipient=person.id,
            kind="dispute",
            conversation_id=conversation_id_of(reference),
            activity_id=activity_id,
            conversation_ref=reference,
            posted_at=self.clock(),
        )
        return SendResult(posted=posted)

    async def _card_for(
        self, tx: Transaction, message: OutboxMessage, person: Person
    ) -> tuple[Card, Dispute | None] | str:
        """The card to send, or why nothing needs sending any more."""
        now = self.clock()
        ctx, keys = self.renderer.ctx, self.renderer.keys
        if message.kind == notices.DIGEST:
            day = date.fromisoformat(str(message.payload.get("day")))
            if day != ctx.calendar.local_date(now):
                return "a digest of an earlier day"
            digest = await notices.digest_card(tx, person.id, day, now, ctx, keys)
            return (digest, None) if digest is not None else "nothing owed or overdue"
        dispute = await tx.disputes.find(message.reference or "")
        if dispute is None:
            raise DeliveryError(404, "dispute no longer exists")
        if message.kind == notices.REMINDER:
            if not still_owed(dispute, message.payload, person.id, now):
                return "the dispute moved on"
            return notices.reminder_card(dispute, message.payload, ctx, keys), dispute
        if message.kind == "dispute_card":
            return await self.renderer.dispute(tx, dispute, person.id, now), dispute
        return self._notice(dispute, message, person, now), dispute

    def _notice(
        self, dispute: Dispute, message: OutboxMessage, person: Person, now: datetime
    ) -> Card:
        event = str(message.payload.get("event", ""))
        title = notices.notice_title(event, message.payload) or NOTICE_TITLES.get(
            event, "Dispute update"
        )
        facts = [
            ("Reference", dispute.reference),
            ("Children", dispute.initials),
            ("Status", dispute.status.label),
        ]
        card = notice_card(
            title,
            f"{dispute.reference}: {title.lower()}.",
            facts,
            urgent=event == "immediate_harm",
            reference=dispute.reference,
            version=dispute.version,
            key_factory=self.renderer.keys,
        )
        if event == "overdue" and person.id == dispute.raised_by:
            button = notices.escalate_now(dispute, self.renderer.ctx, now, self.renderer.keys)
            if button is not None:
                card.setdefault("actions", []).insert(0, button)
        return card

    async def _conversation(
        self, tx: Transaction, person: Person, payload: Mapping[str, Any]
    ) -> Mapping[str, Any]:
        if person.conversation_ref:
            return person.conversation_ref
        user_id = person.teams_user_id or person.aad_object_id or ""
        service_url = str(payload.get("service_url") or "")
        tenant_id = str(payload.get("tenant_id") or "")
        if not service_url:
            channel = await tx.directory.monitoring_channel() or {}
            service_url = str(channel.get("serviceUrl") or "")
        if not user_id or not service_url:
            raise DeliveryError(404, "no Teams identity or connector known for the recipient")
        try:
            reference = await self.messenger.open_personal(user_id, tenant_id, service_url)
        except DeliveryError as error:
            if error.status == 403:
                raise ChatRefused(403, "chat refused") from None
            raise
        await tx.directory.save_conversation_reference(person.id, reference, at=self.clock())
        return reference

    async def _to_monitoring(self, message: OutboxMessage) -> SendResult:
        """A failed-delivery note or an @mention, on the monitoring channel."""
        async with self.store.transaction() as tx:
            channel = await tx.directory.monitoring_channel()
            if channel is None:
                raise DeliveryError(404, "no monitoring channel")
            person = await tx.directory.person(str(message.payload.get("person") or ""))
        if message.kind == notices.DELIVERY_FAILED:
            card = notices.failed_card({**message.payload, "reference": message.reference}, person)
        elif person is None:
            raise DeliveryError(404, "the person to mention no longer exists")
        else:
            card = notices.mention_card(person, message.reference or "")
        await self.messenger.send(channel, card)
        return SendResult()

    async def _refresh(self, message: OutboxMessage) -> SendResult:
        """Update every card that shows this dispute, each in its recipient's view, and put
        a formal dispute on the monitoring channel if it is not there yet."""
        now = self.clock()
        updates: list[tuple[PostedCard, Card]] = []
        async with self.store.transaction() as tx:
            dispute = await tx.disputes.find(message.reference or "")
            if dispute is None:
                return SendResult(skipped="no such dispute")
            posted_cards = await tx.posted_cards.for_dispute(dispute.reference)
            for posted in posted_cards:
                if posted.kind == MONITORING:
                    card = self.renderer.monitoring(dispute, now)
                else:
                    card = await self.renderer.dispute(tx, dispute, posted.recipient, now)
                updates.append((posted, card))
            channel = await tx.directory.monitoring_channel()
        for posted, card in updates:
            await self._update(posted, card)
        # On the current board, not on a channel that was the board before.
        board_id = conversation_id_of(channel) if channel else ""
        on_board = any(
            posted.kind == MONITORING and posted.conversation_id == board_id
            for posted in posted_cards
        )
        if channel and not on_board and dispute.is_open and dispute.formal_started_at:
            activity_id = await self.messenger.send(
                channel, self.renderer.monitoring(dispute, now)
            )
            return SendResult(posted=_board_card(dispute, channel, activity_id, now))
        return SendResult()

    async def _update(self, posted: PostedCard, card: Card) -> None:
        """One card in place; a card its reader deleted (or a chat left) is simply skipped."""
        try:
            await self.messenger.update(posted.conversation_ref, posted.activity_id, card)
        except DeliveryError as error:
            if error.retryable:
                raise  # the whole refresh is retried: updates are idempotent
            log.info("card %s no longer updatable: HTTP %s", posted.activity_id, error.status)


def _board_card(
    dispute: Dispute, channel: Mapping[str, Any], activity_id: str, now: datetime
) -> PostedCard:
    return PostedCard(
        reference=dispute.reference,
        recipient=REFRESH_RECIPIENT,
        kind=MONITORING,
        conversation_id=conversation_id_of(channel),
        activity_id=activity_id,
        conversation_ref=channel,
        posted_at=now,
    )


def _lane(message: OutboxMessage) -> str:
    """Messages in one lane go in order: one person's; refreshes and channel notes together,
    so the monitoring channel's cards appear in the order they were owed."""
    if message.kind == "refresh" or message.kind in notices.MONITORING_KINDS:
        return REFRESH_RECIPIENT
    return message.recipient
