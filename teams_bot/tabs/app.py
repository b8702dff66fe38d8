"""The tab's web application, mounted at ``/tabs/`` on the bot's own aiohttp server.

One guard decides who is asking before any page handler runs: the query string is checked
(size, control characters), then the session cookie names an active directory person or the
request ends in 401 (in Teams: the SSO page) or, locally, a redirect to the sign-in page. A page
handler receives that person as a ``Reader``; any error becomes a page without a child on it,
never a 5xx.
"""

from __future__ import annotations

import ipaddress
import logging
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import quote

from aiohttp import web

from teams_bot.deps import Deps
from teams_bot.logs import report_incident
from teams_bot.settings import BotCredentials
from teams_bot.tabs import keys, signin
from teams_bot.tabs.access import Reader
from teams_bot.tabs.errors import Forbidden, TabError
from teams_bot.tabs.pages import Pages
from teams_bot.tabs.session import Sessions
from teams_bot.tabs.sso import SsoCheck
from teams_bot.tabs.templates import TEMPLATES, Templates

log = logging.getLogger(__name__)

PREFIX = "/tabs"
STATIC = Path(__file__).parent / "static"
MAX_QUERY = 2048
LOCAL_ONLY = "Without an app id the DRP tab answers only on the machine the bot runs on."
_CONTROL = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")
# Routes anyone may reach: they show no child.
PUBLIC = frozenset({"sign_in", "sign_in_post", "sso_token", "configure", "static"})
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def make_tabs(
    deps: Deps, credentials: BotCredentials, sso: SsoCheck | None = None
) -> web.Application:
    """The tab application for ``app.add_subapp(PREFIX, ...)``; ``sso`` with an app id."""
    tabs = web.Application(middlewares=[_guard])
    templates = Templates()
    tabs[keys.DEPS] = deps
    tabs[keys.SESSIONS] = Sessions.for_credentials(credentials)
    tabs[keys.MODE] = "local" if credentials.open else "sso"
    tabs[TEMPLATES] = templates
    if sso is not None:
        tabs[keys.SSO] = sso
    pages = Pages(deps, templates)
    router = tabs.router
    router.add_get("/", _home, name="home")
    router.add_get("/mine", pages.mine, name="mine")
    router.add_get("/dashboard", pages.dashboard, name="dashboard")
    router.add_get("/disputes/{reference}", pages.dispute, name="dispute")
    router.add_get("/disputes/{reference}/record", pages.record, name="record")
    router.add_get("/report", pages.report, name="report")
    router.add_get("/configure", signin.configure, name="configure")
    router.add_post("/sign-out", signin.sign_out, name="sign_out")
    if credentials.open:  # the local sign-in page exists only without an app id
        router.add_get("/sign-in", signin.sign_in_page, name="sign_in")
        router.add_post("/sign-in", signin.sign_in, name="sign_in_post")
    else:
        router.add_post("/auth/token", signin.sso_token, name="sso_token")
    router.add_static("/static/", STATIC, name="static", append_version=True)
    return tabs


async def _home(request: web.Request) -> web.StreamResponse:
    raise web.HTTPSeeOther(f"{PREFIX}/mine")


@web.middleware
async def _guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    templates: Templates = request.app[TEMPLATES]
    try:
        if request.app[keys.MODE] == "local" and not from_this_machine(request.remote):
            raise Forbidden(LOCAL_ONLY)
        _check_query(request)
        route = request.match_info.route.name
        unknown = request.match_info.http_exception is not None  # 404 or 405, for anyone
        if route not in PUBLIC and not unknown:
            reader = await _reader(request)
            if reader is None:
                return _unauthenticated(request, templates)
            request[keys.READER] = reader
        return await handler(request)
    except TabError as error:
        return templates.page(request, "error.html", error.status, message=error.message)
    except web.HTTPException as http:
        if http.status == 404:
            return templates.page(request, "error.html", 404, message="There is no such page.")
        raise
    except Exception as error:  # the last line of defence: never a 5xx, never a child
        import traceback

        traceback.print_exc()
        incident = report_incident(log, "tab page failed", error)
        message = f"This page could not be shown (incident {incident})."
        return templates.page(request, "error.html", 400, message=message)


def from_this_machine(remote: str | None) -> bool:
    """Whether the request came over loopback: without an app id anyone may sign in as anyone,
    so the tab answers nobody else (the bot itself listens on 127.0.0.1 by default then)."""
    try:
        return remote is not None and ipaddress.ip_address(remote).is_loopback
    except ValueError:
        return False


def _check_query(request: web.Request) -> None:
    if len(request.query_string) > MAX_QUERY:
        raise TabError(f"The address is too long (over {MAX_QUERY} characters of query).")
    for name, value in request.query.items():
        if _CONTROL.search(name) or _CONTROL.search(value):
            raise TabError("The address holds control characters; nothing was looked up.")


async def _reader(request: web.Request) -> Reader | None:
    deps: Deps = request.app[keys.DEPS]
    person_id = request.app[keys.SESSIONS].person_id(request)
    if person_id is None:
        return None
    async with deps.store.transaction(readonly=True) as tx:
        person = await tx.directory.person(person_id)
    if person is None or not person.active:
        return None
    return Reader(person, deps.ctx.policy.access)


def _unauthenticated(request: web.Request, templates: Templates) -> web.StreamResponse:
    if request.app[keys.MODE] == "local" and request.method == "GET":
        target = quote(request.path_qs, safe="/?=&-_.~%")
        raise web.HTTPSeeOther(f"{PREFIX}/sign-in?next={target}")
    log.info("tab request without a session: %s", request.match_info.route.name)
    return templates.page(request, "signin_sso.html", 401, next=request.path_qs)
