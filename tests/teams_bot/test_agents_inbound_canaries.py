"""Canaries: the Microsoft 365 Agents SDK (1.9) behaviours the agents host works around on the
inbound side (``teams_bot.agents_host``, ``teams_bot.agents_jwt``). Each asserts the SDK's own
behaviour; when an upgrade changes one, its test fails and says which workaround to revisit.
Tests of one SDK's internals: they run on the agents host only."""

from __future__ import annotations

from typing import Any

import aiohttp
import jwt
import pytest
from microsoft_agents.activity import Activity
from microsoft_agents.hosting.aiohttp import CloudAdapter
from microsoft_agents.hosting.core import (
    AgentAuthConfiguration,
    ClaimsIdentity,
    TurnContext,
)
from microsoft_agents.hosting.core.authorization.jwt import jwt_token_validator
from microsoft_agents.hosting.core.authorization.jwt.jwt_token_validator import JwtTokenValidator
from microsoft_agents.hosting.core.connector.client import ConnectorClient

from teams_bot.agents_host import (
    CONNECT_TIMEOUT_SECONDS,
    READ_TIMEOUT_SECONDS,
    ConnectorClients,
    make_agents_adapter,
)
from tests.support.connector import LoopbackConnector
from tests.support.jwks import TokenIssuer

pytestmark = pytest.mark.one_host
APP_ID = "00000000-0000-0000-0000-0000000000b0"
SECRET = "Zara Quint, AV-100001"  # what an exception's text may carry


async def _failing_turn(adapter: CloudAdapter, conn: LoopbackConnector) -> None:
    async def turn(context: TurnContext) -> None:
        raise ValueError(SECRET)

    activity = Activity.model_validate(conn.message_activity("help"))
    await adapter.process_activity(ClaimsIdentity({}, "anonymous"), activity, turn)


async def test_canary_the_sdks_turn_error_posts_the_exceptions_text_into_the_chat() -> None:
    # While this holds, the agents host replaces on_turn_error (an incident id and an apology).
    async with LoopbackConnector() as conn:
        await _failing_turn(
            CloudAdapter(channel_service_client_factory=ConnectorClients(None, "")), conn
        )
        posted = [str(r.json) for r in conn.requests_matching("POST")]
        assert any(SECRET in body for body in posted), posted


async def test_the_agents_hosts_turn_error_posts_only_an_apology() -> None:
    async with LoopbackConnector() as conn:
        await _failing_turn(make_agents_adapter(None, ""), conn)
        posted = [str(r.json) for r in conn.requests_matching("POST")]
    assert len(posted) == 1
    assert "Sorry, something went wrong" in posted[0]
    assert "Zara" not in posted[0]


async def test_canary_the_sdks_connector_client_waits_on_aiohttps_defaults() -> None:
    # While this holds, the agents host gives its connector clients their own timeouts.
    client = ConnectorClient("http://127.0.0.1:9/", "")
    try:
        assert client.client.timeout == aiohttp.ClientTimeout(total=300, sock_connect=30)
    finally:
        await client.close()
    ours = await ConnectorClients(None, "").create_connector_client(
        None, ClaimsIdentity(), "http://127.0.0.1:9/", "aud"
    )
    try:
        timeout = ours.client.timeout  # type: ignore[attr-defined]
        assert (timeout.sock_connect, timeout.total) == (
            CONNECT_TIMEOUT_SECONDS,
            READ_TIMEOUT_SECONDS,
        )
    finally:
        await ours.close()


def _validator(issuer: TokenIssuer, monkeypatch: pytest.MonkeyPatch) -> JwtTokenValidator:
    """The SDK's validator with the loopback key in its key cache (its URL is fixed)."""
    key = jwt.PyJWK.from_dict(issuer.jwk(), algorithm="RS256")

    async def signing_key(jwks_uri: str, header: dict[str, Any]) -> jwt.PyJWK:
        return key

    manager = JwtTokenValidator._jwk_client_manager
    monkeypatch.setattr(manager, "get_signing_key", signing_key)
    return JwtTokenValidator(AgentAuthConfiguration(client_id=APP_ID, tenant_id="t1"))


async def test_canary_the_sdks_validator_takes_any_serviceurl_and_endorsement(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # While this holds, agents_jwt checks tokens itself (botbuilder's rules); the SDK's
    # validator would accept a token minted for another connector, from an unendorsed key.
    issuer = TokenIssuer(APP_ID, endorsements=("webchat",))
    validator = _validator(issuer, monkeypatch)
    token = issuer.mint("https://elsewhere.example/")
    claims = await validator.validate_token(token)
    assert claims.get_claim_value("serviceurl") == "https://elsewhere.example/"


async def test_canary_the_sdks_validator_checks_the_issuer_only_when_asked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    issuer = TokenIssuer(APP_ID)
    validator = _validator(issuer, monkeypatch)
    assert validator.configuration.VALIDATE_ISSUER is False
    forged = issuer.mint("https://smba.example/", iss="https://evil.example")
    assert (await validator.validate_token(forged)).get_claim_value("iss") == (
        "https://evil.example"
    )


def test_canary_the_sdks_key_url_for_bot_framework_tokens_is_fixed() -> None:
    # Tests serve their own keys; the SDK offers no setting for this URL.
    uris = jwt_token_validator.BOTFRAMEWORK_JWKS_URIS
    assert uris["https://api.botframework.com"] == (
        "https://login.botframework.com/v1/.well-known/keys"
    )
