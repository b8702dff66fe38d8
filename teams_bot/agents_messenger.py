"""Proactive messages on the Microsoft 365 Agents SDK: the same ``Messenger`` as
``teams_bot.botframework.BotFrameworkMessenger`` (send a card, update it in place, open a 1:1
chat), through the Agents SDK's ``ConnectorClient``. Part of the Agents SDK boundary; nothing
above ``teams_bot.turn.Messenger`` knows which SDK sends.

What the SDK's client does that we work around (each pinned by a canary in
``tests/teams_bot/test_agents_outbound_canaries.py``):

- it cuts every conversation id to 150 characters before it builds the URL (for its agentic
  channel); a Teams id can be longer, so our client lifts the cut;
- it sets the bearer token into its ``ClientSession``'s headers once, when built, and the SDK
  builds a new client (and session, and connection) for every turn; we keep one session per
  service URL for the life of the process (as the botbuilder side keeps one ``ConnectorClient``:
  see ``bench/fanout_bench.py``) and set a current token before each call;
- its failures are ``aiohttp.ClientResponseError`` with the answer's status and headers
  (Retry-After among them), after it has logged each at ERROR; we map them to ``DeliveryError``
  exactly as botbuilder's ``HttpOperationError`` is mapped, and leave the logging to the outbox;
- its activity model refuses an empty string where botbuilder's took one (an ``aadObjectId``
  of ``""`` in a stored reference), so the addressing is tidied before it is validated.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import uuid
from collections.abc import Mapping
from typing import Any

import aiohttp
from microsoft_agents.activity import Activity, ConversationParameters
from microsoft_agents.hosting.core.connector import ConnectorClient
from microsoft_agents.hosting.core.connector.client.connector_client import (
    ConversationsOperations,
)
from pydantic import ValidationError

from teams_bot.agents_auth import ConnectorTokens, TokenUnavailable, outbound_tokens
from teams_bot.settings import BotCredentials
from teams_bot.turn import Card, DeliveryError

log = logging.getLogger(__name__)

CARD_TYPE = "application/vnd.microsoft.card.adaptive"
TEAMS_CHANNEL = "msteams"
# As the botbuilder side: a connector that does not answer gets this long to accept the
# connection (no connection retries), and this long to answer.
CONNECT_TIMEOUT_SECONDS = 3.0
READ_TIMEOUT_SECONDS = 30.0
MAX_CONNECTOR_CLIENTS = 32
# An evicted client is closed once calls already made through it have had their time.
RETIRE_AFTER_SECONDS = CONNECT_TIMEOUT_SECONDS + READ_TIMEOUT_SECONDS
# The SDK's client logs every failed call at ERROR and every call at INFO (with its conversation
# id); the outbox reports what failed, once, and decides what to do about it.
_SDK_CLIENT_LOGGERS = (
    "microsoft_agents.hosting.core.connector.client.connector_client",
    "microsoft_agents.hosting.core.connector.teams.teams_connector_client",
)
_NO_CUT = sys.maxsize  # conversation ids are sent whole


class _Connector(ConnectorClient):
    """The SDK's connector client on a session we keep, without its conversation-id cut."""

    def __init__(self, endpoint: str, session: aiohttp.ClientSession) -> None:
        super().__init__(endpoint, "", session=session)
        self._conversations = ConversationsOperations(
            self.client, max_conversation_id_length=_NO_CUT
        )


class AgentsMessenger:
    """Proactive messages through the Bot Connector on the Agents SDK (send, update, create 1:1
    chats). ``AgentsMessenger(credentials)`` in production (its tokens from the registration
    through MSAL; none when open); tests pass ``tokens`` that hand out a fixed one. ``close()``
    when the bot stops."""

    def __init__(self, credentials: BotCredentials, tokens: ConnectorTokens | None = None) -> None:
        self._app_id = credentials.app_id
        self._tokens = tokens if tokens is not None else outbound_tokens(credentials)
        self._clients: dict[str, _Connector] = {}
        self._closing: set[asyncio.Task[None]] = set()
        for name in _SDK_CLIENT_LOGGERS:
            logging.getLogger(name).setLevel(logging.CRITICAL)

    async def send(self, reference: Mapping[str, Any], card: Card) -> str:
        """Post a card into a stored conversation as a new message; returns its activity id."""
        conversation_id, activity = _addressed(reference, card)
        client = await self._client(_service_url(reference))
        try:
            response = await client.conversations.send_to_conversation(conversation_id, activity)
        except aiohttp.ClientResponseError as error:
            raise _delivery_error(error) from None
        except (aiohttp.ClientError, TimeoutError) as error:  # no answer at all: worth retrying
            raise DeliveryError(503, type(error).__name__) from None
        return str(response.id or "")

    async def update(self, reference: Mapping[str, Any], activity_id: str, card: Card) -> None:
        """Replace a card the bot posted earlier, in place."""
        conversation_id, activity = _addressed(reference, card, activity_id)
        client = await self._client(_service_url(reference))
        try:
            await client.conversations.update_activity(conversation_id, activity_id, activity)
        except aiohttp.ClientResponseError as error:
            raise _delivery_error(error) from None
        except (aiohttp.ClientError, TimeoutError) as error:
            raise DeliveryError(503, type(error).__name__) from None

    async def open_personal(
        self, user_id: str, tenant_id: str, service_url: str
    ) -> Mapping[str, Any]:
        """Create the bot's 1:1 chat with a user through the connector; returns its reference
        (shaped as a reference taken from a turn in that chat)."""
        bot = {"id": self._app_id or "bot"}
        wire: dict[str, Any] = {"isGroup": False, "bot": bot, "members": [{"id": user_id}]}
        if tenant_id:  # the model refuses None: left out, as botbuilder leaves it out
            wire |= {"tenantId": tenant_id, "channelData": {"tenant": {"id": tenant_id}}}
        parameters = ConversationParameters.model_validate(wire)
        client = await self._client(service_url)
        try:
            created = await client.conversations.create_conversation(parameters)
        except aiohttp.ClientResponseError as error:
            raise _delivery_error(error) from None
        except (aiohttp.ClientError, TimeoutError) as error:
            raise DeliveryError(503, type(error).__name__) from None
        except ValidationError:  # an answer without the new chat's id
            raise DeliveryError(502, "no chat") from None
        if not created.id:
            raise DeliveryError(502, "no chat")
        conversation = {"id": created.id, "conversationType": "personal"}
        if tenant_id:
            conversation["tenantId"] = tenant_id
        return {
            "activityId": str(uuid.uuid4()),
            "bot": bot,
            "user": {"id": user_id},
            "conversation": conversation,
            "channelId": TEAMS_CHANNEL,
            "serviceUrl": service_url,
        }

    async def close(self) -> None:
        """Close every connector session (the bot is stopping)."""
        clients, self._clients = list(self._clients.values()), {}
        await asyncio.gather(*(client.close() for client in clients))
        await asyncio.gather(*self._closing)

    async def _client(self, service_url: str) -> _Connector:
        """The connector client for a service URL (Teams has a few, one per region), with a
        current token in its headers."""
        if not service_url:
            raise DeliveryError(404, "no connector known for the conversation")
        client = self._clients.get(service_url)
        if client is None:
            if len(self._clients) >= MAX_CONNECTOR_CLIENTS:
                self._retire(self._clients.pop(next(iter(self._clients))))  # the oldest
            client = _Connector(service_url, _session(service_url))
            self._clients[service_url] = client
        if self._tokens is not None:
            try:
                token = await self._tokens.token()
            except TokenUnavailable as error:  # Entra ID may answer next time
                raise DeliveryError(503, f"no connector token ({error})") from None
            client.client.headers["Authorization"] = f"Bearer {token}"
        return client

    def _retire(self, client: _Connector) -> None:
        """Close an evicted client once calls already made through it have had their time."""

        async def close_later() -> None:
            await asyncio.sleep(RETIRE_AFTER_SECONDS)
            await client.close()

        task = asyncio.get_running_loop().create_task(close_later())
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)


def _session(service_url: str) -> aiohttp.ClientSession:
    base = service_url if service_url.endswith("/") else f"{service_url}/"
    timeout = aiohttp.ClientTimeout(
        total=None, connect=CONNECT_TIMEOUT_SECONDS, sock_read=READ_TIMEOUT_SECONDS
    )
    return aiohttp.ClientSession(base_url=base, timeout=timeout)


def _service_url(reference: Mapping[str, Any]) -> str:
    return str(reference.get("serviceUrl") or "")


def _addressed(
    reference: Mapping[str, Any], card: Card, activity_id: str = ""
) -> tuple[str, Activity]:
    """A message with the card, from the bot into the referenced conversation, as botbuilder's
    ``apply_conversation_reference`` addresses it (a new message: not a reply to the turn the
    reference was taken from)."""
    conversation = _tidy(reference.get("conversation"))
    conversation_id = str(conversation.get("id") or "")
    if not conversation_id:
        raise DeliveryError(422, "the stored reference names no conversation")
    wire: dict[str, Any] = {"type": "message"}
    if activity_id:
        wire["id"] = activity_id
    for key in ("channelId", "serviceUrl", "locale"):
        if reference.get(key):
            wire[key] = reference[key]
    wire["conversation"] = conversation
    for source, target in (("bot", "from"), ("user", "recipient")):
        account = _tidy(reference.get(source))
        if account.get("id"):
            wire[target] = account
    wire["attachmentLayout"] = "list"
    wire["attachments"] = [{"contentType": CARD_TYPE, "content": card}]
    try:
        return conversation_id, Activity.model_validate(wire)
    except ValidationError:
        raise DeliveryError(422, "the stored reference is not a conversation") from None


def _tidy(account: object) -> dict[str, Any]:
    """An account or conversation without empty values (the SDK's model refuses ``""``)."""
    if not isinstance(account, Mapping):
        return {}
    return {str(k): v for k, v in account.items() if v is not None and v != ""}


def _delivery_error(error: aiohttp.ClientResponseError) -> DeliveryError:
    retry_after = _seconds(error.headers.get("Retry-After") if error.headers else None)
    return DeliveryError(error.status, type(error).__name__, retry_after)


def _seconds(value: object) -> float | None:
    try:
        return max(0.0, float(str(value)))
    except ValueError:
        return None
