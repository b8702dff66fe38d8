"""Teams single sign-on for the tab: the Entra ID token Teams gives the tab
(``authentication.getAuthToken``) checked against Entra ID's published signing keys.

A token passes only if it is RS256, signed by a key in the key set, for the audience
``api://<domain>/<app id>``, issued by Entra ID for the tenant it names, current, and from a
tenant on the allow-list (DRP_ALLOWED_TENANTS, else the bot's own tenant if it is single-tenant).
The person is then found in the directory by the token's object id (``oid``). PyJWT's
``PyJWKClient`` fetches and caches the keys (blocking urllib: run off the event loop).
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from typing import Any

import jwt

log = logging.getLogger(__name__)

ENTRA_KEYS_URL = "https://login.microsoftonline.com/common/discovery/v2.0/keys"
KEYS_LIFESPAN_SECONDS = 24 * 3600
LEEWAY_SECONDS = 60
MAX_TOKEN = 8192
_ISSUERS = (
    re.compile(r"https://login\.microsoftonline\.com/([0-9a-f-]{36})/v2\.0"),
    re.compile(r"https://sts\.windows\.net/([0-9a-f-]{36})/"),
)


class SsoRefused(Exception):
    """The token is not acceptable; ``kind`` says why, for the log (never the token)."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


class SsoUnavailable(Exception):
    """Entra ID's signing keys could not be fetched."""


@dataclass(frozen=True, slots=True)
class SsoUser:
    """Who the token is for: Entra object id and tenant."""

    object_id: str
    tenant_id: str


class SsoCheck:
    """Checks tab SSO tokens for one app registration."""

    def __init__(
        self,
        app_id: str,
        domain: str,
        tenants: frozenset[str],
        keys_url: str = ENTRA_KEYS_URL,
        timeout_seconds: float = 10.0,
    ) -> None:
        self.audience = f"api://{domain}/{app_id}"
        self.tenants = tenants
        self._keys = jwt.PyJWKClient(
            keys_url, cache_keys=True, lifespan=KEYS_LIFESPAN_SECONDS, timeout=int(timeout_seconds)
        )

    async def user(self, token: str) -> SsoUser:
        """The token's user; SsoRefused or SsoUnavailable."""
        if not token or len(token) > MAX_TOKEN:
            raise SsoRefused("no token" if not token else "token too long")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise SsoRefused("malformed") from None
        if header.get("alg") != "RS256" or not isinstance(header.get("kid"), str):
            raise SsoRefused("not RS256 with a kid")
        key = await self._signing_key(token)
        claims = self._claims(token, key)
        return self._user(claims)

    async def _signing_key(self, token: str) -> Any:
        try:
            return await asyncio.to_thread(self._keys.get_signing_key_from_jwt, token)
        except jwt.PyJWKClientConnectionError:
            raise SsoUnavailable from None
        except jwt.PyJWTError:
            raise SsoRefused("unknown key") from None

    def _claims(self, token: str, key: Any) -> dict[str, Any]:
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key.key,
                algorithms=["RS256"],
                audience=self.audience,
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "nbf", "iss", "aud", "tid", "oid"]},
            )
        except jwt.ExpiredSignatureError:
            raise SsoRefused("expired") from None
        except jwt.InvalidAudienceError:
            raise SsoRefused("wrong audience") from None
        except jwt.PyJWTError as error:
            raise SsoRefused(type(error).__name__) from None
        return claims

    def _user(self, claims: dict[str, Any]) -> SsoUser:
        tenant, oid = str(claims["tid"]), str(claims["oid"])
        issued_by = [m.group(1) for p in _ISSUERS if (m := p.fullmatch(str(claims["iss"])))]
        if issued_by != [tenant]:
            raise SsoRefused("wrong issuer")
        if self.tenants and tenant not in self.tenants:
            raise SsoRefused("tenant not allowed")
        return SsoUser(oid, tenant)


def tenants_for(allowed: frozenset[str], app_type: str, tenant_id: str) -> frozenset[str]:
    """The tenants whose users may sign in: the allow-list, else a single-tenant bot's own."""
    if allowed:
        return allowed
    if app_type.lower() == "singletenant" and tenant_id:
        return frozenset({tenant_id})
    return frozenset()
