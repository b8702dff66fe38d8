"""``teams_bot.edge.Host`` on the Microsoft 365 Agents SDK (microsoft-agents-hosting-core and
-aiohttp 1.9): the inbound token checked by botbuilder's rules (``teams_bot.agents_jwt``), the
turn run through the SDK's adapter and our dispatcher, replies posted through the SDK's
connector client, invoke answers and failures as ``BotFrameworkHost`` gives them.

The SDK's gaps closed here (each pinned by ``tests/teams_bot/test_agents_inbound_canaries.py``):
- the adapter's default ``on_turn_error`` posts ``Exception caught : <the error's text>`` into
  the user's chat (a child's details may be in it): replaced by an incident id and an apology;
- its connector clients wait on aiohttp's defaults (30 s to connect, 5 min for an answer): a
  connector that never answers held the turn; here 3 s and 30 s, as botbuilder's side is bounded;
- its client cuts a conversation id to 150 characters before building the URL (for its agentic
  channel); a Teams id can be longer, so replies go out with the id whole (as
  ``teams_bot.agents_messenger`` sends).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping
from typing import Any, Protocol

from aiohttp import ClientSession, ClientTimeout
from microsoft_agents.activity import Activity, ActivityTypes
from microsoft_agents.hosting.aiohttp import CloudAdapter
from microsoft_agents.hosting.core import ClaimsIdentity, MessageFactory, TurnContext
from microsoft_agents.hosting.core.connector import ConnectorClientBase, UserTokenClientBase
from microsoft_agents.hosting.core.connector.client import ConnectorClient, UserTokenClient
from microsoft_agents.hosting.core.connector.client.connector_client import (
    ConversationsOperations,
)

from teams_bot import messages
from teams_bot.activity_turn import FILE_CONSENT
from teams_bot.agents_jwt import ChannelTokens, InboundKeys
from teams_bot.agents_turns import invoke_body, reply_activities, to_turn
from teams_bot.edge import HostAnswer
from teams_bot.logs import report_incident
from teams_bot.settings import BotCredentials
from teams_bot.turn import Dispatcher

log = logging.getLogger(__name__)

APOLOGY = "Sorry, something went wrong. Nothing was changed."
CONNECT_TIMEOUT_SECONDS = 3.0
READ_TIMEOUT_SECONDS = 30.0
TOKEN_SERVICE_URL = "https://api.botframework.com"  # noqa: S105 - a URL, no secret


class TokenSource(Protocol):
    """The bot's own tokens for the connector (``teams_bot.agents_auth.ConnectorTokens``)."""

    async def token(self) -> str:
        """A current token."""
        ...


class ConnectorClients:
    """The SDK's channel service client factory: connector clients with bounded timeouts and
    the bot's own token (none when open: the local Playground takes calls without one)."""

    def __init__(self, tokens: TokenSource | None, app_id: str) -> None:
        self._tokens = tokens
        self._app_id = app_id or "open"

    async def create_connector_client(
        self,
        context: TurnContext | None,
        claims_identity: ClaimsIdentity,
        service_url: str,
        audience: str,
        scopes: list[str] | None = None,
        use_anonymous: bool = False,
    ) -> ConnectorClientBase:
        token = await self._tokens.token() if self._tokens is not None else ""
        return _Connector(service_url, token)

    async def create_user_token_client(
        self, context: TurnContext, claims_identity: ClaimsIdentity, use_anonymous: bool = False
    ) -> UserTokenClientBase:
        # The bot signs no one in through the channel; the SDK still asks for one per turn.
        return UserTokenClient(TOKEN_SERVICE_URL, "", app_id=self._app_id)


class _Connector(ConnectorClient):
    """The SDK's connector client, bounded, sending conversation ids whole."""

    def __init__(self, service_url: str, token: str) -> None:
        super().__init__(service_url, token, session=bounded_session(service_url))
        self._conversations = ConversationsOperations(
            self.client, max_conversation_id_length=sys.maxsize
        )


def bounded_session(service_url: str) -> ClientSession:
    """An HTTP session for one connector: a short connect timeout, a bounded answer."""
    base = service_url if service_url.endswith("/") else f"{service_url}/"
    timeout = ClientTimeout(total=READ_TIMEOUT_SECONDS, sock_connect=CONNECT_TIMEOUT_SECONDS)
    return ClientSession(base_url=base, timeout=timeout)


def make_agents_adapter(tokens: TokenSource | None, app_id: str) -> CloudAdapter:
    """The SDK's aiohttp adapter on our client factory, its turn errors ours."""
    adapter = CloudAdapter(channel_service_client_factory=ConnectorClients(tokens, app_id))
    adapter.on_turn_error = _on_turn_error
    return adapter


async def _on_turn_error(context: TurnContext, error: Exception) -> None:
    activity = context.activity
    incident = report_incident(log, f"turn failed (activity {activity.id})", error)
    if activity.type == ActivityTypes.invoke:
        answer = _invoke_answer(invoke_body(messages.incident(incident)))
        await context.send_activity(answer)
        return
    try:
        await context.send_activity(MessageFactory.text(APOLOGY))
    except Exception as failed:  # the connector is unreachable or refused: logged, not a 500
        log.warning("incident %s: the apology was not sent (%s)", incident, type(failed).__name__)


def _invoke_answer(body: Mapping[str, Any] | None) -> Activity:
    value: dict[str, Any] = {"status": 200} if body is None else {"status": 200, "body": body}
    return Activity(type=ActivityTypes.invoke_response, value=value)


class AgentsHost:
    """``teams_bot.edge.Host`` on the Agents SDK's CloudAdapter."""

    def __init__(
        self,
        dispatcher: Dispatcher,
        credentials: BotCredentials,
        *,
        keys: InboundKeys | None = None,
        tokens: TokenSource | None = None,
    ) -> None:
        self._dispatcher = dispatcher
        self._open = credentials.open
        self._tokens = ChannelTokens(credentials.app_id, keys or InboundKeys())
        self.adapter = make_agents_adapter(tokens, credentials.app_id)

    async def authenticate(self, activity: Mapping[str, Any], authorization: str) -> object:
        """Anonymous when open (no header read), else the checked token's claims."""
        if self._open:
            return ClaimsIdentity({}, "anonymous")
        claims = await self._tokens.claims(authorization, activity)
        return ClaimsIdentity(claims, "Bearer", authorization.partition(" ")[2])

    async def run(self, activity: Mapping[str, Any], identity: object) -> HostAnswer:
        """The turn through the adapter; an escaped failure is an incident, never a 5xx."""
        incoming = Activity.model_validate(dict(activity))
        assert isinstance(identity, ClaimsIdentity)
        try:
            response = await self.adapter.process_activity(identity, incoming, self._turn)
        except Exception as error:
            incident = report_incident(log, f"turn failed (activity {incoming.id})", error)
            return _failed(incoming, incident)
        if response is None:
            return HostAnswer(201)
        if response.status >= 500:
            incident = report_incident(log, "turn answered 5xx", RuntimeError(response.status))
            return _failed(incoming, incident)
        return HostAnswer(response.status, response.body)

    async def _turn(self, context: TurnContext) -> None:
        """Dispatch, post what the reply holds; an invoke is answered with its card."""
        activity = context.activity
        turn = to_turn(activity)
        invoke = activity.type == ActivityTypes.invoke
        if turn is None:
            if invoke:
                await context.send_activity(_invoke_answer({}))
            return
        reply = await self._dispatcher.handle(turn)
        if not invoke:
            await _post(context, reply)
            return
        try:
            await _post(context, reply)
        except Exception as error:  # the action is done; its card still answers the invoke
            report_incident(log, f"invoke {activity.id}: messages not sent", error)
        if activity.name == FILE_CONSENT:
            await context.send_activity(_invoke_answer(None))  # Teams reads only the status
            return
        await context.send_activity(_invoke_answer(invoke_body(reply.invoke_card)))


async def _post(context: TurnContext, reply: Any) -> None:
    for activity in reply_activities(reply):
        await context.send_activity(activity)


def _failed(activity: Activity, incident: str) -> HostAnswer:
    if activity.type != ActivityTypes.invoke:
        return HostAnswer(201)
    return HostAnswer(200, invoke_body(messages.incident(incident)))
