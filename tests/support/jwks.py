"""A loopback Bot Framework token issuer: OpenID metadata and signing keys over HTTP, and tokens.

The documents have the shapes ``login.botframework.com/v1/.well-known/openidconfiguration`` and
its ``jwks_uri`` serve (RSA keys with ``kid`` and ``endorsements``). botbuilder fetches them with
blocking ``requests`` calls, so the server runs on its own thread and event loop. ``mint`` signs
real RS256 tokens with the served key; ``forged`` makes the tokens an attacker would try.
"""

from __future__ import annotations

import asyncio
import base64
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import jwt
from aiohttp import web
from botframework.connector.auth import JwtTokenExtractor
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.support.ports import LOOPBACK

CHANNEL_ISSUER = "https://api.botframework.com"
METADATA_PATH = "/v1/.well-known/openidconfiguration"
KEYS_PATH = "/v1/.well-known/keys"


def _b64(number: int) -> str:
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def new_key() -> rsa.RSAPrivateKey:
    """A fresh 2048-bit RSA key."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class TokenIssuer:
    """The served key set and the app the tokens are for."""

    app_id: str
    kid: str = "loopback-key-1"
    key: rsa.RSAPrivateKey = field(default_factory=new_key)
    base_url: str = ""
    endorsements: tuple[str, ...] = ("msteams",)
    delay_seconds: float = 0.0  # how long each document takes to arrive
    asked: threading.Event = field(default_factory=threading.Event)  # metadata was requested

    @property
    def metadata_url(self) -> str:
        return f"{self.base_url}{METADATA_PATH}"

    def jwk(self) -> dict[str, Any]:
        numbers = self.key.public_key().public_numbers()
        return {
            "kty": "RSA",
            "use": "sig",
            "kid": self.kid,
            "n": _b64(numbers.n),
            "e": _b64(numbers.e),
            "endorsements": list(self.endorsements),
        }

    def claims(self, service_url: str, **overrides: Any) -> dict[str, Any]:
        now = int(time.time())
        claims = {
            "serviceurl": service_url,
            "nbf": now - 60,
            "exp": now + 3600,
            "iss": CHANNEL_ISSUER,
            "aud": self.app_id,
        }
        claims.update(overrides)
        return {k: v for k, v in claims.items() if v is not None}

    def mint(self, service_url: str, **overrides: Any) -> str:
        """A valid token for an activity from ``service_url`` (claims overridable)."""
        return jwt.encode(
            self.claims(service_url, **overrides),
            self.key,
            algorithm="RS256",
            headers={"kid": self.kid},
        )

    def header(self, service_url: str, **overrides: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.mint(service_url, **overrides)}"}

    def forged(self, service_url: str) -> dict[str, dict[str, str]]:
        """Every kind of bad token, by name, as request headers."""
        claims = self.claims(service_url)
        other = new_key()

        def bearer(token: str) -> dict[str, str]:
            return {"Authorization": f"Bearer {token}"}

        sign = jwt.encode
        return {
            "no token": {},
            "empty bearer": {"Authorization": "Bearer "},
            "basic scheme": {"Authorization": "Basic dXNlcjpwYXNz"},
            "malformed": bearer("not.a.jwt"),
            "garbage": bearer("x" * 300),
            "unknown kid": bearer(sign(claims, self.key, "RS256", headers={"kid": "nope"})),
            "no kid": bearer(sign(claims, self.key, "RS256")),
            "alg none": bearer(sign(claims, None, "none", headers={"kid": self.kid})),
            "HS256": bearer(sign(claims, "secret" * 6, "HS256", headers={"kid": self.kid})),
            "made-up key": bearer(sign(claims, other, "RS256", headers={"kid": self.kid})),
            "expired": bearer(self.mint(service_url, exp=int(time.time()) - 3600)),
            "not yet valid": bearer(self.mint(service_url, nbf=int(time.time()) + 3600)),
            "wrong audience": bearer(self.mint(service_url, aud="11111111-1111-1111-1111-1")),
            "wrong issuer": bearer(self.mint(service_url, iss="https://evil.example")),
            "other serviceurl": bearer(self.mint("http://127.0.0.1:9/elsewhere")),
            "no serviceurl": bearer(self.mint(service_url, serviceurl=None)),
        }


def _app(issuer: TokenIssuer) -> web.Application:
    async def metadata(request: web.Request) -> web.Response:
        issuer.asked.set()
        await asyncio.sleep(issuer.delay_seconds)
        return web.json_response(
            {
                "issuer": CHANNEL_ISSUER,
                "authorization_endpoint": "https://invalid.botframework.com/v1/auth",
                "jwks_uri": f"{issuer.base_url}{KEYS_PATH}",
                "id_token_signing_alg_values_supported": ["RS256"],
                "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            }
        )

    async def keys(request: web.Request) -> web.Response:
        return web.json_response({"keys": [issuer.jwk()]})

    app = web.Application()
    app.router.add_get(METADATA_PATH, metadata)
    app.router.add_get(KEYS_PATH, keys)
    return app


@contextmanager
def serving_keys(app_id: str, delay_seconds: float = 0.0) -> Iterator[TokenIssuer]:
    """Serve a fresh key set on a loopback port (own thread); yields the issuer."""
    issuer = TokenIssuer(app_id, delay_seconds=delay_seconds)
    ready, stop = threading.Event(), threading.Event()

    async def main() -> None:
        runner = web.AppRunner(_app(issuer), access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, LOOPBACK, 0)
        await site.start()
        issuer.base_url = f"http://{LOOPBACK}:{runner.addresses[0][1]}"
        ready.set()
        await asyncio.to_thread(stop.wait)
        await runner.cleanup()

    thread = threading.Thread(target=asyncio.run, args=(main(),), daemon=True)
    thread.start()
    if not ready.wait(10):
        raise RuntimeError("the loopback key server did not start")
    # botbuilder keeps every metadata URL's keys for the life of the process, in one class-level
    # cache. A key server of an earlier test in this process may have had the same port (the OS
    # hands ports out again), the same URL and the same kid with another key: every valid token
    # of this one then failed its signature check (a CI run of test_fuzz_activities: 140 valid
    # tokens, 140 InvalidSignatureError). This server's keys are new: so is its cache entry.
    JwtTokenExtractor.metadataCache.pop(issuer.metadata_url, None)
    try:
        yield issuer
    finally:
        JwtTokenExtractor.metadataCache.pop(issuer.metadata_url, None)
        stop.set()
        thread.join(5)


OUTBOUND_TOKEN = "loopback-outbound-token"


def loopback_outbound(app_id: str, password: str) -> Any:
    """A credentials factory for the bot's own calls that hands out a fixed token instead of
    asking Entra ID (unreachable here); inbound checks (``is_valid_app_id``) stay botbuilder's."""
    from botframework.connector.auth import (
        MicrosoftAppCredentials,
        PasswordServiceClientCredentialFactory,
    )

    class FixedToken(MicrosoftAppCredentials):
        def get_access_token(self, force_refresh: bool = False) -> str:
            return OUTBOUND_TOKEN

    class Factory(PasswordServiceClientCredentialFactory):
        async def create_credentials(
            self, app_id: str, oauth_scope: str, login_endpoint: str, validate_authority: bool
        ) -> Any:
            return FixedToken(app_id, self.password)

    return Factory(app_id, password)


class LoopbackAgentsTokens:
    """The agents host's counterpart of ``loopback_outbound``: the fixed token, not Entra ID's."""

    async def token(self) -> str:
        """The loopback token."""
        return OUTBOUND_TOKEN
