"""The aiohttp server: ``POST /api/messages`` through a bot host, ``GET /healthz``, and
``GET /metrics`` (Prometheus; counts only, see ``teams_bot.metrics``).

Order at the edge: size (413), JSON and the declared activity schema (400), authentication
(401, or 503 when the signing keys cannot be fetched), tenant allow-list (403), service URL
(400), then the turn. No input makes it answer another 5xx. No SDK import here.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from aiohttp.typedefs import Middleware

from teams_bot.activity_schema import MalformedActivity, parse_activity, tenant_of
from teams_bot.edge import (
    KEYS_RETRY_AFTER_SECONDS,
    Host,
    KeysUnavailable,
    ServiceUrls,
    Unauthenticated,
    tenant_allowed,
)
from teams_bot.logs import report_incident
from teams_bot.metrics import CONTENT_TYPE, Metrics, Observe
from teams_bot.settings import BotCredentials

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 256 * 1024
HealthCheck = Callable[[], Awaitable[bool]]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class AccessLog(AbstractAccessLogger):
    """One line per request: method, path, status, seconds. Never the query string (the tab's
    search may hold a child's local ID), the referrer or the user agent."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        """Log the request without its query."""
        self.logger.info("%s %s %s %.3fs", request.method, request.path, response.status, time)


def _error(status: int, reason: str) -> web.Response:
    return web.json_response({"error": reason}, status=status)


def make_app(
    host: Host,
    credentials: BotCredentials,
    health: HealthCheck,
    service_urls: ServiceUrls | None = None,
    metrics: Metrics | None = None,
    observe: Observe | None = None,
) -> web.Application:
    """The web application serving the bot; with ``metrics``, ``/metrics`` too (``observe``
    reads the store's figures before each scrape)."""
    counted = metrics or Metrics()
    app = web.Application(client_max_size=MAX_BODY_BYTES, middlewares=[_counting(counted)])
    urls = service_urls or ServiceUrls()

    async def messages(request: web.Request) -> web.StreamResponse:
        started, seen = time.perf_counter(), list[str]()  # the activity's type, once parsed
        try:
            return await _messages(request, host, credentials, urls, seen)
        except web.HTTPRequestEntityTooLarge:
            return _error(413, f"the body is larger than {MAX_BODY_BYTES} bytes")
        except Exception as error:  # the last line of defence: never a 5xx to the caller
            incident = report_incident(log, "request failed", error)
            return _error(400, f"the request could not be handled (incident {incident})")
        finally:
            counted.activity(seen[0] if seen else "other", time.perf_counter() - started)

    async def healthz(request: web.Request) -> web.Response:
        healthy = await health()
        status = 200 if healthy else 503
        return web.json_response(
            {"status": "ok" if healthy else "degraded", "store": healthy}, status=status
        )

    async def scrape(request: web.Request) -> web.Response:
        if observe is not None:
            try:
                await observe()
            except Exception as error:  # the counters are still worth serving
                report_incident(log, "metrics: the store's figures could not be read", error)
        return web.Response(body=counted.render(), headers={"Content-Type": CONTENT_TYPE})

    app.router.add_post("/api/messages", messages)
    app.router.add_get("/healthz", healthz)
    if metrics is not None:
        app.router.add_get("/metrics", scrape)
    return app


def _counting(metrics: Metrics) -> Middleware:
    """Counts every answered request by path and status (router 404s and 405s too)."""

    @web.middleware
    async def count(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            response = await handler(request)
        except web.HTTPException as error:  # 404, 405 from the router
            metrics.request(request.path, error.status)
            raise
        metrics.request(request.path, response.status)
        return response

    return count


async def _messages(
    request: web.Request,
    host: Host,
    credentials: BotCredentials,
    urls: ServiceUrls,
    seen: list[str],
) -> web.StreamResponse:
    if (request.content_length or 0) > MAX_BODY_BYTES:
        return _error(413, f"the body is larger than {MAX_BODY_BYTES} bytes")
    if "application/json" not in request.headers.get("Content-Type", ""):
        return _error(400, "Content-Type must be application/json")
    try:
        activity = parse_activity(await request.read())
    except MalformedActivity as malformed:
        return _error(400, malformed.reason)
    seen.append(str(activity.get("type")))
    try:
        identity = await host.authenticate(activity, request.headers.get("Authorization", ""))
    except Unauthenticated as refused:
        log.info("refused activity %s: not authenticated (%s)", activity.get("id"), refused.kind)
        return _error(401, "unauthorised")
    except KeysUnavailable:
        log.warning("token signing keys unavailable: answering 503")
        response = _error(503, "the token signing keys are unavailable; try again shortly")
        response.headers["Retry-After"] = str(KEYS_RETRY_AFTER_SECONDS)
        return response
    if not tenant_allowed(tenant_of(activity), credentials.allowed_tenants):
        log.warning("refused activity %s from a tenant not on the allow-list", activity.get("id"))
        return _error(403, "tenant not allowed")
    if (credentials.open or urls.allowed) and not urls.allows(activity["serviceUrl"]):
        log.warning("refused activity %s: serviceUrl not allowed", activity.get("id"))
        return _error(400, "activity.serviceUrl: not a connector this bot may call")
    answer = await host.run(activity, identity)
    if answer.body is None:
        return web.Response(status=answer.status)
    return web.json_response(answer.body, status=answer.status)
