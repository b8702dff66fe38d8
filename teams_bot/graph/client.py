"""The app's Microsoft Graph calls, through msgraph-sdk with azure-identity client credentials.

The only module that imports ``msgraph``: calls return plain values (``DirectoryUser``,
``Membership``, pages with their links), and every failure is one ``GraphError`` saying what
to do (a 403 names the application permission to grant). 429 and 5xx are retried by the SDK's
retry handler, honouring Retry-After, before they surface.
"""

from __future__ import annotations

import base64
import binascii
import json
import ssl
from collections.abc import Awaitable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar
from urllib.parse import urlsplit

import httpx
from azure.core.exceptions import AzureError, ClientAuthenticationError
from azure.identity.aio import ClientSecretCredential
from kiota_abstractions.api_error import APIError
from kiota_abstractions.base_request_configuration import RequestConfiguration
from kiota_abstractions.request_information import RequestInformation
from kiota_authentication_azure.azure_identity_authentication_provider import (
    AzureIdentityAuthenticationProvider,
)
from kiota_http.middleware.options import RetryHandlerOption
from msgraph import GraphRequestAdapter, GraphServiceClient
from msgraph.generated.groups.delta.delta_request_builder import (
    DeltaRequestBuilder as GroupsDelta,
)
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.models.user_scope_teams_app_installation import (
    UserScopeTeamsAppInstallation,
)
from msgraph.generated.users.delta.delta_request_builder import DeltaRequestBuilder as UsersDelta
from msgraph.generated.users.item.teamwork.installed_apps.installed_apps_request_builder import (
    InstalledAppsRequestBuilder,
)
from msgraph.generated.users.item.user_item_request_builder import UserItemRequestBuilder
from msgraph_core import GraphClientFactory

from teams_bot.graph.mapping import EXTENSION_ATTRIBUTES, EXTENSIONS, PLAIN_ATTRIBUTES
from teams_bot.settings import GraphSettings

T = TypeVar("T")
Json = dict[str, Any]
_ERRORS: dict[str, Any] = {"XXX": ODataError}
_EXTENSIONS = frozenset(EXTENSION_ATTRIBUTES)
USERS_READ = "User.Read.All"
MEMBERS_READ = "GroupMember.Read.All"
INSTALL_FOR_USER = "TeamsAppInstallation.ReadWriteSelfForUser.All"
EXPIRED_CODES = frozenset({"syncStateNotFound", "resyncRequired", "syncStateInvalid"})
TIMEOUT = httpx.Timeout(100.0, connect=30.0)


class GraphError(Exception):
    """A Graph call failed: HTTP status, Graph's error code, and what to do about it."""

    def __init__(self, status: int, code: str, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.code = code
        self.reason = reason

    @property
    def expired(self) -> bool:
        """A stored delta link Graph no longer knows (kept 7 days): start a full sync."""
        return self.code in EXPIRED_CODES or self.status == 410


@dataclass(frozen=True, slots=True)
class DirectoryUser:
    """A user as the sync needs them; ``removed`` when Graph reports them deleted."""

    id: str
    display_name: str = ""
    mail: str = ""
    user_principal_name: str = ""
    enabled: bool = True
    attributes: Mapping[str, str] = field(default_factory=dict)
    removed: bool = False

    @property
    def email(self) -> str:
        """Their e-mail: ``mail``, else their sign-in name, lower-cased."""
        return (self.mail or self.user_principal_name).strip().lower()


@dataclass(frozen=True, slots=True)
class Membership:
    """A user joined (or, ``removed``, left) a group."""

    group_id: str
    member_id: str
    removed: bool = False


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a delta round: the next page's link, or (last page) the next round's."""

    items: list[T]
    next_link: str | None = None
    delta_link: str | None = None


class GraphClient:
    """The Graph calls drp-bot makes, as one app with client credentials."""

    def __init__(self, settings: GraphSettings, *, retries: int = 3) -> None:
        verify: ssl.SSLContext | bool = True
        if settings.ca_file is not None:
            verify = ssl.create_default_context(cafile=str(settings.ca_file))
        self._credential = ClientSecretCredential(
            settings.tenant_id,
            settings.client_id,
            settings.client_secret,
            authority=settings.authority,
            connection_verify=str(settings.ca_file) if settings.ca_file else True,
        )
        scope = f"https://{urlsplit(settings.url).hostname}/.default"
        auth = AzureIdentityAuthenticationProvider(self._credential, scopes=[scope])
        options = {RetryHandlerOption.get_key(): RetryHandlerOption(max_retries=retries)}
        http = GraphClientFactory.create_with_default_middleware(
            client=httpx.AsyncClient(verify=verify, timeout=TIMEOUT), options=options
        )
        self._http = http
        adapter = GraphRequestAdapter(auth, client=http)
        adapter.base_url = settings.url
        self.sdk = GraphServiceClient(request_adapter=adapter)
        self.scope = scope

    async def close(self) -> None:
        """Close the HTTP client and the credential's session."""
        await self._http.aclose()
        await self._credential.close()

    async def token(self) -> None:
        """Obtain a token (the credentials work), or GraphError."""
        await self.granted()

    async def granted(self) -> frozenset[str]:
        """The application permissions granted to the app (its token's ``roles``), or
        GraphError when it cannot sign in. The token is read, not verified: it is our own."""
        token = await _call(self._credential.get_token(self.scope), "sign in", "")
        return _roles(token.token)

    # --- the bot's Teams app, installed for a person -------------------------------------------

    async def install_app(self, user_id: str, teams_app_id: str) -> bool:
        """Install the catalog app ``teams_app_id`` in the user's personal scope; False if it
        was installed already (409)."""
        bind = f"{self.sdk.request_adapter.base_url}/appCatalogs/teamsApps/{teams_app_id}"
        body = UserScopeTeamsAppInstallation(additional_data={"teamsApp@odata.bind": bind})
        installed_apps = self.sdk.users.by_user_id(user_id).teamwork.installed_apps
        try:
            await _call(installed_apps.post(body), "POST installedApps", INSTALL_FOR_USER)
        except GraphError as error:
            if error.status == 409:
                return False
            raise
        return True

    async def installation_chat(self, user_id: str, teams_app_id: str) -> str | None:
        """The id of the 1:1 chat between the user and the installed app (None if the app is
        not installed for them)."""
        installed_apps = self.sdk.users.by_user_id(user_id).teamwork.installed_apps
        query = InstalledAppsRequestBuilder.InstalledAppsRequestBuilderGetQueryParameters(
            filter=f"teamsApp/id eq '{teams_app_id}'", expand=["teamsApp"]
        )
        request = installed_apps.to_get_request_information(
            RequestConfiguration(query_parameters=query)
        )
        found = _values(await self._json(request, "GET installedApps", INSTALL_FOR_USER))
        if not found or not found[0].get("id"):
            return None
        item = installed_apps.by_user_scope_teams_app_installation_id(str(found[0]["id"]))
        request = item.chat.to_get_request_information()
        chat = await self._json(request, "GET installedApps/{id}/chat", INSTALL_FOR_USER)
        return str(chat["id"]) if chat.get("id") else None

    # --- directory ---------------------------------------------------------------------------

    async def users_delta(self, link: str | None, fields: Sequence[str]) -> Page[DirectoryUser]:
        """One page of ``/users/delta``: the first of a full round if ``link`` is None."""
        builder = self.sdk.users.delta
        if link:
            request = builder.with_url(link).to_get_request_information()
        else:
            query = UsersDelta.DeltaRequestBuilderGetQueryParameters(select=list(fields))
            request = builder.to_get_request_information(
                RequestConfiguration(query_parameters=query)
            )
        body = await self._json(request, "GET /users/delta", USERS_READ)
        users = [_user(u) for u in _values(body) if u.get("id")]
        return Page(users, _link(body, "@odata.nextLink"), _link(body, "@odata.deltaLink"))

    async def groups_delta(self, link: str | None, group_ids: Sequence[str]) -> Page[Membership]:
        """One page of ``/groups/delta`` for the mapped groups, their members' changes."""
        builder = self.sdk.groups.delta
        if link:
            request = builder.with_url(link).to_get_request_information()
        else:
            wanted = " or ".join(f"id eq '{group_id}'" for group_id in group_ids)
            query = GroupsDelta.DeltaRequestBuilderGetQueryParameters(
                filter=wanted, select=["id", "displayName", "members"]
            )
            request = builder.to_get_request_information(
                RequestConfiguration(query_parameters=query)
            )
        body = await self._json(request, "GET /groups/delta", MEMBERS_READ)
        found: list[Membership] = []
        for group in _values(body):
            members = group.get("members@delta") or []
            found += [_membership(str(group.get("id")), m) for m in members if _is_user(m)]
        return Page(found, _link(body, "@odata.nextLink"), _link(body, "@odata.deltaLink"))

    async def user(self, user_id: str, fields: Sequence[str]) -> DirectoryUser | None:
        """One user by object id, or None if Graph has no such user."""
        query = UserItemRequestBuilder.UserItemRequestBuilderGetQueryParameters(
            select=list(fields)
        )
        builder = self.sdk.users.by_user_id(user_id)
        request = builder.to_get_request_information(RequestConfiguration(query_parameters=query))
        try:
            body = await self._json(request, "GET /users/{id}", USERS_READ)
        except GraphError as error:
            if error.status == 404:
                return None
            raise
        return _user(body) if body.get("id") else None

    async def _json(self, request: RequestInformation, what: str, permission: str) -> Json:
        """A call's JSON body. The SDK sends it (auth, retries, error parsing), but its typed
        models are not built: they cost ~50 ms a user to deserialise (bench/graph_sync_bench)."""
        adapter = self.sdk.request_adapter
        raw = await _call(
            adapter.send_primitive_async(request, "bytes", _ERRORS), what, permission
        )
        try:
            body = json.loads(raw or b"")
        except ValueError:
            raise GraphError(502, "badResponse", f"Graph answered {what} with no JSON") from None
        if not isinstance(body, dict):
            raise GraphError(502, "badResponse", f"Graph answered {what} with no object")
        return body

    async def group_name(self, group_id: str) -> str | None:
        """A group's display name, or None if there is no such group."""
        try:
            group = await _call(self.sdk.groups.by_group_id(group_id).get(), "GET", MEMBERS_READ)
        except GraphError as error:
            if error.status == 404:
                return None
            raise
        return str(group.display_name or "") if group is not None else None

    async def any_user(self) -> bool:
        """Whether the app may list users (one user is asked for)."""
        query = self.sdk.users.UsersRequestBuilderGetQueryParameters(top=1, select=["id"])
        request = self.sdk.users.get(RequestConfiguration(query_parameters=query))
        found = await _call(request, "GET /users", USERS_READ)
        return bool(found and found.value)


async def _call(request: Awaitable[T], what: str, permission: str) -> T:
    """Await a Graph call, turning every failure into a GraphError that says what to do."""
    try:
        return await request
    except APIError as error:
        raise _api_error(error, what, permission) from None
    except ClientAuthenticationError as error:
        first = str(error.message or error).splitlines()[0][:300]
        raise GraphError(401, "signInFailed", f"sign-in refused: {first}") from None
    except (AzureError, httpx.HTTPError, OSError) as error:
        raise GraphError(503, "unreachable", f"{what}: {type(error).__name__}") from None


def _api_error(error: APIError, what: str, permission: str) -> GraphError:
    status = int(error.response_status_code or 0)
    inner: Any = getattr(error, "error", None)
    code = str(getattr(inner, "code", "") or "error")
    if status == 403 and permission:
        reason = (
            f"Graph refused {what} (403 {code}): grant the app the {permission} application "
            "permission and an administrator's consent"
        )
    elif status == 429:
        reason = f"Graph throttled {what} (429) after retries: run the sync again later"
    else:
        message = str(getattr(inner, "message", "") or "")[:200]
        reason = f"Graph answered {what} with {status} {code}: {message}".rstrip(": ")
    return GraphError(status, code, reason)


def _roles(token: str) -> frozenset[str]:
    """The ``roles`` claim of an access token (a JWT); none if it is not one."""
    parts = token.split(".")
    if len(parts) != 3:
        return frozenset()
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (binascii.Error, ValueError):
        return frozenset()
    roles = claims.get("roles") if isinstance(claims, dict) else None
    return frozenset(str(r) for r in roles) if isinstance(roles, list) else frozenset()


def _user(body: Json) -> DirectoryUser:
    if "@removed" in body:
        return DirectoryUser(str(body["id"]), removed=True)
    attributes = {name: str(body[name]) for name in PLAIN_ATTRIBUTES if body.get(name)}
    extensions = body.get(EXTENSIONS)
    if isinstance(extensions, dict):
        attributes.update({k: str(v) for k, v in extensions.items() if k in _EXTENSIONS and v})
    return DirectoryUser(
        id=str(body["id"]),
        display_name=str(body.get("displayName") or ""),
        mail=str(body.get("mail") or ""),
        user_principal_name=str(body.get("userPrincipalName") or ""),
        enabled=body.get("accountEnabled") is not False,
        attributes=attributes,
    )


def _values(body: Json) -> list[Json]:
    values = body.get("value")
    return [v for v in values if isinstance(v, dict)] if isinstance(values, list) else []


def _link(body: Json, name: str) -> str | None:
    value = body.get(name)
    return value if isinstance(value, str) and value else None


def _is_user(member: Any) -> bool:
    return isinstance(member, dict) and member.get("@odata.type") == "#microsoft.graph.user"


def _membership(group_id: str, member: Mapping[str, Any]) -> Membership:
    return Membership(group_id, str(member.get("id", "")), removed="@removed" in member)
