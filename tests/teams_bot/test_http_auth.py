"""Production mode over real HTTP: real RS256 tokens from a loopback key server, every forged one
refused with 401 before anything else is decided, the tenant checked only after authentication,
the key server down answered 503 with Retry-After.

The dispatcher is a recording fake (this tests the edge); on each host, the server, the SDK's
adapter and the host's token validation, the key server and the Bot Connector are real.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
import pytest

from teams_bot.botframework import TokenKeys
from teams_bot.http import make_app
from teams_bot.settings import BotCredentials
from teams_bot.turn import Reply
from tests.support.connector import LoopbackConnector, post_activity
from tests.support.hosts import edge_host
from tests.support.jwks import (
    OUTBOUND_TOKEN,
    LoopbackAgentsTokens,
    TokenIssuer,
    loopback_outbound,
    serving_keys,
)
from tests.support.ports import free_port, serve_app
from tests.teams_bot.test_http_edge import RecordingDispatcher

APP_ID = "00000000-0000-0000-0000-0000000000b0"
PASSWORD = "loopback-secret"
FORGED = [
    "no token",
    "empty bearer",
    "basic scheme",
    "malformed",
    "garbage",
    "unknown kid",
    "no kid",
    "alg none",
    "HS256",
    "made-up key",
    "expired",
    "not yet valid",
    "wrong audience",
    "wrong issuer",
    "other serviceurl",
    "no serviceurl",
]


def production(allowed_tenants: frozenset[str] = frozenset()) -> BotCredentials:
    return BotCredentials(APP_ID, PASSWORD, allowed_tenants=allowed_tenants)


@asynccontextmanager
async def production_bot(
    dispatcher: RecordingDispatcher, metadata_url: str, creds: BotCredentials | None = None
) -> AsyncIterator[str]:
    creds = creds or production()
    outbound = loopback_outbound(APP_ID, PASSWORD)
    keys = TokenKeys(metadata_url, metadata_url, outbound, fetch_timeout_seconds=1.0)
    host = edge_host(dispatcher, creds, keys, LoopbackAgentsTokens())

    async def health() -> bool:
        return True

    async with serve_app(make_app(host, creds, health)) as base:
        yield f"{base}/api/messages"


@pytest.fixture(scope="module")
def issuer() -> object:
    with serving_keys(APP_ID) as served:
        yield served


async def test_a_valid_token_is_served_and_the_reply_carries_the_bots_own_token(
    issuer: TokenIssuer,
) -> None:
    dispatcher = RecordingDispatcher(Reply(texts=("hello",)))
    async with LoopbackConnector() as conn, production_bot(dispatcher, issuer.metadata_url) as url:
        headers = issuer.header(conn.service_url)
        status, _ = await post_activity(url, conn.message_activity("help"), headers)
    assert status in {200, 201}
    assert [turn.text for turn in dispatcher.turns] == ["help"]
    sent = conn.requests_matching("POST")
    assert sent, "the reply was not posted"
    assert sent[-1].headers.get("Authorization") == f"Bearer {OUTBOUND_TOKEN}"


async def test_every_forged_token_is_401_and_nothing_is_dispatched(issuer: TokenIssuer) -> None:
    dispatcher = RecordingDispatcher(Reply(texts=("never",)))
    async with LoopbackConnector() as conn, production_bot(dispatcher, issuer.metadata_url) as url:
        forged = issuer.forged(conn.service_url)
        assert sorted(forged) == sorted(FORGED)
        statuses = {
            name: (await post_activity(url, conn.message_activity("help"), headers))[0]
            for name, headers in forged.items()
        }
    assert statuses == dict.fromkeys(FORGED, 401)
    assert dispatcher.turns == []
    assert conn.requests_matching("POST") == []


async def test_the_tenant_allow_list_is_checked_only_after_authentication(
    issuer: TokenIssuer,
) -> None:
    dispatcher = RecordingDispatcher(Reply(texts=("hi",)))
    creds = production(frozenset({"tenant-allowed"}))
    async with (
        LoopbackConnector(tenant_id="tenant-other") as conn,
        production_bot(dispatcher, issuer.metadata_url, creds) as url,
    ):
        activity = conn.message_activity("help")
        unauthenticated, _ = await post_activity(url, activity)
        allowed = {**activity, "channelData": {"tenant": {"id": "tenant-allowed"}}}
        allowed["conversation"] = {**activity["conversation"], "tenantId": "tenant-allowed"}
        unauthenticated_allowed, _ = await post_activity(url, allowed)
        authenticated, _ = await post_activity(url, activity, issuer.header(conn.service_url))
    # Without a token the answer is the same whatever the tenant: nothing to tell them apart.
    assert (unauthenticated, unauthenticated_allowed) == (401, 401)
    assert authenticated == 403
    assert dispatcher.turns == []


async def test_an_unreachable_key_endpoint_is_503_with_retry_after() -> None:
    dispatcher = RecordingDispatcher(Reply(texts=("never",)))
    closed = f"http://127.0.0.1:{free_port()}/v1/.well-known/openidconfiguration"
    issuer = TokenIssuer(APP_ID)
    async with LoopbackConnector() as conn, production_bot(dispatcher, closed) as url:
        started = time.monotonic()
        status, body = await post_activity(
            url, conn.message_activity("help"), issuer.header(conn.service_url)
        )
        elapsed = time.monotonic() - started
    assert status == 503
    assert "keys" in body["error"]
    assert dispatcher.turns == []
    assert elapsed < 5


async def test_retry_after_header_is_sent_with_the_503() -> None:
    closed = f"http://127.0.0.1:{free_port()}/v1/.well-known/openidconfiguration"
    issuer = TokenIssuer(APP_ID)
    async with (
        LoopbackConnector() as conn,
        production_bot(RecordingDispatcher(Reply()), closed) as url,
        aiohttp.ClientSession() as session,
    ):
        activity = conn.message_activity("help")
        headers = issuer.header(conn.service_url)
        async with session.post(url, json=activity, headers=headers) as response:
            assert response.status == 503
            assert int(response.headers["Retry-After"]) > 0


async def test_a_slow_key_endpoint_is_503_and_does_not_stall_other_requests() -> None:
    # botbuilder would fetch the keys with a blocking call and no timeout, freezing the bot.
    dispatcher = RecordingDispatcher(Reply(texts=("never",)))
    with serving_keys(APP_ID, delay_seconds=4.0) as slow:
        async with (
            LoopbackConnector() as conn,
            production_bot(dispatcher, slow.metadata_url) as url,
            aiohttp.ClientSession() as session,
        ):
            headers = slow.header(conn.service_url)
            started = time.monotonic()
            pending = asyncio.create_task(post_activity(url, conn.message_activity("hi"), headers))
            assert await asyncio.to_thread(slow.asked.wait, 5)
            async with session.get(url.replace("/api/messages", "/healthz")) as health:
                assert health.status == 200
            answered = time.monotonic() - started
            status, _ = await pending
            elapsed = time.monotonic() - started
    # The server, this client and the key fetch share one event loop: a blocking fetch would
    # hold /healthz (and every other request) for the key server's whole 4 s delay.
    assert answered < 2.0, f"/healthz answered {answered:.1f} s in, behind the key fetch"
    assert status == 503
    assert elapsed < 3.5
    assert dispatcher.turns == []
