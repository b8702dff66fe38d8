"""The botbuilder host's own shortcuts (issue 16) give what botbuilder's own path gives: the
invoke answer's JSON, and one connector client per service URL for every turn."""

from __future__ import annotations

from typing import Any

import pytest
from botbuilder.schema import AdaptiveCardInvokeResponse
from botframework.connector.auth import ClaimsIdentity

from teams_bot.botframework import (
    CARD_TYPE,
    CONNECT_TIMEOUT_SECONDS,
    MAX_CONNECTOR_CLIENTS,
    invoke_body,
    make_adapter,
)
from teams_bot.settings import BotCredentials

CARD: dict[str, Any] = {
    "type": "AdaptiveCard",
    "version": "1.5",
    "body": [
        {"type": "TextBlock", "text": 'Zoë\'s "plan" <b>\u202e</b> 😀', "wrap": True},
        {"type": "Input.Text", "id": "x", "value": None, "maxLength": 4000},
        {"type": "ColumnSet", "columns": [{"items": [], "width": 1.5}, {"items": [True, 0]}]},
    ],
    "refresh": {"userIds": ["29:a", "29:b"], "action": {"verb": "drp.refresh", "data": {}}},
}


@pytest.mark.parametrize("card", [CARD, {}], ids=["card", "empty card"])
def test_the_invoke_answer_is_the_json_botbuilders_response_object_serialises_to(
    card: dict[str, Any],
) -> None:
    expected = AdaptiveCardInvokeResponse(status_code=200, type=CARD_TYPE, value=card)
    assert invoke_body(card) == expected.serialize()


def test_without_a_card_the_answer_is_a_message_saying_ok() -> None:
    # msrest refused to serialise this one (its value is typed as an object, "OK" a string).
    assert invoke_body(None) == {
        "statusCode": 200,
        "type": "application/vnd.microsoft.activity.message",
        "value": "OK",
    }


async def test_every_turn_on_one_service_url_shares_one_bounded_connector_client() -> None:
    auth = make_adapter(BotCredentials()).bot_framework_authentication
    identity = ClaimsIdentity({}, is_authenticated=True)
    first = await auth.create_connector_factory(identity).create("http://127.0.0.1:9/", None)
    again = await auth.create_connector_factory(identity).create("http://127.0.0.1:9/", None)
    other = await auth.create_connector_factory(identity).create("http://127.0.0.2:9/", None)
    assert first is again
    assert other is not first
    assert first.config.connection.timeout[0] == CONNECT_TIMEOUT_SECONDS
    assert first.config.retry_policy.policy.connect == 0


async def test_the_least_recently_used_client_goes_past_the_bound() -> None:
    auth = make_adapter(BotCredentials()).bot_framework_authentication
    factory = auth.create_connector_factory(ClaimsIdentity({}, is_authenticated=True))
    kept = await factory.create("http://127.0.0.1:9/", None)
    for n in range(MAX_CONNECTOR_CLIENTS):
        await factory.create("http://127.0.0.1:9/", None)  # kept stays the most recent
        await factory.create(f"http://127.0.1.{n}:9/", None)
    assert await factory.create("http://127.0.0.1:9/", None) is kept
    oldest = await factory.create("http://127.0.1.0:9/", None)
    assert oldest is not None


async def test_turns_for_one_app_id_share_one_user_token_client() -> None:
    auth = make_adapter(BotCredentials()).bot_framework_authentication

    def claims(app_id: str) -> ClaimsIdentity:
        return ClaimsIdentity({"aud": app_id, "ver": "2.0", "azp": app_id}, True)

    first = await auth.create_user_token_client(claims("app-1"))
    assert await auth.create_user_token_client(claims("app-1")) is first
    assert await auth.create_user_token_client(claims("app-2")) is not first
