"""The tab's session: a signed, dated cookie naming the directory person signed in.

itsdangerous signs and dates it (HMAC-SHA1 over the value and a timestamp, checked with a
constant-time compare); the cookie is HttpOnly, scoped to ``/tabs/``. Locally (no app id) it is
SameSite=Lax with a key made at start: restarting signs everyone out. With an app id the tab runs
in Teams' iframe, so it is SameSite=None, Secure and Partitioned (CHIPS), and its key is derived
from the bot's client secret, shared by every replica without another setting.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from aiohttp import web
from itsdangerous import BadSignature, URLSafeTimedSerializer

from teams_bot.settings import BotCredentials

COOKIE = "drp_tab"
PATH = "/tabs/"
MAX_AGE_SECONDS = 8 * 3600  # a working day
_SALT = "drp-bot tab session"
_DERIVE = b"drp-bot tab session key v1"


@dataclass(frozen=True, slots=True)
class Sessions:
    """Issues and reads the session cookie."""

    serializer: URLSafeTimedSerializer
    in_teams: bool

    @classmethod
    def for_credentials(cls, credentials: BotCredentials) -> Sessions:
        """Local: a fresh random key. With an app id: a key derived from its client secret."""
        if credentials.open or not credentials.app_password:
            key = secrets.token_bytes(32)
        else:
            key = hmac.new(credentials.app_password.encode(), _DERIVE, hashlib.sha256).digest()
        return cls(URLSafeTimedSerializer(key, salt=_SALT), in_teams=not credentials.open)

    def issue(self, response: web.StreamResponse, person_id: str) -> None:
        """Sign ``person_id`` in on ``response``."""
        value = self.serializer.dumps({"person": person_id})
        set_cookie(response, COOKIE, value, MAX_AGE_SECONDS, in_teams=self.in_teams)

    def person_id(self, request: web.Request) -> str | None:
        """The person the request's cookie names, if it is ours, unaltered and not too old."""
        value = request.cookies.get(COOKIE, "")
        if not value or len(value) > 512:
            return None
        try:
            data = self.serializer.loads(value, max_age=MAX_AGE_SECONDS)
        except BadSignature:  # SignatureExpired is one too
            return None
        person = data.get("person") if isinstance(data, dict) else None
        return person if isinstance(person, str) and person else None

    def end(self, response: web.StreamResponse) -> None:
        """Sign out: the cookie is cleared."""
        set_cookie(response, COOKIE, "", 0, in_teams=self.in_teams)


def set_cookie(
    response: web.StreamResponse, name: str, value: str, max_age: int, *, in_teams: bool
) -> None:
    """Add a tab cookie (URL-safe ``value``): HttpOnly on /tabs/; in Teams' iframe SameSite=None,
    Secure and Partitioned, written by hand as Python 3.11's cookie module lacks Partitioned."""
    site = "SameSite=None; Secure; Partitioned" if in_teams else "SameSite=Lax"
    cookie = f"{name}={value}; Path={PATH}; Max-Age={max_age}; HttpOnly; {site}"
    response.headers.add("Set-Cookie", cookie)
