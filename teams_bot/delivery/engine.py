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
- a send is never started with less than ``lease_margin`` of the lease left.
- a send slower than ``send_timeout`` is not given up: botbuilder's connector client sends from a
  thread that no cancellation stops, so the call may still land. The row's lease is extended and
  the call waited for (``late_wait``, longer than the client's own connect and read timeouts);
  if it lands the row is marked sent, so it is not sent again. Only a call still running after
  that is abandoned and retried. The lease therefore outlives the send: ``DeliveryPolicy``
  refuses a lease shorter than ``send_timeout + late_wait + lease_margin``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from store.rows import OutboxMessage
from store.store import Store, Transaction
from teams_bot.delivery.renderers import standard_senders
from teams_bot.delivery.senders import ChatRefused, Installer, Outlet, Senders, SendResult
from teams_bot.delivery.throttle import PacedMessenger, Throttle
from teams_bot.logs import report_incident
from teams_bot.metrics import Outcome
from teams_bot.notifier import Notifier
from teams_bot.outbox_kinds import REFRESH_RECIPIENT, OutboxKind
from teams_bot.rendering import Renderer
from teams_bot.turn import DeliveryError, Messenger

log = logging.getLogger(__name__)

CHAT_REFUSED = "Teams refused a 1:1 chat; mentioned on the monitoring channel instead"


@dataclass(frozen=True, slots=True)
class DeliveryPolicy:
    """How hard to try: lease, attempts, backoff bounds, batch size and parallel lanes."""

    lease_seconds: float = 120.0
    lease_margin: float = 15.0
    send_timeout: float = 60.0
    # How long a send past its timeout is still waited for: more than the connector client's
    # connect + read timeouts (botframework.CONNECT/READ_TIMEOUT_SECONDS: 3 + 30).
    late_wait: float = 40.0
    max_attempts: int = 6
    max_throttled_attempts: int = 30
    base_backoff: float = 2.0
    max_backoff: float = 300.0
    batch: int = 20
    concurrency: int = 8
    inline_retries: int = 3
    max_inline_wait: float = 5.0

    def __post_init__(self) -> None:
        needed = self.send_timeout + self.late_wait + self.lease_margin
        if self.lease_seconds < needed:
            raise ValueError(
                f"lease_seconds ({self.lease_seconds}) must outlive a send: at least "
                f"send_timeout + late_wait + lease_margin ({needed})"
            )


def backoff(attempt: int, policy: DeliveryPolicy, rng: random.Random) -> float:
    """Exponential backoff with jitter (Teams guidance for 5xx, 412, 504 and timeouts)."""
    ceiling = min(policy.max_backoff, policy.base_backoff * 2 ** max(0, attempt - 1))
    return rng.uniform(ceiling / 2, ceiling)


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
        *,
        senders: Senders | None = None,
        installer: Installer | None = None,
        outcomes: Callable[[Outcome], None] = lambda outcome: None,
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
        self.senders = senders or standard_senders()
        self.outlet = Outlet(store, self.messenger, renderer, clock, installer)
        self.outcomes = outcomes  # counted by /metrics
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
            result = await self._send(message, timeout)
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
            await self._settle(message, result)

    async def _send(self, message: OutboxMessage, within: float) -> SendResult:
        """Send ``within`` seconds; past that, keep the row and wait for the call to end."""
        sender = self.senders.sender(message.kind)
        call = asyncio.ensure_future(sender(self.outlet, message))
        try:
            return await asyncio.wait_for(asyncio.shield(call), within)
        except TimeoutError:
            pass
        except asyncio.CancelledError:
            call.cancel()  # the deliverer is stopping: the lease returns the row to the queue
            raise
        late = self.policy.late_wait
        until = self.clock() + timedelta(seconds=late + self.policy.lease_margin)
        async with self.store.transaction() as tx:
            held = await tx.outbox.extend_lease(message.id, self.owner, until)
        log.info(
            "delivery %s: slower than %.1f s; waiting for it (lease held: %s)",
            message.id,
            within,
            held,
        )
        done, _ = await asyncio.wait({call}, timeout=late)
        if call in done:
            return call.result()
        call.cancel()
        raise TimeoutError

    def _lease_left(self, message: OutboxMessage) -> float:
        expires = message.lease_expires_at
        if expires is None:
            return self.policy.lease_seconds
        return (expires - self.clock()).total_seconds()

    async def _settle(self, message: OutboxMessage, outcome: SendResult) -> None:
        # Urgent: until this commits, a crash sends the message again (see the module doc).
        async with self.store.transaction(urgent=True) as tx:
            if outcome.posted is not None:
                await tx.posted_cards.record(outcome.posted)
            marked = await tx.outbox.mark_sent(message.id, self.owner, self.clock())
        self.outcomes(Outcome.SKIPPED if outcome.skipped else Outcome.SENT)
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
            if retry_at is None and not _to_monitoring(message):
                await self._owe_monitoring(tx, message, OutboxKind.DELIVERY_FAILED, str(error))
        self.outcomes(Outcome.RETRYING if retry_at is not None else Outcome.GIVEN_UP)
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
            await self._owe_monitoring(tx, message, OutboxKind.MENTION, "HTTP 403")
        self.outcomes(Outcome.MENTIONED)
        log.warning("delivery %s to %s: %s", message.id, message.recipient, CHAT_REFUSED)

    async def _owe_monitoring(
        self, tx: Transaction, message: OutboxMessage, kind: OutboxKind, error: str
    ) -> None:
        notifier = Notifier(tx, self.renderer.ctx)
        await notifier.monitoring_note(kind, message, error, self.clock())


def _to_monitoring(message: OutboxMessage) -> bool:
    return message.kind in {kind.value for kind in OutboxKind if kind.to_monitoring}


def _lane(message: OutboxMessage) -> str:
    """Messages in one lane go in order: one person's; refreshes and channel notes together,
    so the monitoring channel's cards appear in the order they were owed."""
    if message.kind == OutboxKind.REFRESH or _to_monitoring(message):
        return REFRESH_RECIPIENT
    return message.recipient
