"""Hostile input at the edge in open mode, over real HTTP: malformed activities are 400 with a
short reason, foreign service URLs are refused before any outbound call, a failed turn is an
incident (an error card for an invoke) and a reply that cannot be sent is logged, never a 5xx.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

import aiohttp
import pytest

from teams_bot.settings import BotCredentials
from teams_bot.turn import Reply, Turn
from tests.support.connector import LoopbackConnector, post_activity
from tests.support.hosts import edge_host
from tests.support.ports import free_port
from tests.teams_bot.test_http_edge import RecordingDispatcher, running_bot

JSON = {"Content-Type": "application/json"}


class FailingDispatcher(RecordingDispatcher):
    """Raises inside the turn, with user text in the message (which must not be logged)."""

    async def handle(self, turn: Turn) -> Reply:
        self.turns.append(turn)
        raise ValueError("invalid literal: 'Zara Quint'")


def _nested(depth: int) -> Any:
    node: Any = "x"
    for _ in range(depth):
        node = [node]
    return node


MALFORMED: dict[str, dict[str, Any]] = {
    "recipient 5": {"recipient": 5},
    "no recipient": {"recipient": None},
    "entities [5]": {"entities": [5]},
    "mention without fields": {"entities": [{"type": "mention"}]},
    "timestamp x": {"timestamp": "x"},
    "membersAdded x": {"membersAdded": "x"},
    "isGroup 5": {"conversation": {"id": "a:c", "isGroup": 5}},
    "tenant id a list": {"channelData": {"tenant": {"id": ["t"]}}},
    "team a string": {"channelData": {"team": "t"}},
    "NUL in from.id": {"from": {"id": "29:a\u0000b"}},
    "lone surrogate in conversation.id": {"conversation": {"id": "a:\ud800"}},
    "id too long": {"id": "1" * 201},
    "serviceUrl x": {"serviceUrl": "x"},
    "serviceUrl file": {"serviceUrl": "file:///etc/passwd"},
    "value not an object": {"type": "invoke", "name": "adaptiveCard/action", "value": 5},
    "verb a number": {
        "type": "invoke",
        "name": "adaptiveCard/action",
        "value": {"action": {"verb": 5}},
    },
    "nested 40 deep": {"value": _nested(40)},
    "channelData nested 1000 deep": {"channelData": {"x": "DEEP"}},
}


def _activity(conn: LoopbackConnector, **changes: Any) -> dict[str, Any]:
    activity = conn.message_activity("help")
    for key, value in changes.items():
        if value is None:
            activity.pop(key, None)
        else:
            activity[key] = value
    return activity


@pytest.mark.parametrize("case", sorted(MALFORMED))
async def test_malformed_activity_is_400_with_a_short_reason(case: str) -> None:
    dispatcher = RecordingDispatcher(Reply(texts=("never",)))
    async with LoopbackConnector() as conn, running_bot(dispatcher) as base:
        deep = "[" * 1000 + "]" * 1000
        body = json.dumps(_activity(conn, **MALFORMED[case])).replace('"DEEP"', deep).encode()
        async with (
            aiohttp.ClientSession() as session,
            session.post(f"{base}/api/messages", data=body, headers=JSON) as response,
        ):
            status, answer = response.status, await response.json()
    assert status == 400
    assert 0 < len(answer["error"]) <= 200
    assert dispatcher.turns == []
    assert conn.requests == []


@pytest.mark.parametrize(
    "raw",
    [
        b"[" * 1000 + b"]" * 1000,
        b'{"type": "message", "n": ' + b"9" * 5000 + b"}",
        b'{"type": "message", "n": 1e999}',
        b'{"type": "message", "n": NaN}',
        b'{"type": "message", "n": "\xff"}',
        b"{" * 100_000,
    ],
    ids=["1000 deep", "5000 digits", "1e999", "NaN", "not UTF-8", "100k open braces"],
)
async def test_hostile_json_is_400(raw: bytes) -> None:
    dispatcher = RecordingDispatcher(Reply())
    async with (
        running_bot(dispatcher) as base,
        aiohttp.ClientSession() as session,
        session.post(f"{base}/api/messages", data=raw, headers=JSON) as response,
    ):
        assert response.status == 400
    assert dispatcher.turns == []


@pytest.mark.parametrize(
    "service_url",
    ["http://169.254.169.254/", "http://10.0.0.1/", "https://smba.trafficmanager.net/uk/"],
)
async def test_open_mode_refuses_a_foreign_service_url_before_any_call(service_url: str) -> None:
    dispatcher = RecordingDispatcher(Reply(texts=("never",)))
    async with LoopbackConnector() as conn, running_bot(dispatcher) as base:
        activity = {**conn.message_activity("help"), "serviceUrl": service_url}
        started = time.monotonic()
        status, body = await post_activity(f"{base}/api/messages", activity)
    assert status == 400
    assert "serviceUrl" in body["error"]
    assert time.monotonic() - started < 2
    assert dispatcher.turns == []


async def test_an_invoke_that_fails_inside_the_turn_gets_an_incident_card(
    caplog: pytest.LogCaptureFixture,
) -> None:
    dispatcher = FailingDispatcher(Reply())
    value = {"action": {"type": "Action.Execute", "verb": "drp.respond", "data": {}}}
    with caplog.at_level(logging.DEBUG):
        async with LoopbackConnector() as conn, running_bot(dispatcher) as base:
            activity = conn.invoke_activity("adaptiveCard/action", value)
            status, body = await post_activity(f"{base}/api/messages", activity)
    assert status == 200
    assert body["type"] == "application/vnd.microsoft.card.adaptive"
    text = json.dumps(body["value"])
    assert "incident" in text
    incident = [r for r in caplog.records if "incident" in r.getMessage()]
    assert incident
    assert "ValueError" in incident[0].getMessage()
    assert "Zara" not in caplog.text
    assert all(r.exc_info is None for r in caplog.records)


async def test_an_apology_to_an_unreachable_port_is_logged_not_a_500(
    caplog: pytest.LogCaptureFixture,
) -> None:
    dispatcher = FailingDispatcher(Reply())
    closed = f"http://127.0.0.1:{free_port()}/"
    with caplog.at_level(logging.INFO):
        async with LoopbackConnector() as conn, running_bot(dispatcher) as base:
            activity = {**conn.message_activity("help"), "serviceUrl": closed}
            started = time.monotonic()
            status, _ = await post_activity(f"{base}/api/messages", activity)
            elapsed = time.monotonic() - started
    assert status in {200, 201}
    assert elapsed < 5, f"{elapsed:.1f} s: the connect timeout or retries are too long"
    assert "apology was not sent" in caplog.text
    assert "Zara" not in caplog.text


async def test_allowed_service_urls_replace_the_loopback_rule() -> None:
    from teams_bot.edge import ServiceUrls
    from teams_bot.http import make_app
    from tests.support.ports import serve_app

    dispatcher = RecordingDispatcher(Reply(texts=("hi",)))
    creds = BotCredentials()
    async with LoopbackConnector() as conn:
        urls = ServiceUrls((conn.service_url,))
        host = edge_host(dispatcher, creds)

        async def health() -> bool:
            return True

        async with serve_app(make_app(host, creds, health, urls)) as base:
            listed, _ = await post_activity(f"{base}/api/messages", conn.message_activity("hi"))
            other = {**conn.message_activity("hi"), "serviceUrl": "http://127.0.0.1:9/"}
            unlisted, _ = await post_activity(f"{base}/api/messages", other)
    assert (listed, unlisted) == (201, 400)
    assert len(dispatcher.turns) == 1
