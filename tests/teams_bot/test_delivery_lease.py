"""Issue 12.5: a send slower than its timeout is still one message. botbuilder's connector
client sends from a thread no cancellation stops, so a call past ``send_timeout`` may yet land:
the deliverer keeps the row (its lease extended) and waits for it rather than sending again."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from teams_bot.delivery.engine import DeliveryPolicy
from teams_bot.turn import Card, Messenger
from tests.teams_bot.scheduler_scene import london, scene

START = london(2026, 11, 23, 9, 0)
SLOW = 0.3  # seconds the connector takes over the first card (the send timeout is 0.05)


class SlowFirstSend:
    """The real messenger, except that the first card takes ``SLOW`` seconds and lands even if
    the caller stopped waiting (as a send from a thread does)."""

    def __init__(self, inner: Messenger) -> None:
        self.inner = inner
        self.slowed = False

    async def send(self, reference: Mapping[str, Any], card: Card) -> str:
        if self.slowed:
            return await self.inner.send(reference, card)
        self.slowed = True
        landing = asyncio.ensure_future(self._late(reference, card))
        return await asyncio.shield(landing)

    async def _late(self, reference: Mapping[str, Any], card: Card) -> str:
        await asyncio.sleep(SLOW)  # the connector's own slowness, not the test waiting
        return await self.inner.send(reference, card)

    async def update(self, reference: Mapping[str, Any], activity_id: str, card: Card) -> None:
        await self.inner.update(reference, activity_id, card)

    async def open_personal(
        self, user_id: str, tenant_id: str, service_url: str
    ) -> Mapping[str, Any]:
        return await self.inner.open_personal(user_id, tenant_id, service_url)


def test_a_lease_shorter_than_a_send_is_refused() -> None:
    with pytest.raises(ValueError, match="must outlive a send"):
        DeliveryPolicy(lease_seconds=60, send_timeout=60, late_wait=40, lease_margin=15)


async def test_a_send_slower_than_its_timeout_is_delivered_once(tmp_path: Path) -> None:
    policy = DeliveryPolicy(send_timeout=0.05, late_wait=5.0, base_backoff=0.01, max_backoff=0.05)
    async with scene(tmp_path, "nottingham", START, delivery=policy) as walk:
        await walk.say("alex", "help")
        deliverer = walk.bot.deliverer
        slow = SlowFirstSend(deliverer.messenger.inner)
        deliverer.messenger.inner = slow
        await walk.raise_at("1", deliver=False)
        for _ in range(3):  # with time for any retry to come due
            while await deliverer.run_once():
                pass
            walk.clock.now += timedelta(seconds=policy.lease_seconds + 1)
        cards = [p for p in walk.posted("megan") if "drp.respond" in str(p[2])]
        assert slow.slowed
        assert len(cards) == 1
        card_row = next(r for r in await walk.rows() if r.kind == "dispute_card")
        assert card_row.sent_at is not None
        assert card_row.attempts == 1
