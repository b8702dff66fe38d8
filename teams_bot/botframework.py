"""The Bot Framework edge: activities in, our ``Turn`` out; our ``Reply`` in, activities out.

This is the one module that imports botbuilder. Porting to the Microsoft 365 Agents SDK adds a
second host beside ``BotFrameworkHost`` (``teams_bot.edge.Host``): the HTTP edge, its schema,
the router, the handlers and the cards do not change.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import requests
from botbuilder.core import ActivityHandler, InvokeResponse, MessageFactory, TurnContext
from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
    ConfigurationServiceClientCredentialFactory,
)
from botbuilder.schema import (
    Activity,
    ActivityTypes,
    Attachment,
    CallerIdConstants,
    ChannelAccount,
    ConversationParameters,
    ConversationReference,
)
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import (
    AuthenticateRequestResult,
    AuthenticationConstants,
    ClaimsIdentity,
    ConnectorFactory,
    JwtTokenValidation,
    ServiceClientCredentialsFactory,
    UserTokenClient,
)
from botframework.connector.auth._connector_factory_impl import _ConnectorFactoryImpl
from msrest.exceptions import ClientRequestError, HttpOperationError

from teams_bot import botframework_wire, messages
from teams_bot.activity_turn import CARD_TYPE, FILE_CONSENT, turn_of
from teams_bot.botframework_keys import SigningKeys
from teams_bot.botframework_retry import fast_retry_policy
from teams_bot.edge import HostAnswer, KeysUnavailable, Unauthenticated
from teams_bot.files import file_attachments
from teams_bot.logs import quiet_libraries, report_incident
from teams_bot.settings import BotCredentials
from teams_bot.turn import (
    Card,
    DeliveryError,
    Dispatcher,
    Reply,
    Turn,
)

log = logging.getLogger(__name__)

TEAMS_CHANNEL = "msteams"
APOLOGY = "Sorry, something went wrong. Nothing was changed."
# A connector that does not answer is given this long to accept the connection, and is not
# retried by msrest (it retried three times with back-off: 9.6 s for a closed port).
CONNECT_TIMEOUT_SECONDS = 3.0
READ_TIMEOUT_SECONDS = 30.0
MAX_CONNECTOR_CLIENTS = 32


def to_turn(activity: Activity) -> Turn | None:
    """Reduce an activity to a Turn, or None when it is nothing the bot answers."""
    return turn_of(activity, text=lambda: _text(activity), reference=lambda: _reference(activity))


def _text(activity: Activity) -> str:
    TurnContext.remove_recipient_mention(activity)
    return activity.text or ""


def _reference(activity: Activity) -> dict[str, Any]:
    reference: dict[str, Any] = TurnContext.get_conversation_reference(activity).serialize()
    return reference


def card_attachment(card: Card) -> Attachment:
    """An Adaptive Card as an attachment."""
    return Attachment(content_type=CARD_TYPE, content=card)


class DrpActivityHandler(ActivityHandler):
    """Hands every turn to the dispatcher and writes its reply back in the Teams shape."""

    def __init__(self, dispatcher: Dispatcher) -> None:
        self._dispatcher = dispatcher

    async def on_turn(self, turn_context: TurnContext) -> None:
        """Messages and installs: dispatch, then post what the reply holds."""
        if turn_context.activity.type == ActivityTypes.invoke:
            await super().on_turn(turn_context)
            return
        turn = to_turn(turn_context.activity)
        if turn is None:
            return
        reply = await self._dispatcher.handle(turn)
        await _post(turn_context, reply)

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse | None:
        """Universal Actions: answer with the card in the invoke response.

        botbuilder 4.17.1 serialises ``on_adaptive_card_invoke``'s body twice (HTTP 500),
        so we answer here with the response object not yet serialised (microsoft/teams-sdk#2547).
        """
        turn = to_turn(turn_context.activity)
        if turn is None:
            return InvokeResponse(status=200, body={})
        reply = await self._dispatcher.handle(turn)
        try:
            await _post(turn_context, reply)
        except Exception as error:  # the action is done; its card still answers the invoke
            report_incident(log, f"invoke {turn_context.activity.id}: messages not sent", error)
        if turn_context.activity.name == FILE_CONSENT:
            return InvokeResponse(status=200)  # Teams reads only the status of this answer
        return _invoke_response(reply.invoke_card).value


async def _post(turn_context: TurnContext, reply: Reply) -> None:
    for text in reply.texts:
        await turn_context.send_activity(MessageFactory.text(text))
    for card in reply.cards:
        await turn_context.send_activity(MessageFactory.attachment(card_attachment(card)))
    for shape in file_attachments(reply):
        attachment = Attachment.deserialize(shape)
        await turn_context.send_activity(MessageFactory.attachment(attachment))


class BotFrameworkMessenger:
    """Proactive messages through the Bot Connector (send, update, create 1:1 chats).

    Sends and updates go straight to the connector's REST API through one ``ConnectorClient``
    per service URL, kept for the life of the process: botbuilder's ``continue_conversation``
    builds a new client and a user-token client for every call (about 10 ms of CPU each, and a
    new HTTP connection), which capped proactive fan-out well below Teams' own limit.
    """

    def __init__(self, adapter: CloudAdapter, app_id: str) -> None:
        self._adapter = adapter
        self._app_id = app_id
        self._clients: dict[str, ConnectorClient] = {}

    async def send(self, reference: Mapping[str, Any], card: Card) -> str:
        """Post a card into a stored conversation as a new message; returns its activity id."""
        conversation, activity = _addressed(reference)
        client = await self._client(conversation.service_url)
        try:
            return await botframework_wire.send(
                client, conversation.conversation.id, activity, card
            )
        except HttpOperationError as error:
            raise _delivery_error(error) from None
        except ClientRequestError as error:  # no answer at all: worth retrying
            raise DeliveryError(503, type(error).__name__) from None

    async def update(self, reference: Mapping[str, Any], activity_id: str, card: Card) -> None:
        """Replace a card the bot posted earlier, in place."""
        conversation, activity = _addressed(reference)
        activity.id = activity_id
        client = await self._client(conversation.service_url)
        try:
            await botframework_wire.update(
                client, conversation.conversation.id, activity_id, activity, card
            )
        except HttpOperationError as error:
            raise _delivery_error(error) from None
        except ClientRequestError as error:
            raise DeliveryError(503, type(error).__name__) from None

    async def _client(self, service_url: str) -> ConnectorClient:
        """The connector client for a service URL (Teams has a few, one per region)."""
        client = self._clients.get(service_url)
        if client is None:
            claims = self._adapter.create_claims_identity(self._app_id)
            factory = self._adapter.bot_framework_authentication.create_connector_factory(claims)
            client = await factory.create(service_url, None)
            if len(self._clients) >= MAX_CONNECTOR_CLIENTS:
                self._clients.pop(next(iter(self._clients)))  # the oldest
            self._clients[service_url] = client
        return client

    async def open_personal(
        self, user_id: str, tenant_id: str, service_url: str
    ) -> Mapping[str, Any]:
        """Create the bot's 1:1 chat with a user through the connector."""
        created: list[ConversationReference] = []

        async def callback(context: TurnContext) -> None:
            created.append(TurnContext.get_conversation_reference(context.activity))

        parameters = ConversationParameters(
            is_group=False,
            bot=ChannelAccount(id=self._app_id or "bot"),
            members=[ChannelAccount(id=user_id)],
            tenant_id=tenant_id or None,
            channel_data={"tenant": {"id": tenant_id}} if tenant_id else None,
        )
        guarded, failures = _guard(callback)
        try:
            await self._adapter.create_conversation(
                self._app_id, guarded, parameters, TEAMS_CHANNEL, service_url
            )
        except HttpOperationError as error:
            raise _delivery_error(error) from None
        if failures or not created:
            raise _delivery_error(failures[0]) if failures else DeliveryError(502, "no chat")
        return created[0].serialize()


Callback = Callable[[TurnContext], Awaitable[None]]


def _guard(callback: Callback) -> tuple[Callback, list[HttpOperationError]]:
    """Keep connector failures out of the adapter's on_turn_error (which would post an apology
    into the recipient's chat): the outbox decides whether to retry."""
    failures: list[HttpOperationError] = []

    async def guarded(context: TurnContext) -> None:
        try:
            await callback(context)
        except HttpOperationError as error:
            failures.append(error)

    return guarded, failures


def _addressed(reference: Mapping[str, Any]) -> tuple[ConversationReference, Activity]:
    """A message from the bot into the referenced conversation (a new message: not a reply to
    the turn the reference was taken from), its card still to be attached
    (``botframework_wire``: as ``MessageFactory.attachment`` would, without msrest walking it)."""
    conversation = ConversationReference().deserialize(dict(reference))
    conversation.activity_id = None
    activity = MessageFactory.attachment(card_attachment({}))
    activity.attachments = None
    return conversation, TurnContext.apply_conversation_reference(activity, conversation)


def _delivery_error(error: HttpOperationError) -> DeliveryError:
    response = error.response
    status = int(getattr(response, "status_code", 0) or 0)
    headers = getattr(response, "headers", {}) or {}
    retry_after = _seconds(headers.get("Retry-After"))
    return DeliveryError(status, type(error).__name__, retry_after)


def _seconds(value: object) -> float | None:
    try:
        return max(0.0, float(str(value)))
    except ValueError:
        return None


# --- the host: authentication, the turn, its failures --------------------------------------------


@dataclass(frozen=True)
class TokenKeys:
    """Where the keys that sign Bot Framework tokens are published (Microsoft's public cloud unless
    a test serves its own); ``outbound`` replaces how the bot gets tokens for its own calls."""

    channel_metadata_url: str = AuthenticationConstants.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL
    emulator_metadata_url: str = AuthenticationConstants.TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL
    outbound: ServiceClientCredentialsFactory | None = None
    fetch_timeout_seconds: float = 10.0


class _Configuration:
    """The attribute names ConfigurationBotFrameworkAuthentication reads: the public cloud's
    values spelled out, so inbound tokens are checked as the public cloud checks them (issuer,
    audience, endorsements, the ``serviceurl`` claim) against keys from ``TokenKeys``."""

    def __init__(self, credentials: BotCredentials, keys: TokenKeys) -> None:
        self.APP_ID = credentials.app_id
        self.APP_PASSWORD = credentials.app_password
        self.APP_TYPE = credentials.app_type
        self.APP_TENANTID = credentials.tenant_id
        if credentials.open:
            return  # no token is checked; nothing is fetched from anywhere
        self.TO_CHANNEL_FROM_BOT_LOGIN_URL = (
            AuthenticationConstants.TO_CHANNEL_FROM_BOT_LOGIN_URL_PREFIX
        )
        self.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE = (
            AuthenticationConstants.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE
        )
        self.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER = (
            AuthenticationConstants.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER
        )
        self.OAUTH_URL = AuthenticationConstants.OAUTH_URL
        self.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL = keys.channel_metadata_url
        self.TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL = keys.emulator_metadata_url
        self.CALLER_ID = CallerIdConstants.public_azure_channel


class _BoundedConnectors(ConnectorFactory):
    """Connector clients with a short connect timeout and no connection retries, kept per
    service URL and audience (``_Clients``)."""

    def __init__(self, inner: ConnectorFactory, clients: _Clients) -> None:
        self._inner = inner
        self._clients = clients

    async def create(self, service_url: str, audience: str) -> ConnectorClient:
        key = _client_key(self._inner, service_url, audience)
        client = self._clients.get(key) if key is not None else None
        if client is None:
            client = await self._inner.create(service_url, audience)
            client.config.connection.timeout = (CONNECT_TIMEOUT_SECONDS, READ_TIMEOUT_SECONDS)
            client.config.retry_policy.policy.connect = 0
            if key is not None:
                self._clients.put(key, client)
        return client


ClientKey = tuple[str | None, str | None, str, str | None]
K = TypeVar("K")
V = TypeVar("V")


def _client_key(
    inner: ConnectorFactory, service_url: str, audience: str | None
) -> ClientKey | None:
    """What a client depends on: the bot's app id and scope (fixed per deployment), the
    service URL and the audience. None for a factory other than botbuilder's own."""
    if not isinstance(inner, _ConnectorFactoryImpl):
        return None
    return (inner._app_id, inner._to_channel_from_bot_oauth_scope, service_url, audience)


class _Kept(Generic[K, V]):
    """Clients botbuilder would build for every turn, kept: at most ``MAX_CONNECTOR_CLIENTS``,
    the least recently used going first."""

    def __init__(self) -> None:
        self._kept: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K) -> V | None:
        value = self._kept.get(key)
        if value is not None:
            self._kept.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> None:
        self._kept[key] = value
        if len(self._kept) > MAX_CONNECTOR_CLIENTS:
            self._kept.popitem(last=False)


# botbuilder builds a connector client for every turn (credentials, msrest configuration, a
# requests session: 4 % of a raise's CPU, issue 16), though an invoke answers in the HTTP
# response and never calls it. One client per key serves every turn, as the proactive
# messenger's does.
_Clients = _Kept[ClientKey, ConnectorClient]


class _Authentication(ConfigurationBotFrameworkAuthentication):
    """botbuilder's authentication, its connector clients bounded and kept (replies and
    proactive)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients = _Clients()
        self._token_clients = _Kept[str, UserTokenClient]()

    async def authenticate_request(
        self, activity: Activity, auth_header: str
    ) -> AuthenticateRequestResult:
        result = await super().authenticate_request(activity, auth_header)
        result.connector_factory = _BoundedConnectors(result.connector_factory, self._clients)
        return result

    def create_connector_factory(self, claims_identity: ClaimsIdentity) -> ConnectorFactory:
        return _BoundedConnectors(super().create_connector_factory(claims_identity), self._clients)

    async def create_user_token_client(self, claims_identity: ClaimsIdentity) -> UserTokenClient:
        """botbuilder builds one for every turn (credentials and an msrest client); it depends
        only on the app id the token was for, so one per app id serves every turn."""
        app_id = JwtTokenValidation.get_app_id_from_claims(claims_identity.claims) or ""
        client = self._token_clients.get(app_id)
        if client is None:
            client = await super().create_user_token_client(claims_identity)
            self._token_clients.put(app_id, client)
        return client


def make_adapter(credentials: BotCredentials, keys: TokenKeys | None = None) -> CloudAdapter:
    """A CloudAdapter that validates tokens when credentials are set; a failed turn is logged
    as an incident and answered (an error card for an invoke, else an apology)."""
    quiet_libraries()
    fast_retry_policy()
    keys = keys or TokenKeys()
    configuration = _Configuration(credentials, keys)
    outbound = keys.outbound or ConfigurationServiceClientCredentialFactory(configuration)
    adapter = CloudAdapter(_Authentication(configuration, credentials_factory=outbound))
    adapter.on_turn_error = _on_turn_error
    return adapter


async def _on_turn_error(context: TurnContext, error: Exception) -> None:
    activity = context.activity
    incident = report_incident(log, f"turn failed (activity {activity.id})", error)
    if activity.type == ActivityTypes.invoke:
        card = messages.incident(incident)
        await context.send_activity(_invoke_response(card))
        return
    try:
        await context.send_activity(APOLOGY)
    except Exception as failed:  # the connector is unreachable or refused: logged, not a 500
        log.warning("incident %s: the apology was not sent (%s)", incident, type(failed).__name__)


def _invoke_response(card: Card | None) -> Activity:
    return Activity(
        type=ActivityTypes.invoke_response,
        value=InvokeResponse(status=200, body=invoke_body(card)),
    )


def invoke_body(card: Card | None) -> dict[str, Any]:
    """The body of a Universal Action's answer (botbuilder's ``AdaptiveCardInvokeResponse``,
    serialised): the card, or "OK" when there is none. Built as the plain JSON it is: msrest's
    serializer walked the whole card, node by node, for every click (issue 16: about a third of
    the botbuilder side's own CPU in a raise). The same JSON (tests compare the two)."""
    if card is None:
        return {
            "statusCode": 200,
            "type": "application/vnd.microsoft.activity.message",
            "value": "OK",
        }
    return {"statusCode": 200, "type": CARD_TYPE, "value": card}


class BotFrameworkHost:
    """``teams_bot.edge.Host`` on botbuilder's CloudAdapter."""

    def __init__(
        self,
        adapter: CloudAdapter,
        handler: DrpActivityHandler,
        credentials: BotCredentials,
        keys: TokenKeys | None = None,
    ) -> None:
        self._adapter = adapter
        self._handler = handler
        self._open = credentials.open
        keys = keys or TokenKeys()
        self._keys = SigningKeys(
            keys.channel_metadata_url, keys.emulator_metadata_url, keys.fetch_timeout_seconds
        )

    async def authenticate(self, activity: Mapping[str, Any], authorization: str) -> object:
        """The caller's identity: anonymous when open (no header read), else a checked token."""
        incoming = Activity().deserialize(dict(activity))
        header = "" if self._open else authorization
        if header:
            await self._keys.prepare(header)  # KeysUnavailable: the edge answers 503
        try:
            result = await self._adapter.bot_framework_authentication.authenticate_request(
                incoming, header
            )
            return _Authenticated(result, activity, incoming)
        except PermissionError as error:  # botbuilder's "not authorised" (an OSError too)
            raise Unauthenticated(type(error).__name__) from None
        except (requests.RequestException, OSError) as error:
            raise KeysUnavailable(type(error).__name__) from None
        except Exception as error:  # botbuilder raises IndexError, KeyError, plain Exception...
            raise Unauthenticated(type(error).__name__) from None

    async def run(self, activity: Mapping[str, Any], identity: object) -> HostAnswer:
        """The turn through the adapter; an escaped failure is an incident, never a 5xx."""
        if isinstance(identity, _Authenticated) and identity.source is activity:
            incoming, identity = identity.activity, identity.result  # read once, as botbuilder
        else:
            incoming = Activity().deserialize(dict(activity))
        try:
            response = await self._adapter.process_activity(
                identity, incoming, self._handler.on_turn
            )
        except Exception as error:
            incident = report_incident(log, f"turn failed (activity {incoming.id})", error)
            return _failed(incoming, incident)
        if response is None:
            return HostAnswer(201)
        if response.status >= 500:
            incident = report_incident(log, "turn answered 5xx", RuntimeError(response.status))
            return _failed(incoming, incident)
        body = response.body
        return HostAnswer(
            response.status, body.serialize() if hasattr(body, "serialize") else body
        )


@dataclass(frozen=True, slots=True)
class _Authenticated:
    """What ``authenticate`` found, and the activity it read (msrest's reading of an activity
    costs as much as a refresh's SQL: ``run`` reuses it for the same request)."""

    result: AuthenticateRequestResult
    source: Mapping[str, Any]
    activity: Activity


def _failed(activity: Activity, incident: str) -> HostAnswer:
    if activity.type != ActivityTypes.invoke:
        return HostAnswer(201)
    return HostAnswer(200, invoke_body(messages.incident(incident)))
