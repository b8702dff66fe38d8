"""A second run of the Agents Playground at the same URL knows none of the chats the bot opened
in the first (it answers 404 ConversationNotFound): the bot opens a new chat and the manager
gets her card, where before it gave up after one attempt (issue 19.2)."""

from __future__ import annotations

import asyncio

import pytest

from store.outbox import message_from
from store.rows import OutboxMessage
from store.schema import outbox
from tests.e2e.drp_support import FORM, RunningDrpBot
from tests.support.cards import action
from tests.support.playground import (
    Playground,
    StartPlayground,
    card_containing,
    demo_config,
    demo_person,
)

pytestmark = pytest.mark.e2e

CHAIR = demo_person("alex").user
MANAGER = demo_person("megan").user


async def raise_as_chair(pg: Playground, **changes: str) -> None:
    sent = await pg.send_text("new")
    form = await pg.wait_for_message(card_containing("drp.raise"), after=sent.mark)
    data = {**action(form.cards[0], "drp.raise"), **FORM, **changes}
    await pg.execute(form.message_id, "drp.raise", data)


async def settled_cards(drp_bot: RunningDrpBot, count: int) -> list[OutboxMessage]:
    """The manager's dispute cards, once ``count`` of them are settled (sent or given up)."""
    async with asyncio.timeout(30):
        while True:
            async with drp_bot.bot.store.transaction(readonly=True) as tx:
                megan = await tx.directory.by_teams_id(MANAGER.id)
                assert megan is not None
                mine = (outbox.c.kind == "dispute_card") & (outbox.c.recipient == megan.id)
                rows = await tx.connection.execute(
                    outbox.select().where(mine).order_by(outbox.c.id)
                )
                cards = [message_from(row) for row in rows]
            if sum(1 for m in cards if m.sent_at is not None or m.failed) >= count:
                return cards
            await asyncio.sleep(0.2)  # the deliverer runs in the background: poll the store


async def test_a_second_playground_run_reaches_the_manager_in_a_new_chat(
    drp_bot: RunningDrpBot, start_playground: StartPlayground
) -> None:
    first = await start_playground(drp_bot.endpoint, demo_config(CHAIR.id), name="gone-first")
    await raise_as_chair(first)
    [before] = await settled_cards(drp_bot, 1)
    [old_chat] = first.conversations_with(MANAGER.id)
    port = int(first.base_url.rsplit(":", 1)[1])
    await first.stop()

    second = Playground(drp_bot.endpoint, demo_config(CHAIR.id), name="gone-second", port=port)
    try:
        await second.start()
        await raise_as_chair(second, child_1_name="Ray Smith", child_1_local_id="LL-654321")
        cards = await settled_cards(drp_bot, 2)
        [new_chat] = second.conversations_with(MANAGER.id)
        assert new_chat != old_chat
        assert second.bot_activities(new_chat), "the card went into the new chat"
    finally:
        await second.stop()
    assert before.sent_at is not None
    assert (cards[1].sent_at is not None, cards[1].failed, cards[1].attempts) == (True, False, 1)
