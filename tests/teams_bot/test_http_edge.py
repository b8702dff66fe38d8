"""The edge over real HTTP on each host: garbage gets 4xx, invokes get their card, auth holds.

The dispatcher here is a recording fake (allowed: this tests one package's edge); the HTTP
server, the host's SDK adapter and the loopback Bot Connector are real.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import pytest

from teams_bot.admission import Admission
from teams_bot.http import make_app
from teams_bot.settings import BotCredentials
from teams_bot.turn import ConversationKind, Reply, Turn, TurnKind
from tests.support.connector import LoopbackConnector, post_activity
from tests.support.hosts import edge_host
from tests.support.ports import serve_app

JSON = "application/json"
CARD = {"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "TextBlock", "text": "hi"}]}


class RecordingDispatcher:
    """Answers each turn with a fixed reply and remembers what it saw."""

    def __init__(self, reply: Reply) -> None:
        self.reply = reply
        self.turns: list[Turn] = []

    async def handle(self, turn: Turn) -> Reply:
        self.turns.append(turn)
        return self.reply


@asynccontextmanager
async def running_bot(
    dispatcher: RecordingDispatcher,
    credentials: BotCredentials | None = None,
    healthy: bool = True,
) -> AsyncIterator[str]:
    creds = credentials or BotCredentials()

    async def health() -> bool:
        return healthy

    app = make_app(edge_host(dispatcher, creds), creds, health)
    async with serve_app(app) as base:
        yield base


async def test_message_is_dispatched_and_reply_posted_through_connector() -> None:
    dispatcher = RecordingDispatcher(Reply(texts=("hello",), cards=(CARD,)))
    async with LoopbackConnector() as conn, running_bot(dispatcher) as base:
        status, _ = await post_activity(f"{base}/api/messages", conn.message_activity("help"))
        assert status in {200, 201}
        assert [t.text for t in dispatcher.turns] == ["help"]
        turn = dispatcher.turns[0]
        assert turn.kind == TurnKind.MESSAGE
        assert turn.where.kind == ConversationKind.PERSONAL
        assert turn.where.reference["serviceUrl"] == conn.service_url
        sent = conn.activities("a:personal-chat")
        assert [a.get("text") for a in sent if a.get("text")] == ["hello"]
        assert any(a.get("attachments") for a in sent)


async def test_adaptive_card_action_returns_card_in_invoke_response() -> None:
    # Pins the botbuilder 4.17.1 workaround (double serialisation gave HTTP 500).
    dispatcher = RecordingDispatcher(Reply(invoke_card=CARD))
    value = {"action": {"type": "Action.Execute", "verb": "drp.respond", "data": {"x": 1}}}
    async with LoopbackConnector() as conn, running_bot(dispatcher) as base:
        activity = conn.invoke_activity("adaptiveCard/action", value)
        status, body = await post_activity(f"{base}/api/messages", activity)
    assert status == 200
    assert body["statusCode"] == 200
    assert body["type"] == "application/vnd.microsoft.card.adaptive"
    assert body["value"] == CARD
    assert dispatcher.turns[0].verb == "drp.respond"
    assert dispatcher.turns[0].data == {"x": 1}


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"not json", "application/json"),
        (b"[1, 2]", "application/json"),
        (b"{}", "application/json"),
        (b'{"type": "message"}', "application/json"),
        (
            b'{"type": "message", "conversation": {"id": "c"}, "from": {"id": 1}}',
            "application/json",
        ),
        (
            b'{"type": "message", "text": 5, "conversation": {"id": "c"}, "from": {"id": "u"},'
            b' "serviceUrl": "http://x"}',
            "application/json",
        ),
        (b'{"type": "message"}', "text/plain"),
    ],
)
async def test_garbage_activity_gets_400_not_500(body: bytes, content_type: str) -> None:
    dispatcher = RecordingDispatcher(Reply())
    async with running_bot(dispatcher) as base, aiohttp.ClientSession() as session:
        response = await session.post(
            f"{base}/api/messages", data=body, headers={"Content-Type": content_type}
        )
        assert response.status == 400
        assert "error" in await response.json()
    assert dispatcher.turns == []


async def test_huge_body_is_refused_with_413() -> None:
    dispatcher = RecordingDispatcher(Reply())
    async with LoopbackConnector() as conn, running_bot(dispatcher) as base:
        activity = conn.message_activity("x" * 600_000)
        status, _ = await post_activity(f"{base}/api/messages", activity)
    assert status == 413
    assert dispatcher.turns == []


async def test_unknown_invoke_and_event_types_are_answered_without_dispatch() -> None:
    dispatcher = RecordingDispatcher(Reply(texts=("never",)))
    async with LoopbackConnector() as conn, running_bot(dispatcher) as base:
        invoke = conn.invoke_activity("composeExtension/query", {"q": 1})
        status, _ = await post_activity(f"{base}/api/messages", invoke)
        assert status < 500
        typing = conn.incoming_activity("typing")
        status, _ = await post_activity(f"{base}/api/messages", typing)
        assert status < 500
    assert dispatcher.turns == []


async def test_with_credentials_a_request_without_jwt_is_401() -> None:
    dispatcher = RecordingDispatcher(Reply(texts=("never",)))
    creds = BotCredentials(app_id="00000000-0000-0000-0000-000000000001", app_password="s")
    async with LoopbackConnector() as conn, running_bot(dispatcher, creds) as base:
        status, _ = await post_activity(f"{base}/api/messages", conn.message_activity("help"))
        forged = {"Authorization": "Bearer not.a.jwt"}
        forged_status, _ = await post_activity(
            f"{base}/api/messages", conn.message_activity("help"), forged
        )
    assert status == 401
    assert forged_status == 401
    assert dispatcher.turns == []


async def test_tenant_not_on_allow_list_is_refused() -> None:
    dispatcher = RecordingDispatcher(Reply(texts=("hi",)))
    creds = BotCredentials(allowed_tenants=frozenset({"allowed-tenant"}))
    async with LoopbackConnector() as conn, running_bot(dispatcher, creds) as base:
        status, _ = await post_activity(f"{base}/api/messages", conn.message_activity("help"))
    assert status == 403
    assert dispatcher.turns == []


@pytest.mark.parametrize(("healthy", "expected"), [(True, 200), (False, 503)])
async def test_healthz_reports_store_reachability(healthy: bool, expected: int) -> None:
    async with (
        running_bot(RecordingDispatcher(Reply()), healthy=healthy) as base,
        aiohttp.ClientSession() as session,
        session.get(f"{base}/healthz") as response,
    ):
        body: dict[str, Any] = await response.json()
    assert response.status == expected
    assert body["store"] is healthy


class HeldDispatcher:
    """Holds every turn until released; records how many ran at once and in what order."""

    def __init__(self) -> None:
        self.running = 0
        self.most = 0
        self.order: list[str] = []
        self.release = asyncio.Event()

    async def handle(self, turn: Turn) -> Reply:
        self.running += 1
        self.most = max(self.most, self.running)
        self.order.append(turn.text)
        try:
            await self.release.wait()
        finally:
            self.running -= 1
        return Reply(invoke_card=CARD)


async def test_turns_beyond_the_limit_wait_and_are_decided_first_come_first_served() -> None:
    dispatcher = HeldDispatcher()
    creds = BotCredentials()

    async def health() -> bool:
        return True

    app = make_app(edge_host(Admission(dispatcher, 2), creds), creds, health)
    async with LoopbackConnector() as conn, serve_app(app) as base:
        url = f"{base}/api/messages"
        sent = []
        for n in range(6):
            sent.append(asyncio.create_task(post_activity(url, conn.message_activity(f"m{n}"))))
            await asyncio.sleep(0.05)  # arrive in order
        await asyncio.sleep(0.2)
        assert dispatcher.order == ["m0", "m1"]  # the rest wait at the door
        dispatcher.release.set()
        answers = await asyncio.gather(*sent)
    assert [status for status, _ in answers] == [201] * 6
    assert dispatcher.most == 2
    assert dispatcher.order == [f"m{n}" for n in range(6)]


def test_a_gate_admits_at_least_one_turn() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        Admission(HeldDispatcher(), 0)
