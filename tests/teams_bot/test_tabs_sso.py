"""The tab with an app id: no local sign-in page, 401 without a session, and Teams SSO tokens
checked against a loopback Entra ID key set (audience, issuer, tenant allow-list, forgeries)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import jwt
import pytest
import pytest_asyncio

from drp.calendar import WorkingDayCalendar
from drp.machine import Context
from drp.policy import load_policy
from store.demo import load_demo_directory
from store.store import Store
from teams_bot.app import build_bot
from teams_bot.settings import BotCredentials, BotHost
from tests.support import hosts
from tests.support.jwks import KEYS_PATH, TokenIssuer, new_key, serving_keys
from tests.support.ports import free_port, serve_app
from tests.teams_bot.bot_harness import PEOPLE

pytestmark = pytest.mark.asyncio(loop_scope="module")

APP_ID = "6f1c2a3b-4d5e-4f60-8a9b-0c1d2e3f4a5b"
TENANT = "0b5e2f3a-1c4d-4e6f-9a8b-7c6d5e4f3a2b"
OTHER_TENANT = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
DOMAIN = "drp.example.gov.uk"
AUDIENCE = f"api://{DOMAIN}/{APP_ID}"


@dataclass
class Sso:
    base: str
    issuer: TokenIssuer

    def claims(self, who: str = "isaiah", **overrides: Any) -> dict[str, Any]:
        now = int(time.time())
        claims = {
            "aud": AUDIENCE,
            "iss": f"https://login.microsoftonline.com/{TENANT}/v2.0",
            "tid": TENANT,
            "oid": PEOPLE[who].aad_object_id,
            "nbf": now - 60,
            "iat": now - 60,
            "exp": now + 3600,
        }
        claims.update(overrides)
        return {k: v for k, v in claims.items() if v is not None}

    def token(self, who: str = "isaiah", **overrides: Any) -> str:
        key = self.issuer.key
        return jwt.encode(self.claims(who, **overrides), key, "RS256", {"kid": self.issuer.kid})


@pytest.fixture(scope="module")
def issuer() -> Iterator[TokenIssuer]:
    with serving_keys(APP_ID) as served:
        yield served


async def _bot(tmp: Path, keys_url: str) -> tuple[Store, Any]:
    store = await Store.open(f"sqlite+aiosqlite:///{tmp / 'sso.sqlite3'}")
    await store.upgrade()
    await load_demo_directory(store)
    credentials = BotCredentials(
        app_id=APP_ID, app_password="s3cret", allowed_tenants=frozenset({TENANT})
    )
    ctx = Context(load_policy("nottingham"), WorkingDayCalendar())
    bot = build_bot(
        store,
        ctx,
        credentials,
        deliver_in_background=False,
        tab_domain=DOMAIN,
        tab_keys_url=keys_url,
        bot_host=hosts.current(),
    )
    return store, bot


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def sso(
    issuer: TokenIssuer, tmp_path_factory: pytest.TempPathFactory, bot_host: BotHost
) -> AsyncIterator[Sso]:
    """Built once per bot host."""
    store, bot = await _bot(tmp_path_factory.mktemp("sso"), issuer.base_url + KEYS_PATH)
    try:
        async with serve_app(bot.web) as base:
            yield Sso(base, issuer)
    finally:
        await store.close()


async def exchange(base: str, token: str) -> aiohttp.ClientResponse:
    async with aiohttp.ClientSession() as client:
        form = {"token": token, "next": "/tabs/dashboard"}
        async with client.post(f"{base}/tabs/auth/token", data=form) as answer:
            await answer.read()
            return answer


async def test_with_an_app_id_there_is_no_sign_in_page_and_pages_answer_401(sso: Sso) -> None:
    async with aiohttp.ClientSession() as client:
        async with client.get(f"{sso.base}/tabs/sign-in") as answer:
            assert answer.status == 404
        async with client.get(f"{sso.base}/tabs/dashboard", allow_redirects=False) as answer:
            assert answer.status == 401
            page = await answer.text()
    assert 'id="sso-status"' in page
    assert 'data-next="/tabs/dashboard"' in page


async def test_a_teams_sso_token_signs_its_user_in(sso: Sso) -> None:
    answer = await exchange(sso.base, sso.token())
    assert answer.status == 200
    cookie = answer.headers["Set-Cookie"]
    for part in ("HttpOnly", "Secure", "SameSite=None", "Partitioned", "Path=/tabs/"):
        assert part in cookie
    session = cookie.split(";")[0]
    async with aiohttp.ClientSession() as client:
        headers = {"Cookie": session}
        async with client.get(f"{sso.base}/tabs/dashboard", headers=headers) as page:
            assert page.status == 200
            assert "Isaiah Langer" in await page.text()


def forged(sso: Sso) -> dict[str, str]:
    claims, kid = sso.claims(), sso.issuer.kid
    other = new_key()
    return {
        "no token": "",
        "malformed": "not.a.jwt",
        "garbage": "x" * 9000,
        "alg none": jwt.encode(claims, None, "none", headers={"kid": kid}),
        "HS256": jwt.encode(claims, "secret" * 6, "HS256", headers={"kid": kid}),
        "made-up key": jwt.encode(claims, other, "RS256", headers={"kid": kid}),
        "unknown kid": jwt.encode(claims, sso.issuer.key, "RS256", headers={"kid": "nope"}),
        "no kid": jwt.encode(claims, sso.issuer.key, "RS256"),
        "expired": sso.token(exp=int(time.time()) - 3600),
        "not yet valid": sso.token(nbf=int(time.time()) + 3600),
        "bot audience": sso.token(aud=APP_ID),
        "other domain": sso.token(aud=f"api://evil.example/{APP_ID}"),
        "wrong issuer": sso.token(iss="https://evil.example/v2.0"),
        "issuer of another tenant": sso.token(
            iss=f"https://login.microsoftonline.com/{OTHER_TENANT}/v2.0"
        ),
        "tenant not allowed": sso.token(
            tid=OTHER_TENANT, iss=f"https://login.microsoftonline.com/{OTHER_TENANT}/v2.0"
        ),
        "no oid": sso.token(oid=None),
        "no tid": sso.token(tid=None),
    }


async def test_every_forged_or_odd_token_is_401(sso: Sso) -> None:
    statuses = {
        name: (await exchange(sso.base, token)).status for name, token in forged(sso).items()
    }
    assert statuses == dict.fromkeys(statuses, 401)


async def test_a_token_for_someone_not_in_the_directory_is_403(sso: Sso) -> None:
    answer = await exchange(sso.base, sso.token(oid="12345678-0000-4000-8000-000000000000"))
    assert answer.status == 403
    assert "Set-Cookie" not in answer.headers


async def test_unreachable_signing_keys_answer_503_with_retry_after(
    tmp_path: Path, issuer: TokenIssuer
) -> None:
    store, bot = await _bot(tmp_path, f"http://127.0.0.1:{free_port()}/keys")
    try:
        async with serve_app(bot.web) as base:
            answer = await exchange(base, Sso(base, issuer).token())
    finally:
        await store.close()
    assert answer.status == 503
    assert answer.headers["Retry-After"] == "30"
