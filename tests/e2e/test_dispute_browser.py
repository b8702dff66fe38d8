"""Browser smoke tests: the Playground's own web UI in headless Debian chromium renders drp-bot's
cards and sends their ``Action.Execute``, as a person would use it.

Screenshots of each step (the page, and each card whole) go to ``test-output/e2e/<test>/`` and
must not be blank. The manager's side runs two Playgrounds on one bot, as
``make run AS="alex megan"`` does: the chair's (driven through its endpoints) and Megan Bowen's
(in chromium); the Playground has no user switcher.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.drp_support import FORM, REFERENCE, TEAM, RunningDrpBot
from tests.support.cards import action, verbs
from tests.support.playground import (
    PLAYGROUND_SIDE,
    Browser,
    Json,
    Playground,
    StartPlayground,
    blank_reason,
    card_containing,
    demo_config,
    demo_person,
)

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

CHAIR = demo_person("alex").user
STAGE_1 = demo_person("megan").user
MONITOR = demo_person("isaiah").user
# Playground 0.2.28's card renderer throws this, and sends nothing, when an Action.Execute's
# data has a property named "key" (Microsoft's adaptivecards 3.0.5 sends it unharmed); the
# idempotency key travels as "nonce" for that reason (cards/verbs.py).
KEY_BUG = "Cannot assign to read only property 'key'"


async def shoot(browser: Browser, name: str, card: Any = None) -> None:
    """The page, and the card whole if given; neither may be blank."""
    shots = [await browser.screenshot(name)]
    if card is not None:
        shots.append(await browser.screenshot_of(card, f"{name}-card"))
    problems = [reason for shot in shots if (reason := blank_reason(shot))]
    assert not problems, problems


async def pressed(browser: Browser, pg: Playground, verb: str, mark: int) -> Json:
    """The invoke the click sent (log stream); fails at once if the page threw instead."""
    sent = asyncio.create_task(
        pg.wait_for_log(
            lambda e: (
                e.get("activityName") == "invoke"
                and e["request"]["body"]["value"]["action"]["verb"] == verb
            ),
            after=mark,
        )
    )
    failed = asyncio.create_task(browser.page_error.wait())
    await asyncio.wait([sent, failed], return_when=asyncio.FIRST_COMPLETED)
    failed.cancel()
    if not sent.done():
        sent.cancel()
        hint = (
            " (a 'key' property in the action's data?)"
            if any(KEY_BUG in error for error in browser.page_errors)
            else ""
        )
        raise AssertionError(
            f"the page threw instead of sending {verb}{hint}: {browser.page_errors}"
        )
    entry: Json = sent.result()
    return entry


async def test_chair_fills_the_rendered_form_and_the_dispute_card_replaces_it(
    drp_bot: RunningDrpBot, start_playground: StartPlayground, browser: Browser
) -> None:
    pg = await start_playground(drp_bot.endpoint, demo_config(CHAIR.id), name="browser-chair")
    await browser.open(pg)
    await browser.wait_for_card(f"Welcome, {CHAIR.name}")
    await shoot(browser, "01-opened")

    await browser.type_message("new")
    form = await browser.wait_for_card("Raise dispute")
    await shoot(browser, "02-form", form)

    await browser.fill(form, "Child 1: full name (required)", FORM["child_1_name"])
    await browser.fill(form, "Liquid Logic ID (required)", FORM["child_1_local_id"])
    await browser.choose(form, "Team (required)", TEAM)
    await browser.choose(form, "Category of concern (required)", "Drift and delay in the plan")
    await browser.fill_date(form, "Date of concern (required)", FORM["date_of_concern"])
    summary = "Summary of concern, including background and action already taken (required)"
    await browser.fill(form, summary, FORM["summary"])
    await browser.fill(form, "Impact on the child (required)", FORM["impact"])
    await shoot(browser, "03-filled", form)
    mark = len(pg.log)

    await browser.click_action(form, "Raise dispute")

    invoke = await pressed(browser, pg, "drp.raise", mark)
    data = invoke["request"]["body"]["value"]["action"]["data"]
    assert (data["child_1_name"], data["team"], data["category"]) == (
        "Sam Smith",
        TEAM,
        "drift-delay",
    )
    assert data["date_of_concern"] == FORM["date_of_concern"]
    card = await browser.wait_for_card(REFERENCE)
    await shoot(browser, "04-raised", card)
    assert await browser.page.locator(".ac-adaptiveCard", has_text="Raise dispute").count() == 0
    assert "Sam Smith" in await card.inner_text()
    pg.assert_no_connector_errors(outside_tenant_ok=True)


async def test_stage_1_manager_sees_the_card_and_responds_in_the_ui(
    drp_bot: RunningDrpBot, start_playground: StartPlayground, browser: Browser
) -> None:
    chair = await start_playground(drp_bot.endpoint, demo_config(CHAIR.id), name="browser-alex")
    megan = await start_playground(drp_bot.endpoint, demo_config(STAGE_1.id), name="browser-megan")
    await browser.open(megan)  # installs the bot: Megan's chat is now this Playground's
    await browser.wait_for_card(f"Welcome, {STAGE_1.name}")

    sent = await chair.send_text("new")
    form = await chair.wait_for_message(card_containing("drp.raise"), after=sent.mark)
    raised = await chair.execute(
        form.message_id, "drp.raise", {**action(form.cards[0], "drp.raise"), **FORM}
    )
    assert "drp.respond" not in verbs(raised["value"])

    card = await browser.wait_for_card("Respond")
    assert REFERENCE in await card.inner_text()
    await shoot(browser, "01-manager-card", card)
    await browser.fill(card, "Response (required)", "Assessment booked for Thursday.")
    await shoot(browser, "02-response-typed", card)
    chair_mark, mark = len(chair.events), len(megan.log)

    await browser.click_action(card, "Respond")

    await pressed(browser, megan, "drp.respond", mark)
    answered = await browser.wait_for_card("Assessment booked for Thursday.")
    await shoot(browser, "03-responded", answered)
    assert await answered.get_by_role("button", name="Respond", exact=True).count() == 0
    update = await chair.wait_for_message(
        lambda e: e.message_id == form.message_id and card_containing("drp.escalate")(e),
        after=chair_mark,
    )
    assert update.action == "updateMessage"  # the chair's card, updated in place
    for pg in (chair, megan):
        pg.assert_no_connector_errors(outside_tenant_ok=True)


async def test_monitor_posts_monitor_here_in_the_channel_and_the_board_card_appears(
    drp_bot: RunningDrpBot, start_playground: StartPlayground, browser: Browser
) -> None:
    monitor = demo_config(MONITOR.id)
    board = await start_playground(drp_bot.endpoint, monitor, name="browser-isaiah")
    chair = await start_playground(drp_bot.endpoint, demo_config(CHAIR.id), name="browser-chair2")
    await browser.open(board)
    await browser.open_chat(monitor.channel_name)
    mark = len(board.log)

    await browser.post_mentioning(monitor.bot_name, "monitor here")

    await browser.wait_for_text("This channel is now the DRP monitoring channel")
    await shoot(browser, "01-monitor-here")
    said = await board.wait_for_log(
        lambda e: e.get("activityName") == "message" and e.get("from") == PLAYGROUND_SIDE,
        after=mark,
    )
    assert said["request"]["body"]["conversation"]["id"].startswith(monitor.channel_id)
    sent = await chair.send_text("new")
    form = await chair.wait_for_message(card_containing("drp.raise"), after=sent.mark)
    await chair.execute(
        form.message_id, "drp.raise", {**action(form.cards[0], "drp.raise"), **FORM}
    )
    card = await browser.wait_for_card(REFERENCE)
    await shoot(browser, "02-board-card", card)
    shown = await card.inner_text()
    assert "Awaiting response" in shown
    assert "Sam Smith" not in shown  # the board shows initials and local ids only
    for pg in (board, chair):
        pg.assert_no_connector_errors(outside_tenant_ok=True)


def test_blank_screenshots_are_noticed(tmp_path: Path) -> None:
    from PIL import Image

    flat = tmp_path / "flat.png"
    Image.new("RGB", (1280, 900), "white").save(flat)

    assert blank_reason(flat)
