"""The keys that sign Bot Framework tokens, fetched off the event loop and with a timeout.

botbuilder 4.17.1 fetches the OpenID metadata and its key set with a blocking ``requests.get``
and no timeout, inside the request's coroutine: a slow key endpoint would freeze every request
the bot is serving. Before botbuilder checks a token we fetch what it will need with aiohttp
into botbuilder's own cache (``JwtTokenExtractor``'s ``_OpenIdMetadata``: ``keys`` and
``last_updated``), by botbuilder's own rules (daily, or for an unknown ``kid`` at most hourly),
so it finds them fresh and never fetches them itself. Part of the botbuilder boundary.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

import aiohttp
import jwt
from botframework.connector.auth import EmulatorValidation, JwtTokenExtractor, SkillValidation

from teams_bot.edge import KeysUnavailable

REFRESH_EVERY = timedelta(days=1)  # botbuilder's _OpenIdMetadata.get
UNKNOWN_KID_EVERY = timedelta(hours=1)


class SigningKeys:
    """Keeps botbuilder's key cache fresh for the tokens that arrive."""

    def __init__(self, channel_url: str, emulator_url: str, timeout_seconds: float) -> None:
        self._channel_url = channel_url
        self._emulator_url = emulator_url
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._lock = asyncio.Lock()

    async def prepare(self, authorization: str) -> None:
        """Fetch the keys this token needs if botbuilder would; KeysUnavailable if that fails."""
        kid = _kid(authorization)
        if kid is _UNREADABLE:
            return  # botbuilder refuses it before looking for a key
        emulated = EmulatorValidation.is_token_from_emulator(authorization)
        skill = SkillValidation.is_skill_token(authorization)
        url = self._emulator_url if emulated or skill else self._channel_url
        metadata = JwtTokenExtractor.get_open_id_metadata(url)
        if not _due(metadata, kid):
            return
        async with self._lock:
            if _due(metadata, kid):
                await self._refresh(metadata)

    async def _refresh(self, metadata: Any) -> None:
        try:
            async with aiohttp.ClientSession(timeout=self._timeout) as session:
                document = await _json(session, metadata.url)
                keys = (await _json(session, str(document["jwks_uri"])))["keys"]
        except (aiohttp.ClientError, TimeoutError, ValueError, KeyError, TypeError) as error:
            raise KeysUnavailable(type(error).__name__) from None
        if not isinstance(keys, list) or not all(isinstance(key, dict) for key in keys):
            raise KeysUnavailable("the key set is not a list of keys")
        metadata.keys = keys
        metadata.last_updated = datetime.now()  # naive local time, as botbuilder compares it


_UNREADABLE = object()


def _kid(authorization: str) -> object:
    scheme, _, token = authorization.partition(" ")
    if scheme != "Bearer" or not token:
        return _UNREADABLE
    try:
        return jwt.get_unverified_header(token).get("kid")
    except jwt.PyJWTError:
        return _UNREADABLE


def _due(metadata: Any, kid: object) -> bool:
    now = datetime.now()
    if metadata.last_updated < now - REFRESH_EVERY:
        return True
    known = {key.get("kid") for key in metadata.keys if isinstance(key, dict)}
    return kid not in known and metadata.last_updated < now - UNKNOWN_KID_EVERY


async def _json(session: aiohttp.ClientSession, url: str) -> Any:
    async with session.get(url) as response:
        response.raise_for_status()
        return await response.json(content_type=None)
