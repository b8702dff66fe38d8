"""Owe people messages about a dispute: the outbox rows a decision causes, in its transaction.

Delivery happens after commit (``wake``), from the outbox, so nothing is lost or sent twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from drp.machine import Context, Decision
from drp.model import Dispute
from drp.routing import Audience, notices
from store.store import Transaction
from teams_bot import parties
from teams_bot.turn import Where

REFRESH_RECIPIENT = "*posted-cards*"


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a command came from: the connector to use for anyone not yet in a 1:1 chat."""

    service_url: str
    tenant_id: str

    @classmethod
    def of(cls, where: Where) -> Origin:
        """The origin of a turn."""
        return cls(where.service_url, where.tenant_id)


async def fan_out(
    tx: Transaction,
    ctx: Context,
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
    for notice in notices(ctx.policy, before, dispute, event):
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
