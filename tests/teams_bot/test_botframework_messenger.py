"""The proactive messenger over real HTTP into the loopback connector: new messages and
in-place updates, one connector client per service URL, failures the outbox can act on."""

from __future__ import annotations

from typing import Any

import pytest
from botbuilder.core import MessageFactory, TurnContext
from botbuilder.schema import Attachment, ConversationReference
from msrest.exceptions import HttpOperationError

from teams_bot.botframework import BotFrameworkMessenger, make_adapter
from teams_bot.settings import BotCredentials
from teams_bot.turn import DeliveryError
from tests.support.connector import LoopbackConnector

CARD_TYPE = "application/vnd.microsoft.card.adaptive"


def card(text: str) -> dict[str, Any]:
    body = [{"type": "TextBlock", "text": text}]
    return {"type": "AdaptiveCard", "version": "1.5", "body": body}


def chat(conn: LoopbackConnector, conversation_id: str) -> dict[str, Any]:
    """A stored 1:1 conversation reference, as taken from the turn that last came from it."""
    return {
        "activityId": "the-turn-it-was-taken-from",
        "user": {"id": "29:user-1", "name": "Manny Manager"},
        "bot": {"id": "28:loopback-bot", "name": "DRP"},
        "conversation": {"id": conversation_id, "conversationType": "personal"},
        "channelId": "msteams",
        "serviceUrl": conn.service_url,
    }


class CountingFactories:
    """Counts the connector clients the adapter's authentication is asked to build."""

    def __init__(self, messenger: BotFrameworkMessenger) -> None:
        self.created: list[str] = []
        auth = messenger._adapter.bot_framework_authentication
        real = auth.create_connector_factory

        def counted(claims: Any) -> Any:
            factory = real(claims)
            create = factory.create

            async def create_counted(service_url: str, audience: Any = None) -> Any:
                self.created.append(service_url)
                return await create(service_url, audience)

            factory.create = create_counted
            return factory

        auth.create_connector_factory = counted


def messenger() -> BotFrameworkMessenger:
    return BotFrameworkMessenger(make_adapter(BotCredentials()), "")


async def test_a_card_is_posted_as_a_new_message_from_the_bot_and_updated_in_place() -> None:
    sender = messenger()
    async with LoopbackConnector() as conn:
        reference = chat(conn, "a:chat-1")
        activity_id = await sender.send(reference, card("first"))
        await sender.update(reference, activity_id, card("second"))

        [post] = conn.requests_matching("POST", "/activities")
        assert post.path == "/v3/conversations/a:chat-1/activities"  # not a reply to a turn
        assert post.json["from"]["id"] == "28:loopback-bot"
        assert post.json["recipient"]["id"] == "29:user-1"
        shown = conn.activity("a:chat-1", activity_id)
        assert [v["attachments"][0]["content"]["body"][0]["text"] for v in shown.versions] == [
            "first",
            "second",
        ]
        assert shown.current["attachments"][0]["contentType"] == CARD_TYPE


async def test_sends_reuse_one_connector_client_per_service_url() -> None:
    sender = messenger()
    factories = CountingFactories(sender)
    async with LoopbackConnector() as first, LoopbackConnector() as second:
        for n in range(5):
            for conn in (first, second):
                sent = await sender.send(chat(conn, f"a:chat-{n}"), card(f"card {n}"))
                await sender.update(chat(conn, f"a:chat-{n}"), sent, card(f"card {n} again"))
        assert sorted(factories.created) == sorted([first.service_url, second.service_url])
        assert len(first.requests) == len(second.requests) == 10  # 5 sends, 5 updates each


async def test_a_throttled_send_says_how_long_teams_asks_to_wait() -> None:
    sender = messenger()
    async with LoopbackConnector() as conn:
        conn.throttle_next(1, retry_after=2.5)
        with pytest.raises(DeliveryError) as raised:
            await sender.send(chat(conn, "a:chat-1"), card("busy"))
        assert (raised.value.status, raised.value.retry_after) == (429, 2.5)
        assert raised.value.retryable
        assert not conn.activities("a:chat-1")  # nothing posted: the outbox will try again


async def test_an_unreachable_connector_is_a_retryable_delivery_failure() -> None:
    sender = messenger()
    async with LoopbackConnector() as conn:
        reference = chat(conn, "a:chat-1")
    # The connector has gone: the outbox must hear of it (it would retry), and no apology is
    # posted in its place.
    with pytest.raises(DeliveryError) as raised:
        await sender.send(reference, card("lost?"))
    assert raised.value.retryable


async def test_the_connector_gets_the_body_botbuilders_own_operations_would_send() -> None:
    """The card goes on the wire without msrest walking it (``botframework_wire``), and the
    connector receives what ``send_to_conversation`` / ``update_activity`` would have sent."""
    sender = messenger()
    shown = card("Zoë’s “plan” <b>&amp;</b> \u2013 done")
    shown["body"].append({"type": "FactSet", "facts": [{"title": "n", "value": None}]})
    shown["msteams"] = {"width": "Full", "ids": [1, 2.5, True, False]}
    async with LoopbackConnector() as conn:
        reference = chat(conn, "a:chat-1")
        ours = await sender.send(reference, shown)
        await sender.update(reference, ours, shown)

        client = await sender._client(conn.service_url)
        conversation = ConversationReference().deserialize(dict(reference))
        conversation.activity_id = None
        attached = MessageFactory.attachment(Attachment(content_type=CARD_TYPE, content=shown))
        theirs = TurnContext.apply_conversation_reference(attached, conversation)
        sent = await client.conversations.send_to_conversation("a:chat-1", theirs)
        theirs.id = sent.id
        await client.conversations.update_activity("a:chat-1", sent.id, theirs)

        posts = conn.requests_matching("POST", "/activities")
        puts = conn.requests_matching("PUT", "/activities")
        assert [r.path for r in posts] == ["/v3/conversations/a:chat-1/activities"] * 2
        assert [r.path for r in puts] == [
            f"/v3/conversations/a:chat-1/activities/{ours}",
            f"/v3/conversations/a:chat-1/activities/{sent.id}",
        ]
        assert posts[0].json == posts[1].json
        assert puts[0].json == {**puts[1].json, "id": ours}
        assert posts[0].json["attachments"] == [{"contentType": CARD_TYPE, "content": shown}]


async def test_a_failed_send_is_tried_as_often_as_botbuilders_own_and_ends_in_its_status() -> None:
    sender = messenger()
    async with LoopbackConnector() as conn:
        reference = chat(conn, "a:chat-1")
        conn.fail_next(4, status=503)
        with pytest.raises(DeliveryError) as raised:
            await sender.send(reference, card("down"))
        assert (raised.value.status, raised.value.retryable) == (503, True)
        ours = len(conn.requests_matching("POST", "/activities", 503))
        conn.clear_faults()

        client = await sender._client(conn.service_url)
        conversation = ConversationReference().deserialize(dict(reference))
        conversation.activity_id = None
        attached = MessageFactory.attachment(Attachment(content_type=CARD_TYPE, content=card("x")))
        conn.fail_next(4, status=503)
        with pytest.raises(HttpOperationError):
            await client.conversations.send_to_conversation(
                "a:chat-1", TurnContext.apply_conversation_reference(attached, conversation)
            )
        assert len(conn.requests_matching("POST", "/activities", 503)) == 2 * ours
        conn.clear_faults()

        conn.fail_next(1, status=403)
        with pytest.raises(DeliveryError) as refused:
            await sender.send(reference, card("refused"))
        assert (refused.value.status, refused.value.retryable) == (403, False)
        assert not conn.activities("a:chat-1")
