"""The one start-up of drp-bot under test: a migrated store (with the demo directory unless the
test brings its own), the policy, a clock the test drives, and the bot wired as ``drp-bot serve``
wires it, only paced for tests (no throttle sleeping on the wall clock, short backoff,
numbered idempotency keys). The walk harness, the scheduler scene and the Playground walk all
start the bot here."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from drp.calendar import WorkingDayCalendar
from drp.machine import Context
from drp.policy import load_policy
from store.demo import load_demo_directory
from store.store import Store
from teams_bot.app import Bot, build_bot
from teams_bot.delivery.engine import DeliveryPolicy
from teams_bot.delivery.throttle import Throttle
from teams_bot.settings import BotCredentials
from tests.support import hosts

# Retries in milliseconds, not seconds: a test's failed send is tried again at once.
FAST_DELIVERY = DeliveryPolicy(base_backoff=0.01, max_backoff=0.05)


@dataclass
class DrivenClock:
    """A clock the test moves by hand."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


async def opened_store(url: str, *, demo_at: datetime | None = None) -> Store:
    """The store at ``url``, migrated; with ``demo_at``, the demo directory loaded as of then."""
    store = await Store.open(url)
    await store.upgrade()
    if demo_at is not None:
        await load_demo_directory(store, at=demo_at)
    return store


def bot_under_test(
    store: Store, policy: str, clock: DrivenClock, *, keys: str | None = "key-", **options: Any
) -> Bot:
    """The bot on ``store`` under ``policy`` (a shipped profile's name or a file's path), on the
    driven clock. ``keys``: the idempotency keys' prefix (numbered from 1), or None for the
    bot's own random keys. ``options`` go to ``build_bot`` (delivery, timing, mailer...)."""
    ctx = Context(load_policy(policy), WorkingDayCalendar())
    if keys is not None:
        counter = itertools.count(1)
        options["keys"] = lambda: f"{keys}{next(counter)}"
    # Pacing sleeps on the wall clock; this bot's clock is driven.
    options.setdefault("throttle", Throttle.off())
    options.setdefault("bot_host", hosts.current())
    return build_bot(store, ctx, BotCredentials(), clock=clock, **options)
