"""Canaries: the Agents SDK's outbound quirks that ``teams_bot.agents_messenger`` and
``teams_bot.agents_auth`` work around, each shown on the SDK as it ships (1.9.0) over real HTTP
into the loopback connector, beside our side of it. An upgrade that fixes or changes one fails
its canary, so the workaround can be dropped or changed on purpose (as the botbuilder 4.17.1
invoke-response one is pinned in tests/teams_bot/test_http_edge.py)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any

import aiohttp
import pytest

pytest.importorskip("microsoft_agents.hosting.core", reason="the Agents SDK needs Python 3.12")

from botbuilder.schema import ChannelAccount as BotbuilderAccount
from microsoft_agents.activity import Activity, ChannelAccount, ConversationParameters
from microsoft_agents.authentication.msal import MsalAuth
from microsoft_agents.hosting.core.connector import ConnectorClient
from pydantic import ValidationError

from teams_bot.agents_auth import ConnectorTokens, TokenUnavailable, msal_configuration
from teams_bot.agents_messenger import AgentsMessenger
from teams_bot.settings import BotCredentials
from teams_bot.turn import DeliveryError
from tests.support.connector import LoopbackConnector
from tests.support.ports import LOOPBACK

CARD_TYPE = "application/vnd.microsoft.card.adaptive"
APP_ID = "00000000-0000-0000-0000-0000000000b0"
CARD: dict[str, Any] = {
    "type": "AdaptiveCard",
    "version": "1.5",
    "body": [
        {"type": "TextBlock", "text": "<at>Pat Practitioner</at> – Überprüfung “now”", "id": None},
        {"type": "Input.Text", "id": "note", "value": "", "isMultiline": True},
    ],
    "msteams": {
        "entities": [
            {
                "type": "mention",
                "text": "<at>Pat Practitioner</at>",
                "mentioned": {"id": "29:user-3", "name": "Pat Practitioner"},
            }
        ]
    },
}


def message(**extra: Any) -> Activity:
    wire = {"type": "message", "attachments": [{"contentType": CARD_TYPE, "content": CARD}]}
    return Activity.model_validate(wire | extra)


@pytest.fixture
async def stock() -> AsyncIterator[tuple[LoopbackConnector, ConnectorClient]]:
    """The SDK's own connector client, as its adapter builds one for a turn."""
    async with LoopbackConnector() as conn:
        client = ConnectorClient(conn.service_url, "token-fixed-when-built")
        try:
            yield conn, client
        finally:
            await client.close()


async def test_sdk_cuts_conversation_ids_at_150_characters_and_we_send_them_whole(
    stock: tuple[LoopbackConnector, ConnectorClient],
) -> None:
    conn, client = stock
    long_id = "a:" + "x" * 198
    await client.conversations.send_to_conversation(long_id, message())
    assert conn.requests[-1].path == f"/v3/conversations/{long_id[:150]}/activities"

    sender = AgentsMessenger(BotCredentials())
    try:
        reference = {"conversation": {"id": long_id}, "serviceUrl": conn.service_url}
        await sender.send(reference, CARD)
    finally:
        await sender.close()
    assert conn.requests[-1].path == f"/v3/conversations/{long_id}/activities"


async def test_sdk_fixes_the_token_when_the_client_is_built(
    stock: tuple[LoopbackConnector, ConnectorClient],
) -> None:
    # The adapter builds a client (a new session and connection) per turn with the token of the
    # moment; a client kept for the process's life would send an expired token after an hour.
    # AgentsMessenger keeps its clients and sets a current token before each call instead
    # (tests/teams_bot/test_agents_messenger.py::test_every_call_carries_a_current_token).
    conn, client = stock
    sent = await client.conversations.send_to_conversation("a:chat-1", message())
    await client.conversations.update_activity("a:chat-1", str(sent.id), message(id=sent.id))
    assert [r.headers["Authorization"] for r in conn.requests] == [
        "Bearer token-fixed-when-built"
    ] * 2


@pytest.mark.parametrize("call", ["send", "update", "create"])
async def test_sdk_reports_a_429_as_aiohttp_error_with_its_retry_after(
    stock: tuple[LoopbackConnector, ConnectorClient], call: str
) -> None:
    # agents_messenger._delivery_error reads exactly these: the status and the Retry-After header.
    conn, client = stock
    sent = await client.conversations.send_to_conversation("a:chat-1", message())
    conn.throttle_next(1, retry_after=2.5)
    parameters = ConversationParameters.model_validate(
        {"isGroup": False, "bot": {"id": "bot"}, "members": [{"id": "29:user-1"}]}
    )
    calls = {
        "send": lambda: client.conversations.send_to_conversation("a:chat-1", message()),
        "update": lambda: client.conversations.update_activity(
            "a:chat-1", str(sent.id), message()
        ),
        "create": lambda: client.conversations.create_conversation(parameters),
    }
    with pytest.raises(aiohttp.ClientResponseError) as raised:
        await calls[call]()
    assert raised.value.status == 429
    assert raised.value.headers is not None
    assert raised.value.headers["Retry-After"] == "2.5"


async def test_sdk_sends_the_card_attachment_whole_and_updates_it_in_place(
    stock: tuple[LoopbackConnector, ConnectorClient],
) -> None:
    conn, client = stock
    sent = await client.conversations.send_to_conversation("a:chat-1", message())
    await client.conversations.update_activity("a:chat-1", str(sent.id), message(id=sent.id))
    post, put = conn.requests
    assert (post.method, post.path) == ("POST", "/v3/conversations/a:chat-1/activities")
    assert (put.method, put.path) == ("PUT", f"/v3/conversations/a:chat-1/activities/{sent.id}")
    assert put.json["id"] == sent.id
    for request in (post, put):  # nulls, empty strings, mentions and non-ASCII as given
        assert request.json["attachments"] == [{"contentType": CARD_TYPE, "content": CARD}]


async def test_sdk_update_cannot_serialise_a_timestamp_which_its_send_can(
    stock: tuple[LoopbackConnector, ConnectorClient],
) -> None:
    # update_activity dumps the model without mode="json"; a datetime field then fails in
    # json.dumps (a TypeError, not a connector error). Our activities carry no timestamp.
    conn, client = stock
    stamped = message(timestamp="2027-03-01T09:00:00Z")
    sent = await client.conversations.send_to_conversation("a:chat-1", stamped)
    with pytest.raises(TypeError):
        await client.conversations.update_activity("a:chat-1", str(sent.id), stamped)
    assert len(conn.requests) == 1


async def test_sdk_joins_a_regional_service_url_path(
    stock: tuple[LoopbackConnector, ConnectorClient],
) -> None:
    # Teams' service URLs have a region path (https://smba.trafficmanager.net/emea/): the
    # session's base URL keeps it. The loopback serves no /emea/ (404): the path is the point.
    conn, _ = stock
    sender = AgentsMessenger(BotCredentials())
    try:
        with pytest.raises(DeliveryError):
            await sender.send(
                {"conversation": {"id": "a:chat-1"}, "serviceUrl": f"{conn.service_url}emea/"},
                CARD,
            )
    finally:
        await sender.close()
    assert conn.requests[-1].path == "/emea/v3/conversations/a:chat-1/activities"


def test_sdk_model_refuses_empty_strings_that_botbuilder_took() -> None:
    # References stored by the botbuilder host may hold "" (and None): agents_messenger._tidy.
    assert BotbuilderAccount().deserialize({"id": "29:u", "aadObjectId": ""}).id == "29:u"
    with pytest.raises(ValidationError):
        ChannelAccount.model_validate({"id": "29:u", "aadObjectId": ""})
    with pytest.raises(ValidationError):
        ConversationParameters(is_group=False, tenant_id=None)


@contextlib.contextmanager
def stalled_authority() -> Iterator[tuple[str, threading.Event, threading.Event, list[bool]]]:
    """An 'authority' that takes MSAL's connection and answers nothing until the test's event
    loop has run again, then hangs up; with the loop blocked it gives up after 4 s. Yields its
    URL, the events (connection arrived, loop ran) and whether it saw the loop run."""
    listener = socket.create_server((LOOPBACK, 0))
    listener.settimeout(0.1)
    arrived, loop_ran, stop = threading.Event(), threading.Event(), threading.Event()
    saw_loop_run: list[bool] = []

    def serve() -> None:
        while not stop.is_set():  # MSAL may try again: later connections are hung up at once
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            with connection:
                if not saw_loop_run:
                    arrived.set()
                    saw_loop_run.append(loop_ran.wait(timeout=4.0))

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    port = listener.getsockname()[1]
    # A path ending in b2c_: MSAL goes straight to the authority (no instance discovery).
    try:
        yield f"https://{LOOPBACK}:{port}/tenant/b2c_loopback", arrived, loop_ran, saw_loop_run
    finally:
        loop_ran.set()
        stop.set()
        thread.join(timeout=5)
        listener.close()


async def heartbeat(arrived: threading.Event, loop_ran: threading.Event) -> None:
    """Runs on the test's loop: marks that the loop ran once MSAL's connection has arrived."""
    await asyncio.to_thread(arrived.wait, 10.0)  # the loop resumes here only if it is free
    loop_ran.set()


async def first_token(authority: str, wrapped: bool, *events: threading.Event) -> None:
    """Ask for the first token (from a stalled authority: it must fail, never hang)."""
    credentials = BotCredentials(APP_ID, "secret", "SingleTenant", "tenant")
    provider = MsalAuth(msal_configuration(credentials, authority=authority))
    watcher = asyncio.create_task(heartbeat(*events))
    try:
        if wrapped:
            with pytest.raises(TokenUnavailable):
                await ConnectorTokens(provider).token()
        else:
            with pytest.raises((ValueError, OSError)):
                await provider.get_access_token(
                    "https://api.botframework.com", ["https://api.botframework.com/.default"]
                )
    finally:
        watcher.cancel()


async def test_msal_auth_builds_its_msal_app_on_the_loop_and_connector_tokens_does_not() -> None:
    with stalled_authority() as (authority, arrived, loop_ran, saw):
        await first_token(authority, False, arrived, loop_ran)
    assert saw == [False]  # the loop stood still while MSAL fetched the authority's metadata

    with stalled_authority() as (authority, arrived, loop_ran, saw):
        await first_token(authority, True, arrived, loop_ran)
    assert saw == [True]  # the loop went on: MSAL's constructor ran in a worker thread
