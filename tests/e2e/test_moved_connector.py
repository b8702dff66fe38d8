"""A person whose chat moved to another connector (a new ``serviceUrl``, the same 1:1 chat id,
as Teams may do) gets their next cards through the new one: the bot must keep the address it
last heard them from. ``make run`` avoids this by giving each person a fixed Playground port."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.e2e.drp_support import FORM, RunningDrpBot
from tests.support.cards import action, verbs
from tests.support.playground import (
    PLAYGROUND_SIDE,
    Json,
    Playground,
    StartPlayground,
    card_containing,
    demo_config,
    demo_person,
)

pytestmark = pytest.mark.e2e

CHAIR = demo_person("alex").user
STAGE_1 = demo_person("megan").user


async def installed(pg: Playground) -> None:
    """Install the bot in the user's 1:1 chat and wait until the bot has answered both events."""
    mark = await pg.install()
    for event in ("conversationUpdate", "installationUpdate"):
        await pg.wait_for_log(answered(event), after=mark)


def answered(activity_name: str) -> Callable[[Json], bool]:
    """Log-stream test: the bot answered an activity of that name sent by the Playground."""

    def test(entry: Json) -> bool:
        sent = (entry.get("activityName"), entry.get("from")) == (activity_name, PLAYGROUND_SIDE)
        return sent and "response" in entry

    return test


async def test_manager_whose_connector_moved_gets_the_card_at_the_new_one(
    drp_bot: RunningDrpBot, start_playground: StartPlayground
) -> None:
    megan = demo_config(STAGE_1.id)
    before = await start_playground(drp_bot.endpoint, megan, name="moved-before")
    await installed(before)
    await before.stop()  # that connector is gone; Megan's chat is now reached through another
    after = await start_playground(drp_bot.endpoint, megan, name="moved-after")
    await installed(after)
    assert after.base_url != before.base_url
    chair = await start_playground(drp_bot.endpoint, demo_config(CHAIR.id), name="moved-chair")
    sent = await chair.send_text("new")
    form = await chair.wait_for_message(card_containing("drp.raise"), after=sent.mark)
    mark = len(after.events)

    await chair.execute(
        form.message_id, "drp.raise", {**action(form.cards[0], "drp.raise"), **FORM}
    )

    card = await after.wait_for_message(card_containing("drp.respond"), after=mark, within=5)
    assert card.conversation_id == megan.personal_chat_id
    assert "drp.respond" in verbs(card.cards[0])
    for pg in (chair, after):
        pg.assert_no_connector_errors(outside_tenant_ok=True)
