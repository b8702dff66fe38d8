"""The Agents SDK messenger over real HTTP into the loopback connector: the same behaviour as
the botbuilder side (tests/teams_bot/test_botframework_messenger.py): new messages and in-place
updates, 1:1 chats opened, one connector session per service URL, a current token on every
call, and failures the outbox can act on (429 with Retry-After, 403/404 chat gone)."""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("microsoft_agents.hosting.core", reason="the Agents SDK needs Python 3.12")

from azure.core.credentials_async import AsyncTokenCredential

from teams_bot import agents_messenger
from teams_bot.agents_auth import ConnectorTokens
from teams_bot.agents_messenger import AgentsMessenger
from teams_bot.delivery.throttle import PacedMessenger, Throttle
from teams_bot.settings import BotCredentials
from teams_bot.turn import DeliveryError
from tests.support.connector import LoopbackConnector

CARD_TYPE = "application/vnd.microsoft.card.adaptive"
APP_ID = "00000000-0000-0000-0000-0000000000b0"


def card(text: str) -> dict[str, Any]:
    body = [{"type": "TextBlock", "text": text}]
    return {"type": "AdaptiveCard", "version": "1.5", "body": body}


def chat(conn: LoopbackConnector, conversation_id: str, **user: Any) -> dict[str, Any]:
    """A stored 1:1 conversation reference, as taken from the turn that last came from it."""
    return {
        "activityId": "the-turn-it-was-taken-from",
        "user": {"id": "29:user-1", "name": "Manny Manager", **user},
        "bot": {"id": "28:loopback-bot", "name": "DRP"},
        "conversation": {"id": conversation_id, "conversationType": "personal"},
        "channelId": "msteams",
        "serviceUrl": conn.service_url,
    }


class CountedTokens:
    """An Agents SDK token provider handing out a new token on each call (as MSAL does once the
    cached one is near its end), or failing when told to."""

    def __init__(self) -> None:
        self.issued = (f"token-{n}" for n in itertools.count(1))
        self.failing = False

    @property
    def configuration(self) -> Any:
        return None

    async def get_access_token(
        self, resource_url: str, scopes: list[str], force_refresh: bool = False
    ) -> str:
        assert (resource_url, scopes) == (
            "https://api.botframework.com",
            ["https://api.botframework.com/.default"],
        )
        if self.failing:
            raise ValueError("AADSTS7000215: invalid client secret")
        return next(self.issued)

    def get_token_credential(self) -> AsyncTokenCredential:
        raise NotImplementedError


@pytest.fixture
async def sender() -> AsyncIterator[AgentsMessenger]:
    messenger = AgentsMessenger(BotCredentials())
    yield messenger
    await messenger.close()


async def test_a_card_is_posted_as_a_new_message_from_the_bot_and_updated_in_place(
    sender: AgentsMessenger,
) -> None:
    async with LoopbackConnector() as conn:
        reference = chat(conn, "a:chat-1")
        activity_id = await sender.send(reference, card("first"))
        await sender.update(reference, activity_id, card("second"))

        [post] = conn.requests_matching("POST", "/activities")
        assert post.path == "/v3/conversations/a:chat-1/activities"  # not a reply to a turn
        assert "replyToId" not in post.json
        assert post.json["from"] == {"id": "28:loopback-bot", "name": "DRP"}
        assert post.json["recipient"]["id"] == "29:user-1"
        assert "Authorization" not in post.headers  # open: the Playground takes no token
        [put] = conn.requests_matching("PUT")
        assert put.path == f"/v3/conversations/a:chat-1/activities/{activity_id}"
        assert put.json["id"] == activity_id
        shown = conn.activity("a:chat-1", activity_id)
        assert [v["attachments"][0]["content"] for v in shown.versions] == [
            card("first"),
            card("second"),
        ]
        assert shown.current["attachments"][0]["contentType"] == CARD_TYPE


async def test_a_channel_post_goes_into_the_channel_thread_it_was_stored_from(
    sender: AgentsMessenger,
) -> None:
    async with LoopbackConnector() as conn:
        thread = "19:monitoring@thread.tacv2;messageid=1700000000000"
        reference = {
            "bot": {"id": "28:loopback-bot", "name": "DRP"},
            "conversation": {"id": thread, "conversationType": "channel", "isGroup": True},
            "channelId": "msteams",
            "serviceUrl": conn.service_url,
        }
        mention = {
            "type": "mention",
            "text": "<at>Pat Practitioner</at>",
            "mentioned": {"id": "29:user-3", "name": "Pat Practitioner"},
        }
        posted = card("<at>Pat Practitioner</at>, a message")
        posted["msteams"] = {"entities": [mention]}
        await sender.send(reference, posted)

        [post] = conn.requests_matching("POST", "/activities")
        assert post.path == f"/v3/conversations/{thread}/activities"
        assert "recipient" not in post.json
        [shown] = conn.activities(thread)
        assert shown["attachments"][0]["content"] == posted  # the mention reaches Teams whole


async def test_a_personal_chat_is_opened_for_the_user_and_then_written_to(
    sender: AgentsMessenger,
) -> None:
    async with LoopbackConnector() as conn:
        opened = await sender.open_personal("29:user-3", "tenant-x", conn.service_url)
        await sender.send(opened, card("hello"))

        [created] = conn.created_conversations()
        assert created.parameters == {
            "isGroup": False,
            "bot": {"id": "bot"},
            "members": [{"id": "29:user-3"}],
            "tenantId": "tenant-x",
            "channelData": {"tenant": {"id": "tenant-x"}},
        }
        assert opened["conversation"]["id"] == created.id
        assert opened["conversation"]["tenantId"] == "tenant-x"
        assert opened["serviceUrl"] == conn.service_url
        assert opened["channelId"] == "msteams"
        post = conn.requests_matching("POST", "/activities")[0]
        assert post.json["recipient"] == {"id": "29:user-3"}
        assert [a["attachments"][0]["content"] for a in conn.activities(created.id)] == [
            card("hello")
        ]


async def test_a_chat_without_a_tenant_is_opened_without_one(sender: AgentsMessenger) -> None:
    async with LoopbackConnector() as conn:
        await sender.open_personal("29:user-3", "", conn.service_url)
        [created] = conn.created_conversations()
        assert created.parameters == {
            "isGroup": False,
            "bot": {"id": "bot"},
            "members": [{"id": "29:user-3"}],
        }


async def test_a_refused_chat_is_a_403_the_outbox_acts_on(sender: AgentsMessenger) -> None:
    async with LoopbackConnector() as conn:
        conn.forbid_conversation_with("29:user-4")
        with pytest.raises(DeliveryError) as raised:
            await sender.open_personal("29:user-4", "tenant-x", conn.service_url)
        assert raised.value.status == 403
        assert not raised.value.retryable


async def test_a_chat_gone_answers_404_and_a_removed_app_403(sender: AgentsMessenger) -> None:
    async with LoopbackConnector() as conn:
        opened = await sender.open_personal("29:user-2", "tenant-x", conn.service_url)
        conn.remove_app_for("29:user-2")
        with pytest.raises(DeliveryError) as removed:
            await sender.send(opened, card("anyone there?"))
        conn.forget_conversations()
        with pytest.raises(DeliveryError) as gone:
            await sender.update(chat(conn, "a:deleted"), "activity-9", card("still?"))
        assert (removed.value.status, gone.value.status) == (403, 404)
        assert not removed.value.retryable
        assert not gone.value.retryable


async def test_sends_reuse_one_connector_session_per_service_url(
    sender: AgentsMessenger, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[str] = []
    real = agents_messenger._session

    def counted(service_url: str) -> Any:
        built.append(service_url)
        return real(service_url)

    monkeypatch.setattr(agents_messenger, "_session", counted)
    async with LoopbackConnector() as first, LoopbackConnector() as second:
        for n in range(5):
            for conn in (first, second):
                sent = await sender.send(chat(conn, f"a:chat-{n}"), card(f"card {n}"))
                await sender.update(chat(conn, f"a:chat-{n}"), sent, card(f"card {n} again"))
        assert sorted(built) == sorted([first.service_url, second.service_url])
        assert len(first.requests) == len(second.requests) == 10  # 5 sends, 5 updates each


async def test_every_call_carries_a_current_token() -> None:
    tokens = CountedTokens()
    sender = AgentsMessenger(BotCredentials(app_id=APP_ID), ConnectorTokens(tokens))
    try:
        async with LoopbackConnector() as conn:
            reference = chat(conn, "a:chat-1")
            sent = await sender.send(reference, card("one"))
            await sender.update(reference, sent, card("two"))
            await sender.open_personal("29:user-2", "", conn.service_url)
            assert [r.headers["Authorization"] for r in conn.requests] == [
                "Bearer token-1",
                "Bearer token-2",
                "Bearer token-3",
            ]
    finally:
        await sender.close()


async def test_no_token_is_a_retryable_failure_and_nothing_is_sent() -> None:
    tokens = CountedTokens()
    tokens.failing = True
    sender = AgentsMessenger(BotCredentials(app_id=APP_ID), ConnectorTokens(tokens))
    try:
        async with LoopbackConnector() as conn:
            with pytest.raises(DeliveryError) as raised:
                await sender.send(chat(conn, "a:chat-1"), card("hello"))
            assert raised.value.retryable
            assert "secret" not in str(raised.value)  # what Entra ID said stays out of logs
            assert conn.requests == []
    finally:
        await sender.close()


async def test_a_throttled_send_says_how_long_teams_asks_to_wait(
    sender: AgentsMessenger,
) -> None:
    async with LoopbackConnector() as conn:
        conn.throttle_next(1, retry_after=2.5)
        with pytest.raises(DeliveryError) as raised:
            await sender.send(chat(conn, "a:chat-1"), card("busy"))
        assert (raised.value.status, raised.value.retry_after) == (429, 2.5)
        assert raised.value.retryable
        assert not conn.activities("a:chat-1")  # nothing posted: the outbox will try again


async def test_a_throttled_update_and_a_throttled_chat_say_how_long_too(
    sender: AgentsMessenger,
) -> None:
    async with LoopbackConnector() as conn:
        reference = chat(conn, "a:chat-1")
        sent = await sender.send(reference, card("first"))
        conn.throttle_next(2, retry_after=0.75)
        with pytest.raises(DeliveryError) as update:
            await sender.update(reference, sent, card("second"))
        with pytest.raises(DeliveryError) as opened:
            await sender.open_personal("29:user-2", "", conn.service_url)
        assert (update.value.status, update.value.retry_after) == (429, 0.75)
        assert (opened.value.status, opened.value.retry_after) == (429, 0.75)
        assert conn.activity("a:chat-1", sent).current["attachments"][0]["content"] == card(
            "first"
        )


async def test_the_pacer_waits_out_a_short_retry_after_and_sends_once(
    sender: AgentsMessenger,
) -> None:
    paced = PacedMessenger(sender, Throttle())
    async with LoopbackConnector() as conn:
        conn.throttle_next(1, retry_after=0.05)
        await paced.send(chat(conn, "a:chat-1"), card("patient"))
        assert [r.status for r in conn.requests] == [429, 201]
        assert len(conn.activities("a:chat-1")) == 1


async def test_a_server_error_is_retryable_and_a_bad_request_is_not(
    sender: AgentsMessenger,
) -> None:
    async with LoopbackConnector() as conn:
        conn.fail_next(1, status=502)
        with pytest.raises(DeliveryError) as gateway:
            await sender.send(chat(conn, "a:chat-1"), card("x"))
        conn.fail_next(1, status=400)
        with pytest.raises(DeliveryError) as bad:
            await sender.send(chat(conn, "a:chat-1"), card("x"))
        assert (gateway.value.status, gateway.value.retryable) == (502, True)
        assert (bad.value.status, bad.value.retryable) == (400, False)
        assert gateway.value.retry_after is None


async def test_an_unreachable_connector_is_a_retryable_delivery_failure(
    sender: AgentsMessenger,
) -> None:
    async with LoopbackConnector() as conn:
        reference = chat(conn, "a:chat-1")
        await sender.send(reference, card("while it was there"))
    # The connector has gone: the outbox must hear of it (it would retry).
    with pytest.raises(DeliveryError) as raised:
        await sender.send(reference, card("lost?"))
    assert raised.value.retryable


async def test_a_reference_stored_by_the_botbuilder_host_still_sends(
    sender: AgentsMessenger,
) -> None:
    async with LoopbackConnector() as conn:
        stored = chat(conn, "a:chat-1", aadObjectId="", role=None)
        stored["conversation"]["tenantID"] = "tenant-x"  # botbuilder's spelling
        stored["locale"] = ""
        await sender.send(stored, card("across hosts"))
        [post] = conn.requests_matching("POST", "/activities")
        assert post.json["recipient"] == {"id": "29:user-1", "name": "Manny Manager"}
        assert len(conn.activities("a:chat-1")) == 1


@pytest.mark.parametrize(
    "reference",
    [
        {},
        {"conversation": {"id": ""}, "serviceUrl": "http://127.0.0.1:9/"},
        {"conversation": "a:chat-1", "serviceUrl": "http://127.0.0.1:9/"},
        {"conversation": {"id": "a:chat-1"}},
    ],
    ids=["empty", "no conversation id", "not a mapping", "no service url"],
)
async def test_a_broken_reference_is_a_delivery_failure_not_a_crash(
    sender: AgentsMessenger, reference: dict[str, Any]
) -> None:
    with pytest.raises(DeliveryError) as raised:
        await sender.send(reference, card("nowhere"))
    assert not raised.value.retryable


async def test_the_oldest_session_is_retired_beyond_the_bound_and_a_new_one_built_on_return(
    sender: AgentsMessenger, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[Any] = []
    real = agents_messenger._session

    def kept(service_url: str) -> Any:
        built.append(real(service_url))
        return built[-1]

    monkeypatch.setattr(agents_messenger, "_session", kept)
    monkeypatch.setattr(agents_messenger, "MAX_CONNECTOR_CLIENTS", 1)
    monkeypatch.setattr(agents_messenger, "RETIRE_AFTER_SECONDS", 0.0)
    async with LoopbackConnector() as first, LoopbackConnector() as second:
        await sender.send(chat(first, "a:chat-1"), card("one"))
        await sender.send(chat(second, "a:chat-2"), card("two"))  # the first is retired
        await asyncio.gather(*sender._closing)
        assert [session.closed for session in built] == [True, False]
        await sender.send(chat(first, "a:chat-1"), card("three"))
        assert len(built) == 3
        assert len(first.activities("a:chat-1")) == 2


async def test_the_sdks_own_log_lines_stay_out_of_the_logs(
    sender: AgentsMessenger, caplog: pytest.LogCaptureFixture
) -> None:
    # The SDK logs each call's conversation id at INFO and each failure at ERROR; the outbox
    # reports a failure once, in its own words.
    async with LoopbackConnector() as conn:
        with caplog.at_level(logging.DEBUG):
            sent = await sender.send(chat(conn, "a:chat-secret"), card("x"))
            await sender.update(chat(conn, "a:chat-secret"), sent, card("y"))
            conn.fail_next(1, status=500)
            with pytest.raises(DeliveryError):
                await sender.send(chat(conn, "a:chat-secret"), card("z"))
    assert not [r for r in caplog.records if r.name.startswith("microsoft_agents")]
    assert "a:chat-secret" not in caplog.text


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(), extra=JSON)
def test_any_card_reaches_teams_exactly_as_built_on_send_and_on_update(
    text: str, extra: Any
) -> None:
    # The SDK serialises the card inside its pydantic Activity (send with mode="json", update
    # without): whatever JSON the card builders make must arrive unchanged both ways.
    built = card(text) | {"extra": extra}

    async def round_trip() -> list[Any]:
        sender = AgentsMessenger(BotCredentials())
        try:
            async with LoopbackConnector() as conn:
                reference = chat(conn, "a:chat-1")
                sent = await sender.send(reference, built)
                await sender.update(reference, sent, built | {"updated": True})
                versions = conn.activity("a:chat-1", sent).versions
                return [v["attachments"][0]["content"] for v in versions]
        finally:
            await sender.close()

    assert asyncio.run(round_trip()) == [built, built | {"updated": True}]
