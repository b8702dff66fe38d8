"""The response page's web application, mounted at ``/respond`` on the bot's own server.

A guard turns every refusal into a plain page and an audit entry, and any other error into a
page with an incident number: never a 5xx, never a child, never the token in a log line.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from teams_bot.deps import Deps
from teams_bot.logs import report_incident
from teams_bot.respond.notices import PartnerMail
from teams_bot.respond.pages import REFUSED, RespondPages
from teams_bot.respond.texts import Refusal, Templates

log = logging.getLogger(__name__)

PREFIX = "/respond"
ANONYMOUS = "anonymous"  # who the audit log says opened a link that is not ours
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
PAGES = web.AppKey("respond.pages", RespondPages)


def make_respond(deps: Deps, partners: PartnerMail) -> web.Application:
    """The page's application for ``app.add_subapp(PREFIX, ...)``."""
    app = web.Application(middlewares=[_guard], client_max_size=64 * 1024)
    pages = RespondPages(deps, partners)
    app[PAGES] = pages
    app.router.add_get("/{token}", pages.open, name="open")
    app.router.add_post("/{token}", pages.answer, name="answer")
    app.router.add_post("/{token}/code", pages.code, name="code")
    return app


@web.middleware
async def _guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    pages = request.app[PAGES]
    templates: Templates = pages.templates
    try:
        return await handler(request)
    except Refusal as refusal:
        await _record(pages, refusal)
        title = "This link cannot be used"
        return templates.page("message.html", refusal.status, title=title, message=refusal.message)
    except web.HTTPException as http:
        if http.status == 404:
            return templates.page(
                "message.html", 404, title="Not found", message="There is no such page."
            )
        raise
    except Exception as error:  # the last line of defence: never a 5xx, never a child
        incident = report_incident(log, "respond page failed", error)
        message = f"This page could not be shown (incident {incident})."
        return templates.page("message.html", 400, title="Something went wrong", message=message)


async def _record(pages: RespondPages, refusal: Refusal) -> None:
    link = refusal.link
    actor = refusal.actor or ANONYMOUS
    detail = {"why": refusal.why}
    if link is not None:
        detail["link"] = link.link_id[:16]
    at = pages.deps.clock()
    async with pages.deps.store.transaction() as tx:
        reference = link.reference if link else None
        await tx.audit.record(REFUSED, actor, at=at, reference=reference, detail=detail)
    log.info("respond link refused: %s", refusal.why)
