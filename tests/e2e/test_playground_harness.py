"""The Playground harness, proven against the echo bot (no drp code)."""

from __future__ import annotations

import pytest

from tests.support.echo_bot import PROACTIVE_TEXT, UPDATED_TEXT, WELCOME_TEXT, RunningEchoBot
from tests.support.playground import (
    DEFAULT_CONFIG,
    PLAYGROUND_SIDE,
    Browser,
    Playground,
    StartPlayground,
    card_containing,
    text_is,
)

pytestmark = pytest.mark.e2e


async def test_text_sent_in_the_personal_chat_is_echoed_on_the_stream(
    echo_playground: Playground,
) -> None:
    sent = await echo_playground.send_text("hello")

    reply = await echo_playground.wait_for_message(text_is("echo: hello"), after=sent.mark)

    assert reply.action == "createMessage"
    assert reply.conversation_id == echo_playground.config.personal_chat_id
    echo_playground.assert_no_connector_errors()


async def test_action_execute_returns_the_new_card_in_the_invoke_response(
    echo_playground: Playground,
) -> None:
    sent = await echo_playground.send_text("card")
    card = await echo_playground.wait_for_message(card_containing("Echo card"), after=sent.mark)

    body = await echo_playground.execute(card.message_id, "press", {"presses": 0, "note": "hi"})

    assert body["type"] == "application/vnd.microsoft.card.adaptive"
    texts = [block.get("text") for block in body["value"]["body"]]
    assert texts[0] == "Pressed 1 time(s)"
    assert "Note: hi" in texts
    echo_playground.assert_no_connector_errors()


async def test_proactive_message_and_in_place_update_reach_the_user(
    echo_bot: RunningEchoBot, echo_playground: Playground
) -> None:
    sent = await echo_playground.send_text("card")
    card = await echo_playground.wait_for_message(card_containing("Echo card"), after=sent.mark)
    # The chat shows the card before the bot has the connector's answer (under load): the update
    # must name the card, not whatever the bot sent before.
    await echo_bot.bot.wait_recorded(card.conversation_id, card.message_id)

    await echo_playground.send_text("proactive")

    await echo_playground.wait_for_message(text_is(PROACTIVE_TEXT), after=sent.mark)
    update = await echo_playground.wait_for_message(text_is(UPDATED_TEXT), after=sent.mark)
    assert (update.action, update.message_id) == ("updateMessage", card.message_id)
    echo_playground.assert_no_connector_errors()


async def test_channel_message_reaches_the_bot_only_with_a_mention(
    echo_playground: Playground,
) -> None:
    channel = echo_playground.config.channel_id
    await echo_playground.send_plain("ignored", channel)
    sent = await echo_playground.send_text("to the channel", channel)

    reply = await echo_playground.wait_for_message(
        text_is("echo: to the channel"), after=sent.mark
    )

    assert reply.conversation_id == sent.conversation_id  # the thread of the posted message
    assert not [a for a in echo_playground.bot_activities() if a.get("text") == "echo: ignored"]
    echo_playground.assert_no_connector_errors()


async def test_custom_activity_acts_as_another_user(echo_playground: Playground) -> None:
    other = echo_playground.config.users[3]
    mark = len(echo_playground.log)

    activity_id = await echo_playground.send_text_as(other.id, "from someone else")

    inbound = await echo_playground.wait_for_log(
        lambda e: e.get("messageId") == activity_id, after=mark
    )
    assert inbound["request"]["body"]["from"]["id"] == other.id
    await echo_playground.wait_for_message(text_is("echo: from someone else"))
    echo_playground.assert_no_connector_errors()


async def test_action_execute_as_another_user_returns_the_card(
    echo_playground: Playground,
) -> None:
    sent = await echo_playground.send_text("card")
    card = await echo_playground.wait_for_message(card_containing("Echo card"), after=sent.mark)
    other = echo_playground.config.users[1]

    body = await echo_playground.execute_as(other.id, card.message_id, "press", {"presses": 4})

    assert body["value"]["body"][0]["text"] == "Pressed 5 time(s)"
    echo_playground.assert_no_connector_errors()


async def test_installation_event_gets_the_welcome(echo_playground: Playground) -> None:
    mark = await echo_playground.install()

    await echo_playground.wait_for_message(text_is(WELCOME_TEXT), after=mark)
    echo_playground.assert_no_connector_errors()


async def test_conversation_created_for_another_user_is_seen_in_the_log(
    echo_playground: Playground,
) -> None:
    other = echo_playground.config.users[2]

    await echo_playground.send_text(f"dm {other.id}")

    created = await echo_playground.wait_for_log(
        lambda e: e.get("activityName") == "createConversation"
    )
    assert created["response"]["statusCode"] == 201
    conversation_id = created["response"]["body"]["id"]
    await echo_playground.wait_for_log(lambda e: e.get("conversationId") == conversation_id)
    echo_playground.assert_no_connector_errors()


async def test_current_user_comes_from_the_generated_config(
    echo_bot: RunningEchoBot, start_playground: StartPlayground
) -> None:
    config = DEFAULT_CONFIG.as_current(DEFAULT_CONFIG.users[1].id)
    playground = await start_playground(echo_bot.endpoint, config)
    mark = len(playground.log)

    await playground.send_text("who")

    inbound = await playground.wait_for_log(
        lambda e: e.get("activityName") == "message" and e.get("from") == PLAYGROUND_SIDE,
        after=mark,
    )
    assert inbound["request"]["body"]["from"]["id"] == config.users[1].id


@pytest.mark.browser
async def test_browser_renders_the_card_and_sends_action_execute(
    echo_playground: Playground, browser: Browser
) -> None:
    await browser.open(echo_playground)
    await browser.screenshot("01-opened")

    await browser.type_message("card")
    card = await browser.wait_for_card("Echo card")
    await browser.fill(card, "Note", "typed in chromium")
    await browser.screenshot("02-card")
    await browser.click_action(card, "Press")

    pressed = await browser.wait_for_card("Pressed 1 time(s)")
    await browser.screenshot("03-pressed")
    assert "Note: typed in chromium" in await pressed.inner_text()
    invokes = [e for e in echo_playground.log if e.get("activityName") == "invoke"]
    action = invokes[-1]["request"]["body"]["value"]["action"]
    assert (action["verb"], action["data"]["note"]) == ("press", "typed in chromium")
    echo_playground.assert_no_connector_errors()
