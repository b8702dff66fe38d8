"""drp-bot for the end-to-end tests: served as ``drp-bot serve --demo`` serves it, and its cards
read the way a person reads them (text, facts, buttons)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from teams_bot.app import Bot
from tests.support.bot import DrivenClock, bot_under_test, opened_store
from tests.support.ports import serve_app
from tests.teams_bot.bot_harness import LONDON

# A Monday in term time: the form's dates below are written against it.
WALK_START = datetime(2026, 11, 23, 9, 30, tzinfo=LONDON)
REFERENCE = "DRP-2026-000001"  # the first dispute of 2026
TEAM = "Riverside Family Support"  # Megan Bowen's team in the demo directory
FORM = {
    "child_1_name": "Sam Smith",
    "child_1_local_id": "LL-123456",
    "child_1_dob": "2015-06-01",
    "team": TEAM,
    "category": "drift-delay",
    "date_of_concern": "2026-11-20",
    "summary": "The child protection plan has not progressed since conference.",
    "impact": "Sam remains at risk while the assessment is outstanding.",
    "action_1_text": "Complete the updated assessment",
    "action_1_date": "2026-11-27",
    "evidence": "Assessment on the case record",
    "stage": "1",
}


@dataclass
class RunningDrpBot:
    """drp-bot served on a free port, with its store and the clock the test drives."""

    bot: Bot
    endpoint: str
    clock: DrivenClock


@asynccontextmanager
async def serve_drp_bot(
    database: Path, policy: str = "nottingham"
) -> AsyncIterator[RunningDrpBot]:
    """drp-bot as ``drp-bot serve --demo`` runs it (SQLite file, demo directory, the outbox
    delivered in the background, no credentials), on a clock the test moves by hand."""
    store = await opened_store(f"sqlite+aiosqlite:///{database}", demo_at=WALK_START)
    clock = DrivenClock(WALK_START)
    bot = bot_under_test(store, policy, clock, keys=None, deliver_in_background=True)
    try:
        async with serve_app(bot.web) as base:
            yield RunningDrpBot(bot, f"{base}/api/messages", clock)
    finally:
        await store.close()


async def delivered(drp_bot: RunningDrpBot, within: float = 60.0) -> None:
    """Wait until the background deliverer owes nothing due now (each row sent or given up),
    so that no send is in flight when the Playground it talks to stops."""
    async with asyncio.timeout(within):
        while True:
            async with drp_bot.bot.store.transaction(readonly=True) as tx:
                owed, _ = await tx.outbox.backlog(drp_bot.clock())
            if owed == 0:
                return
            await asyncio.sleep(0.2)  # the deliverer runs in the background: poll the store
