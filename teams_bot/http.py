"""The aiohttp server: ``POST /api/messages`` into the CloudAdapter, ``GET /healthz``."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable

import jwt
from aiohttp import web
from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity

from teams_bot.botframework import DrpActivityHandler
from teams_bot.settings import BotCredentials

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 256 * 1024
HealthCheck = Callable[[], Awaitable[bool]]


class _AuthConfig:
    """The attribute names ConfigurationBotFrameworkAuthentication reads."""

    def __init__(self, credentials: BotCredentials) -> None:
        self.APP_ID = credentials.app_id
        self.APP_PASSWORD = credentials.app_password
        self.APP_TYPE = credentials.app_type
        self.APP_TENANTID = credentials.tenant_id


def make_adapter(credentials: BotCredentials) -> CloudAdapter:
    """A CloudAdapter that validates JWTs when credentials are set."""
    adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(_AuthConfig(credentials)))

    async def on_error(context: TurnContext, error: Exception) -> None:
        activity = context.activity
        log.exception(
            "turn failed: activity=%s conversation=%s", activity.id, activity.conversation.id
        )
        await context.send_activity("Sorry, something went wrong. Nothing was changed.")

    adapter.on_turn_error = on_error
    return adapter


def make_app(
    adapter: CloudAdapter,
    handler: DrpActivityHandler,
    credentials: BotCredentials,
    health: HealthCheck,
) -> web.Application:
    """The web application serving the bot."""
    app = web.Application(client_max_size=MAX_BODY_BYTES)

    async def messages(request: web.Request) -> web.StreamResponse:
        body, problem = await _read_activity(request)
        if problem:
            return web.json_response({"error": problem}, status=400)
        activity = Activity().deserialize(body)
        if not _tenant_allowed(activity, credentials):
            log.warning("refused activity %s from a tenant not on the allow-list", activity.id)
            return web.json_response({"error": "tenant not allowed"}, status=403)
        auth = request.headers.get("Authorization", "")
        try:
            response = await adapter.process_activity(auth, activity, handler.on_turn)
        except (PermissionError, jwt.PyJWTError):
            # botbuilder lets a malformed token's DecodeError escape: it is still a 401.
            return web.json_response({"error": "unauthorised"}, status=401)
        if response is None:
            return web.Response(status=201)
        body = response.body
        payload = body.serialize() if hasattr(body, "serialize") else body
        return web.json_response(payload, status=response.status)

    async def healthz(request: web.Request) -> web.Response:
        healthy = await health()
        status = 200 if healthy else 503
        return web.json_response(
            {"status": "ok" if healthy else "degraded", "store": healthy}, status=status
        )

    app.router.add_post("/api/messages", messages)
    app.router.add_get("/healthz", healthz)
    return app


async def _read_activity(request: web.Request) -> tuple[dict[str, object], str]:
    if "application/json" not in request.headers.get("Content-Type", ""):
        return {}, "Content-Type must be application/json"
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return {}, "the body is not JSON"
    if not isinstance(body, dict):
        return {}, "the body must be a JSON object (an activity)"
    return body, _activity_problem(body)


def _activity_problem(body: dict[str, object]) -> str:
    if not isinstance(body.get("type"), str) or not body["type"]:
        return "activity.type is required"
    conversation = body.get("conversation")
    if not isinstance(conversation, dict) or not isinstance(conversation.get("id"), str):
        return "activity.conversation.id is required"
    sender = body.get("from")
    if not isinstance(sender, dict) or not isinstance(sender.get("id"), str):
        return "activity.from.id is required"
    if not isinstance(body.get("serviceUrl"), str) or not body["serviceUrl"]:
        return "activity.serviceUrl is required"
    for field in ("text", "name", "channelId"):
        if field in body and body[field] is not None and not isinstance(body[field], str):
            return f"activity.{field} must be a string"
    return ""


def _tenant_allowed(activity: Activity, credentials: BotCredentials) -> bool:
    if not credentials.allowed_tenants:
        return True
    data: dict[str, object] = (
        activity.channel_data if isinstance(activity.channel_data, dict) else {}
    )
    tenant = data.get("tenant")
    tenant = tenant if isinstance(tenant, dict) else {}
    conversation_tenant = activity.conversation.tenant_id if activity.conversation else ""
    tenant_id = tenant.get("id") or conversation_tenant
    return tenant_id in credentials.allowed_tenants
