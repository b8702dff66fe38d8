"""The loopback connector, proven with the echo bot over real HTTP on free loopback ports."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from botbuilder.core import ActivityHandler, InvokeResponse, TurnContext
from botbuilder.schema import AdaptiveCardInvokeResponse, AdaptiveCardInvokeValue

from tests.support.connector import LoopbackConnector, TokenBucket, post_activity
from tests.support.echo_bot import (
    CARD_CONTENT_TYPE,
    DM_TEXT,
    PROACTIVE_TEXT,
    UPDATED_TEXT,
    EchoBot,
    RunningEchoBot,
    press_card,
    serve_echo_bot,
)

PERSONAL = "a:personal-chat"


class FakeClock:
    """Time that moves only when the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Setup:
    conn: LoopbackConnector
    bot: RunningEchoBot
    clock: FakeClock

    async def say(self, text: str, from_id: str | None = None) -> int:
        status, _ = await post_activity(
            self.bot.endpoint, self.conn.message_activity(text, from_id=from_id)
        )
        return status


@pytest.fixture
async def setup() -> AsyncIterator[Setup]:
    clock = FakeClock()
    async with LoopbackConnector(clock=clock) as conn, serve_echo_bot() as bot:
        yield Setup(conn, bot, clock)


async def test_bot_reply_reaches_the_connector_as_a_reply_to_the_incoming_activity(
    setup: Setup,
) -> None:
    incoming = setup.conn.message_activity("hello")

    status, _ = await post_activity(setup.bot.endpoint, incoming)

    assert status in (200, 201)
    assert setup.conn.texts(PERSONAL) == ["echo: hello"]
    [call] = setup.conn.requests
    assert (call.method, call.status) == ("POST", 201)
    assert call.path == f"/v3/conversations/{PERSONAL}/activities/{incoming['id']}"
    assert call.json["replyToId"] == incoming["id"]
    assert "Authorization" not in call.headers  # open bot: no credentials, no token


async def test_action_execute_invoke_answers_the_new_card_over_real_http(setup: Setup) -> None:
    await setup.say("card")
    [card] = setup.conn.activities(PERSONAL)
    value = {"action": {"type": "Action.Execute", "verb": "press", "data": {"presses": 0}}}

    status, body = await post_activity(
        setup.bot.endpoint,
        setup.conn.invoke_activity("adaptiveCard/action", value, reply_to_id=card["id"]),
    )

    # Pins the 4.17.1 double-serialisation workaround (shared/PLAYGROUND.md).
    assert status == 200
    assert body["statusCode"] == 200
    assert body["type"] == "application/vnd.microsoft.card.adaptive"
    assert body["value"]["body"][0]["text"] == "Pressed 1 time(s)"


async def test_proactive_turn_sends_and_updates_the_previous_activity_in_place(
    setup: Setup,
) -> None:
    await setup.say("card")
    [card] = setup.conn.activities(PERSONAL)

    await setup.say("proactive")

    assert setup.conn.texts(PERSONAL) == [UPDATED_TEXT, PROACTIVE_TEXT]
    history = setup.conn.activity(PERSONAL, card["id"])
    assert len(history.versions) == 2
    assert history.versions[0]["attachments"][0]["content"]["type"] == "AdaptiveCard"
    assert setup.conn.requests_matching("PUT")[0].activity_id == card["id"]


async def test_created_conversation_is_recorded_with_its_parameters_and_messages(
    setup: Setup,
) -> None:
    target = setup.conn.members[1].id

    await setup.say(f"dm {target}")

    [created] = setup.conn.created_conversations()
    assert created.parameters is not None
    assert [m["id"] for m in created.parameters["members"]] == [target]
    assert created.parameters["channelData"]["tenant"]["id"] == setup.conn.tenant_id
    assert setup.conn.texts(created.id) == [DM_TEXT]
    assert setup.bot.bot.created_conversations == [created.id]


async def test_create_conversation_with_a_forbidden_user_gets_403(setup: Setup) -> None:
    target = setup.conn.members[2].id
    setup.conn.forbid_conversation_with(target)

    status = await setup.say(f"dm {target}")

    assert status == 500  # the echo bot does not handle it; a real bot must
    assert [r.status for r in setup.conn.requests_matching("POST", "/v3/conversations")] == [403]
    assert setup.conn.created_conversations() == []


async def test_roster_is_served_teams_shaped(setup: Setup) -> None:
    await setup.say("roster")

    assert setup.conn.texts(PERSONAL) == [",".join(m.id for m in setup.conn.members)]
    assert setup.conn.requests_matching("GET", "/members")[0].status == 200


async def test_throttle_next_answers_429_with_retry_after_then_recovers(setup: Setup) -> None:
    setup.conn.throttle_next(1, retry_after=2)

    assert await setup.say("one") == 500  # botbuilder raises on 429; it does not retry
    assert await setup.say("two") in (200, 201)

    throttled, ok = setup.conn.requests
    assert (throttled.status, throttled.retry_after) == (429, "2")
    assert ok.status == 201
    assert setup.conn.texts(PERSONAL) == ["echo: two"]


async def test_fail_next_answers_5xx_only_for_the_chosen_conversation(setup: Setup) -> None:
    setup.conn.fail_next(1, status=502, conversation_id="a:other")

    assert await setup.say("unaffected") in (200, 201)
    assert setup.conn.requests[0].status == 201


async def test_rate_limit_per_conversation_throttles_until_the_clock_refills(
    setup: Setup,
) -> None:
    setup.conn.rate_limit(per_conversation=(2, 10.0))

    statuses = [await setup.say(f"m{i}") for i in range(3)]
    setup.clock.now += 5.0
    statuses.append(await setup.say("after refill"))

    assert [r.status for r in setup.conn.requests] == [201, 201, 429, 201]
    assert setup.conn.requests[2].retry_after == "5"
    assert statuses[2] == 500
    assert setup.conn.texts(PERSONAL) == ["echo: m0", "echo: m1", "echo: after refill"]


async def test_wait_for_returns_once_the_bot_has_written(setup: Setup) -> None:
    await setup.say("hello")

    await setup.conn.wait_for(lambda c: c.texts(PERSONAL) == ["echo: hello"], within=1.0)


class SdkPathBot(EchoBot):
    """Answers Action.Execute the documented way, through ``on_adaptive_card_invoke``."""

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse | None:
        return await ActivityHandler.on_invoke_activity(self, turn_context)

    async def on_adaptive_card_invoke(
        self, turn_context: TurnContext, invoke_value: AdaptiveCardInvokeValue
    ) -> AdaptiveCardInvokeResponse:
        return AdaptiveCardInvokeResponse(
            status_code=200, type=CARD_CONTENT_TYPE, value=press_card(1)
        )


async def test_sdk_still_double_serialises_on_adaptive_card_invoke(
    setup: Setup, caplog: pytest.LogCaptureFixture
) -> None:
    """Canary: when botbuilder fixes this (answers 200), drop the workaround in every bot."""
    value = {"action": {"type": "Action.Execute", "verb": "press", "data": {}}}
    invoke = setup.conn.invoke_activity("adaptiveCard/action", value, reply_to_id="x")

    async with serve_echo_bot(SdkPathBot) as sdk_bot:
        status, _ = await post_activity(sdk_bot.endpoint, invoke)

    assert status == 500
    assert "'dict' object has no attribute 'is_xml_model'" in caplog.text


def test_token_bucket_grants_rate_then_reports_the_wait() -> None:
    clock = FakeClock()
    bucket = TokenBucket(3, 1.5, clock)

    assert [bucket.take() for _ in range(3)] == [None, None, None]
    assert bucket.take() == pytest.approx(0.5)
    clock.now += 0.5
    assert bucket.take() is None
