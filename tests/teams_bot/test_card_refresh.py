"""Teams refreshes a card each time its chat is opened: a party's refresh only reads, so it is
answered even while a long write holds the database, and changes nothing."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.teams_bot.bot_harness import running_bot
from tests.teams_bot.test_walk import MONDAY, latest_card, raise_dispute, verbs


async def test_a_party_refresh_is_answered_while_a_long_write_holds_the_database(
    tmp_path: Path,
) -> None:
    async with running_bot(tmp_path, "nottingham", MONDAY) as walk:
        await raise_dispute(walk)
        await walk.deliver()
        chat, card = latest_card(walk, "megan")
        refresh = dict(card["refresh"]["action"]["data"])
        holding, release = asyncio.Event(), asyncio.Event()

        async def long_write() -> None:
            async with walk.bot.store.transaction() as tx:
                await tx.audit.record("exported", "someone", at=MONDAY, detail={})
                holding.set()
                await release.wait()

        writer = asyncio.create_task(long_write())
        await holding.wait()
        try:
            shown = await asyncio.wait_for(
                walk.press("megan", "drp.refresh", refresh, conversation_id=chat), 10
            )
        finally:
            release.set()
            await writer
        assert "drp.respond" in verbs(shown)
        async with walk.bot.store.transaction(readonly=True) as tx:
            audit = await tx.audit.for_dispute("DRP-2026-000001")
        assert audit == []  # a party's own refresh is not a refusal to record
