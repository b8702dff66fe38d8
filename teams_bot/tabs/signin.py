"""Signing in to the tab: a demo person chosen locally, or Teams SSO with an app id; signing out;
the configurable tab's configuration page. None of these pages shows a child."""

from __future__ import annotations

import logging
from datetime import datetime

from aiohttp import web

from drp.policy import Policy
from store.rows import Person
from teams_bot.deps import Deps
from teams_bot.tabs import keys
from teams_bot.tabs.errors import BadRequest
from teams_bot.tabs.sso import SsoRefused, SsoUnavailable
from teams_bot.tabs.templates import TEMPLATES, Templates

log = logging.getLogger(__name__)

SIGNED_IN = "tab_signed_in"
HOME = "/tabs/mine"
MAX_FORM = 16384  # an Entra ID token is a few kilobytes


def safe_next(target: str) -> str:
    """Where to go after signing in: a tab page on this server, else My disputes."""
    ok = target.startswith("/tabs/") and "//" not in target and "\\" not in target
    return target if ok and len(target) <= 2048 else HOME


async def sign_in_page(request: web.Request) -> web.StreamResponse:
    """Local only: choose a demo person."""
    deps: Deps = request.app[keys.DEPS]
    async with deps.store.transaction(readonly=True) as tx:
        people = [p for p in await tx.directory.people() if p.active]
    choices = [(p.id, p.name, _roles(p, deps.ctx.policy)) for p in people]
    templates: Templates = request.app[TEMPLATES]
    target = safe_next(request.query.get("next", ""))
    return templates.page(request, "signin_local.html", people=choices, next=target)


def _roles(person: Person, policy: Policy) -> str:
    names = [policy.role_title(grant.role) for grant in person.roles]
    return ", ".join(dict.fromkeys(names)) or "no role"


async def sign_in(request: web.Request) -> web.StreamResponse:
    """Local only: sign in as the chosen person (active, in the directory)."""
    deps: Deps = request.app[keys.DEPS]
    if (request.content_length or 0) > MAX_FORM:
        raise BadRequest("form", "is too large")
    form = await request.post()
    person_id = str(form.get("person", ""))
    target = safe_next(str(form.get("next", "")))
    person = await _active(deps, person_id) if 0 < len(person_id) <= 64 else None
    if person is None:
        raise BadRequest("person", "choose someone from the list")
    return await _signed_in(request, deps, person, target)


async def _active(deps: Deps, person_id: str) -> Person | None:
    async with deps.store.transaction(readonly=True) as tx:
        person = await tx.directory.person(person_id)
    return person if person is not None and person.active else None


async def _signed_in(
    request: web.Request, deps: Deps, person: Person, target: str
) -> web.StreamResponse:
    now: datetime = deps.clock()
    mode = request.app[keys.MODE]
    async with deps.store.transaction() as tx:
        await tx.audit.record(SIGNED_IN, person.id, at=now, detail={"mode": mode})
    response: web.StreamResponse = (
        web.Response(status=303, headers={"Location": target})
        if mode == "local"
        else web.json_response({"next": target})
    )
    request.app[keys.SESSIONS].issue(response, person.id)
    return response


async def sso_token(request: web.Request) -> web.StreamResponse:
    """With an app id: the tab's script posts Teams' SSO token; a session for its user."""
    deps: Deps = request.app[keys.DEPS]
    sso = request.app.get(keys.SSO)
    if (request.content_length or 0) > MAX_FORM:
        return web.json_response({"error": "the body is too large"}, status=413)
    form = await request.post()
    token, target = str(form.get("token", "")), safe_next(str(form.get("next", "")))
    if sso is None:
        log.warning("tab SSO refused: DRP_TAB_DOMAIN is not set")
        return web.json_response({"error": "single sign-on is not set up"}, status=401)
    try:
        user = await sso.user(token)
    except SsoRefused as refused:
        log.info("tab SSO token refused (%s)", refused.kind)
        return web.json_response({"error": "unauthorised"}, status=401)
    except SsoUnavailable:
        log.warning("Entra ID signing keys unavailable: tab SSO answers 503")
        response = web.json_response({"error": "try again shortly"}, status=503)
        response.headers["Retry-After"] = "30"
        return response
    async with deps.store.transaction(readonly=True) as tx:
        person = await tx.directory.by_aad_id(user.object_id)
    if person is None or not person.active:
        log.info("tab SSO: the token's user is not in the directory")
        return web.json_response({"error": "you are not in the DRP directory"}, status=403)
    return await _signed_in(request, deps, person, target)


async def sign_out(request: web.Request) -> web.StreamResponse:
    """End the session."""
    target = "/tabs/sign-in" if request.app[keys.MODE] == "local" else HOME
    response = web.Response(status=303, headers={"Location": target})
    request.app[keys.SESSIONS].end(response)
    return response


async def configure(request: web.Request) -> web.StreamResponse:
    """The channel tab's configuration page: pick which page the tab shows."""
    templates: Templates = request.app[TEMPLATES]
    return templates.page(request, "configure.html")
