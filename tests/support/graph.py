"""A loopback Microsoft Graph (v1.0) and Entra ID sign-in, over HTTPS on 127.0.0.1.

The endpoints drp-bot calls, in the shapes of Microsoft's Graph documentation:
``POST /{tenant}/oauth2/v2.0/token`` (client credentials), ``GET /v1.0/users[/{id}]``,
``/v1.0/users/delta``, ``/v1.0/groups/{id}``, ``/v1.0/groups/delta`` (``members@delta``), with
``@odata.nextLink`` paging and ``@odata.deltaLink``; the bot's Teams app installed for a user
(``POST /v1.0/users/{id}/teamwork/installedApps`` with ``teamsApp@odata.bind``, 201 or 409 if
installed; ``GET`` it back filtered on ``teamsApp/id``; ``GET .../installedApps/{id}/chat``).
Each app is granted application permissions, carried in its token's ``roles`` claim as Entra
does; a call without the one it needs is answered 403 Authorization_RequestDenied.
Faults on demand: 429 with Retry-After, expired delta tokens. Every call is recorded. No drp code.
"""

from __future__ import annotations

import base64
import itertools
import json
import re
import secrets
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from tests.support.graph_directory import Directory, page_of
from tests.support.ports import LOOPBACK
from tests.support.tls import LoopbackCertificate, make_certificate

Json = dict[str, Any]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
USERS_READ = "User.Read.All"
MEMBERS_READ = "GroupMember.Read.All"
INSTALL_FOR_USER = "TeamsAppInstallation.ReadWriteSelfForUser.All"
DENIED = "Insufficient privileges to complete the operation."


@dataclass
class App:
    """An app registration: its secret and the application permissions granted to it."""

    tenant_id: str
    client_id: str
    secret: str
    permissions: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class Installation:
    """A Teams app installed in a user's personal scope, and the 1:1 chat it opened."""

    id: str
    user_id: str
    teams_app_id: str
    chat_id: str


@dataclass(frozen=True)
class Call:
    """One request the loopback answered."""

    method: str
    path: str
    query: dict[str, str]
    status: int


class LoopbackGraph:
    """``async with LoopbackGraph(tmp_path) as graph:`` serves ``graph.url`` and
    ``graph.authority``; trust ``graph.ca_file``."""

    def __init__(self, directory: Path, *, page_size: int = 100) -> None:
        self.certificate: LoopbackCertificate = make_certificate(directory)
        self.directory = Directory()
        self.page_size = page_size
        self.apps: dict[str, App] = {}
        self.calls: list[Call] = []
        self._tokens: dict[str, App] = {}
        self._throttle: list[float] = []
        self._runner: web.AppRunner | None = None
        self._ids = itertools.count(1)
        self.origin = ""
        self.catalog: dict[str, str] = {}  # teams app id (the catalog's) -> manifest id
        self.installations: dict[tuple[str, str], Installation] = {}
        self.on_install: Callable[[Installation], None] = lambda installation: None

    # --- lifecycle ---------------------------------------------------------------------------

    async def __aenter__(self) -> LoopbackGraph:
        app = web.Application(middlewares=[self._record])
        app.router.add_post("/{tenant}/oauth2/v2.0/token", self._token)
        self.routes(app)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(
            self._runner, LOOPBACK, 0, ssl_context=self.certificate.server_context()
        )
        await site.start()
        self.origin = f"https://{LOOPBACK}:{self._runner.addresses[0][1]}"
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def routes(self, app: web.Application) -> None:
        """Graph's routes (a subclass may add more)."""
        for path in ("/v1.0/users/delta", "/v1.0/users/delta()"):
            app.router.add_get(path, self._guarded(USERS_READ, self._users_delta))
        for path in ("/v1.0/groups/delta", "/v1.0/groups/delta()"):
            app.router.add_get(path, self._guarded(MEMBERS_READ, self._groups_delta))
        installed = "/v1.0/users/{id}/teamwork/installedApps"
        app.router.add_post(installed, self._guarded(INSTALL_FOR_USER, self._install))
        app.router.add_get(installed, self._guarded(INSTALL_FOR_USER, self._installed))
        app.router.add_get(installed + "/{iid}/chat", self._guarded(INSTALL_FOR_USER, self._chat))
        app.router.add_get("/v1.0/users", self._guarded(USERS_READ, self._users))
        app.router.add_get("/v1.0/users/{id}", self._guarded(USERS_READ, self._user))
        app.router.add_get("/v1.0/groups/{id}", self._guarded(MEMBERS_READ, self._group))

    @property
    def url(self) -> str:
        """Graph's base URL (``DRP_GRAPH_URL``)."""
        return f"{self.origin}/v1.0"

    @property
    def authority(self) -> str:
        """The sign-in host (``DRP_GRAPH_AUTHORITY``)."""
        return self.origin

    @property
    def ca_file(self) -> Path:
        """The certificate to trust (``DRP_GRAPH_CA_FILE``)."""
        return self.certificate.ca_file

    # --- set-up and faults -------------------------------------------------------------------

    def register_app(
        self, tenant_id: str, client_id: str, secret: str, permissions: Iterable[str] = ()
    ) -> App:
        """An app that may sign in with client credentials, granted ``permissions``."""
        app = self.apps[client_id] = App(tenant_id, client_id, secret, set(permissions))
        return app

    def throttle(self, times: int = 1, retry_after: float = 1) -> None:
        """Answer the next ``times`` Graph calls 429 with this Retry-After (seconds)."""
        self._throttle.extend([retry_after] * times)

    def expire_delta_links(self) -> None:
        """Every delta token issued so far is expired (Graph keeps them for 7 days)."""
        self.directory.expired_before = self.directory.now + 1

    def count(self, path_prefix: str = "/v1.0/") -> int:
        """How many Graph calls were answered (paths starting with ``path_prefix``)."""
        return sum(1 for c in self.calls if c.path.startswith(path_prefix))

    # --- plumbing ----------------------------------------------------------------------------

    @web.middleware
    async def _record(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        response = await handler(request)
        self.calls.append(Call(request.method, request.path, dict(request.query), response.status))
        return response

    def _guarded(self, permission: str, handler: Handler) -> Handler:
        async def guarded(request: web.Request) -> web.StreamResponse:
            app = self._tokens.get(
                request.headers.get("Authorization", "").removeprefix("Bearer ")
            )
            if app is None:
                return error(401, "InvalidAuthenticationToken", "Access token is empty.")
            if self._throttle:
                wait = self._throttle.pop(0)
                response = error(429, "TooManyRequests", "Too many requests.")
                response.headers["Retry-After"] = f"{wait:g}"
                return response
            if permission not in app.permissions:
                return error(403, "Authorization_RequestDenied", DENIED)
            return await handler(request)

        return guarded

    async def _token(self, request: web.Request) -> web.Response:
        form = await request.post()
        app = self.apps.get(str(form.get("client_id", "")))
        tenant = request.match_info["tenant"]
        if app is None or app.tenant_id != tenant:
            return _sign_in_error(
                400, "unauthorized_client", "AADSTS700016: Application not found"
            )
        if not secrets.compare_digest(str(form.get("client_secret", "")), app.secret):
            return _sign_in_error(401, "invalid_client", "AADSTS7000215: Invalid client secret")
        if form.get("grant_type") != "client_credentials":
            return _sign_in_error(400, "unsupported_grant_type", "AADSTS70003")
        token = _jwt(
            {"tid": app.tenant_id, "appid": app.client_id, "roles": sorted(app.permissions)}
        )
        self._tokens[token] = app
        body = {"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599}
        return web.json_response({**body, "access_token": token})

    def link(self, path: str, **query: str) -> str:
        """An absolute Graph URL, as nextLink and deltaLink are."""
        return f"{self.url}{path}?{urlencode(query)}"

    # --- the Teams app, installed for a user ---------------------------------------------------

    def publish_app(self, teams_app_id: str, manifest_id: str) -> None:
        """The organisation's app catalog holds the bot's app under ``teams_app_id``."""
        self.catalog[teams_app_id] = manifest_id

    async def _install(self, request: web.Request) -> web.Response:
        user_id = request.match_info["id"]
        body = await request.json()
        bind = str(body.get("teamsApp@odata.bind", "")) if isinstance(body, dict) else ""
        app_id = bind.rsplit("/", 1)[-1]
        if not bind.startswith(f"{self.url}/appCatalogs/teamsApps/"):
            return error(400, "BadRequest", "teamsApp@odata.bind must name a catalog app.")
        if user_id not in self.directory.users or app_id not in self.catalog:
            return error(404, "NotFound", "The user or the app does not exist.")
        if (user_id, app_id) in self.installations:
            return error(409, "Conflict", "The app is already installed for this user.")
        installation = Installation(
            _b64(f"{user_id}##{app_id}"),
            user_id,
            app_id,
            f"19:{app_id}_{user_id}@unq.gbl.spaces",
        )
        self.installations[(user_id, app_id)] = installation
        self.on_install(installation)
        return web.Response(status=201)

    async def _installed(self, request: web.Request) -> web.Response:
        user_id = request.match_info["id"]
        if user_id not in self.directory.users:
            return error(404, "Request_ResourceNotFound", "Resource does not exist.")
        wanted = _FILTER.fullmatch(request.query.get("$filter", ""))
        expand = "teamsApp" in request.query.get("$expand", "").split(",")
        value = []
        for (user, app_id), installation in self.installations.items():
            if user != user_id or (wanted and wanted.group(1) != app_id):
                continue
            item: Json = {"id": installation.id}
            if expand:
                item["teamsApp"] = {
                    "id": app_id,
                    "externalId": self.catalog[app_id],
                    "displayName": "DRP",
                    "distributionMethod": "organization",
                }
            value.append(item)
        context = f"{self.url}/$metadata#users('{user_id}')/teamwork/installedApps"
        return web.json_response({"@odata.context": context, "value": value})

    async def _chat(self, request: web.Request) -> web.Response:
        user_id, iid = request.match_info["id"], request.match_info["iid"]
        for installation in self.installations.values():
            if installation.id == iid and installation.user_id == user_id:
                body = {
                    "@odata.context": f"{self.url}/$metadata#chats/$entity",
                    "id": installation.chat_id,
                    "chatType": "oneOnOne",
                    "tenantId": next(iter(self.apps.values())).tenant_id if self.apps else "",
                }
                return web.json_response(body)
        return error(404, "NotFound", "No such app installation.")

    # --- directory ---------------------------------------------------------------------------

    async def _users(self, request: web.Request) -> web.Response:
        select = _select(request)
        users = [u.to_json(select) for u in self.directory.users.values()]
        top = int(request.query.get("$top", self.page_size))
        skip = int(request.query.get("$skiptoken", "0") or 0)
        body: Json = {
            "@odata.context": f"{self.url}/$metadata#users",
            "value": users[skip : skip + top],
        }
        if skip + top < len(users):
            body["@odata.nextLink"] = self.link(
                "/users", **{"$top": str(top), "$skiptoken": str(skip + top)}
            )
        return web.json_response(body)

    async def _user(self, request: web.Request) -> web.Response:
        user = self.directory.users.get(request.match_info["id"])
        if user is None:
            return error(404, "Request_ResourceNotFound", "Resource does not exist.")
        return web.json_response(user.to_json(_select(request)))

    async def _group(self, request: web.Request) -> web.Response:
        group = self.directory.groups.get(request.match_info["id"])
        if group is None:
            return error(404, "Request_ResourceNotFound", "Resource does not exist.")
        return web.json_response({"id": group.id, "displayName": group.display_name})

    async def _users_delta(self, request: web.Request) -> web.Response:
        return self._delta(request, "users")

    async def _groups_delta(self, request: web.Request) -> web.Response:
        return self._delta(request, "groups")

    def _delta(self, request: web.Request, kind: str) -> web.Response:
        query = dict(request.query)
        if "$skiptoken" in query:
            round_id, _, offset = query["$skiptoken"].partition(":")
            round_ = self.directory.rounds.get(round_id)
            if round_ is None:
                return error(400, "badRequest", "Invalid skip token.")
            return self._page(kind, round_id, int(offset))
        since: int | None = None
        if "$deltatoken" in query:
            state = _decode(query.pop("$deltatoken"))
            if state["t"] < self.directory.expired_before:
                return error(400, "syncStateNotFound", "The delta token is expired.")
            since, query = state["t"], state["q"]
        return self._page(kind, self.directory.begin(kind, since, query), 0)

    def _page(self, kind: str, round_id: str, offset: int) -> web.Response:
        round_ = self.directory.rounds[round_id]
        items, following = page_of(round_, offset, self.page_size)
        body: Json = {"@odata.context": f"{self.url}/$metadata#{kind}", "value": items}
        path = f"/{kind}/delta()"
        if following < _length(round_, self.page_size):
            body["@odata.nextLink"] = self.link(path, **{"$skiptoken": f"{round_id}:{following}"})
        else:
            token = _encode({"t": round_.until, "q": round_.query})
            body["@odata.deltaLink"] = self.link(path, **{"$deltatoken": token})
        return web.json_response(body)


def error(status: int, code: str, message: str) -> web.Response:
    """Graph's error body."""
    inner = {"date": "2026-12-01T00:00:00", "request-id": "loopback", "client-request-id": ""}
    body = {"error": {"code": code, "message": message, "innerError": inner}}
    return web.json_response(body, status=status)


def _sign_in_error(status: int, code: str, description: str) -> web.Response:
    return web.json_response({"error": code, "error_description": description}, status=status)


def _select(request: web.Request) -> list[str]:
    return [s for s in request.query.get("$select", "").split(",") if s]


def _length(round_: Any, size: int) -> int:
    """Pages' worth of positions in a round (what ``page_of`` walks through)."""
    if round_.kind == "users":
        return len(round_.items)
    return sum(max(1, -(-len(item["_m"]) // size)) for item in round_.items)


_FILTER = re.compile(r"teamsApp/id eq '([^']+)'")


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _jwt(claims: Json) -> str:
    """An access token shaped as Entra issues them (header.claims.signature); the loopback
    knows its own tokens, so the signature is random."""

    def part(data: Json) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    return f"{part({'typ': 'JWT', 'alg': 'RS256'})}.{part(claims)}.{secrets.token_hex(16)}"


def _encode(state: Json) -> str:
    return base64.urlsafe_b64encode(json.dumps(state).encode()).decode()


def _decode(token: str) -> Json:
    decoded: Json = json.loads(base64.urlsafe_b64decode(token.encode()))
    return decoded
