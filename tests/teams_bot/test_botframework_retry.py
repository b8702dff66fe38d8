"""The connector clients the adapter builds retry on exactly msrest's own status codes after
``fast_retry_policy`` holds its safe codes as a set (issue 16: the list scan cost a card action
a few milliseconds per client)."""

from __future__ import annotations

from botframework.connector.auth import ClaimsIdentity
from msrest.universal_http.requests import ClientRetryPolicy

from teams_bot.botframework import make_adapter
from teams_bot.botframework_retry import fast_retry_policy
from teams_bot.settings import BotCredentials

# msrest 0.7.1: retry on 408 and every 5xx but 501 and 505 (and on codes up to 998).
MSREST_RETRY_CODES = [408, 500, 502, 503, 504, *range(506, 999)]


async def test_turn_connector_client_retries_on_msrest_codes_after_adapter_is_made() -> None:
    adapter = make_adapter(BotCredentials())
    auth = adapter.bot_framework_authentication
    factory = auth.create_connector_factory(ClaimsIdentity({}, is_authenticated=True))
    client = await factory.create("http://127.0.0.1:9/", None)
    assert client.config.retry_policy.policy.status_forcelist == MSREST_RETRY_CODES
    assert client.config.retry_policy.policy.connect == 0  # still bounded by the adapter


def test_fast_retry_policy_is_idempotent_and_keeps_the_codes() -> None:
    fast_retry_policy()
    fast_retry_policy()
    assert isinstance(ClientRetryPolicy.safe_codes, frozenset)
    assert ClientRetryPolicy().policy.status_forcelist == MSREST_RETRY_CODES
