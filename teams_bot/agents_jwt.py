"""Inbound tokens for the Agents SDK host, checked by the rules botbuilder applies to a channel's
token (``teams_bot.botframework``'s side), with keys fetched off the event loop.

microsoft-agents-hosting-core 1.9's ``JwtTokenValidator`` is not used: it fetches its keys from
a fixed URL with a blocking ``PyJWKClient`` (in a thread), checks the issuer only when asked
(``VALIDATE_ISSUER``), and checks neither the key's channel endorsement nor the ``serviceurl``
claim against the activity (pinned by ``tests/teams_bot/test_agents_inbound_canaries.py``). Here:
RS256 only, a signing key from the published set with this channel's endorsement, issuer
``https://api.botframework.com``, audience the bot's app id, five minutes' clock tolerance, and
the ``serviceurl`` claim equal to the activity's serviceUrl, as botbuilder 4.17 checks them.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
import jwt

from teams_bot.edge import KeysUnavailable, Unauthenticated

CHANNEL_ISSUER = "https://api.botframework.com"
PUBLIC_METADATA_URL = "https://login.botframework.com/v1/.well-known/openidconfiguration"
CLOCK_TOLERANCE_SECONDS = 5 * 60
REFRESH_EVERY_SECONDS = 24 * 3600  # botbuilder's: the key set daily
UNKNOWN_KID_EVERY_SECONDS = 3600  # and for a key it does not know, at most hourly


@dataclass(frozen=True)
class InboundKeys:
    """Where the channel's signing keys are published (Microsoft's public cloud unless a test
    serves its own) and how long fetching them may take."""

    metadata_url: str = PUBLIC_METADATA_URL
    fetch_timeout_seconds: float = 10.0


class ChannelTokens:
    """Checks a channel's bearer token for one bot; keeps the published key set."""

    def __init__(self, app_id: str, keys: InboundKeys) -> None:
        self._app_id = app_id
        self._keys = keys
        self._set: dict[str, Mapping[str, Any]] = {}
        self._fetched = float("-inf")
        self._lock = asyncio.Lock()

    async def claims(self, authorization: str, activity: Mapping[str, Any]) -> dict[str, Any]:
        """The token's verified claims; Unauthenticated or KeysUnavailable."""
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated("no bearer token")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as error:
            raise Unauthenticated(type(error).__name__) from None
        key = await self._key(header.get("kid"))
        channel = str(activity.get("channelId") or "")
        endorsements = key.get("endorsements") or []
        if channel and endorsements and channel not in endorsements:
            raise Unauthenticated("the key is not endorsed for this channel")
        return _verified(token, key, self._app_id, str(activity.get("serviceUrl") or ""))

    async def _key(self, kid: object) -> Mapping[str, Any]:
        if not isinstance(kid, str) or not kid:
            raise Unauthenticated("no key id")
        if self._due(kid):
            async with self._lock:
                if self._due(kid):
                    await self._refresh()
        key = self._set.get(kid)
        if key is None:
            raise Unauthenticated("unknown key id")
        return key

    def _due(self, kid: str) -> bool:
        age = time.monotonic() - self._fetched
        return age > REFRESH_EVERY_SECONDS or (
            kid not in self._set and age > UNKNOWN_KID_EVERY_SECONDS
        )

    async def _refresh(self) -> None:
        timeout = aiohttp.ClientTimeout(total=self._keys.fetch_timeout_seconds)
        try:
            async with aiohttp.ClientSession(timeout=timeout) as session:
                document = await _json(session, self._keys.metadata_url)
                keys = (await _json(session, str(document["jwks_uri"])))["keys"]
        except (aiohttp.ClientError, TimeoutError, ValueError, KeyError, TypeError) as error:
            raise KeysUnavailable(type(error).__name__) from None
        if not isinstance(keys, list) or not all(isinstance(key, dict) for key in keys):
            raise KeysUnavailable("the key set is not a list of keys")
        self._set = {str(key.get("kid")): key for key in keys if key.get("kid")}
        self._fetched = time.monotonic()


def _verified(token: str, key: Mapping[str, Any], app_id: str, service_url: str) -> dict[str, Any]:
    try:
        public = jwt.PyJWK.from_dict(dict(key), algorithm="RS256")
        claims: dict[str, Any] = jwt.decode(
            token,
            public.key,
            algorithms=["RS256"],
            audience=app_id,
            issuer=CHANNEL_ISSUER,
            leeway=CLOCK_TOLERANCE_SECONDS,
            options={"require": ["exp", "iss", "aud"]},
        )
    except (jwt.PyJWTError, ValueError, TypeError) as error:
        raise Unauthenticated(type(error).__name__) from None
    claimed = claims.get("serviceurl")
    if not isinstance(claimed, str) or not claimed:
        raise Unauthenticated("no serviceurl claim")
    if claimed != service_url:
        raise Unauthenticated("the serviceurl claim is not the activity's")
    return claims


async def _json(session: aiohttp.ClientSession, url: str) -> Any:
    async with session.get(url) as response:
        response.raise_for_status()
        return await response.json(content_type=None)
