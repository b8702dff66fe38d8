"""The bot's own tokens for the Bot Connector on the Microsoft 365 Agents SDK (MSAL client
credentials). Part of the Agents SDK boundary, beside ``teams_bot.agents_messenger``.

``MsalAuth`` (microsoft-agents-authentication-msal 1.9) runs MSAL's token call in a worker
thread, but builds MSAL's ``ConfidentialClientApplication`` on the event loop the first time
it is asked, and that constructor fetches the authority's OpenID metadata with a blocking
``requests`` call: every turn and send would stall behind Entra ID's answer (or its timeout).
``ConnectorTokens`` builds that application in a worker thread first (pinned by
``tests/teams_bot/test_agents_outbound_canaries.py``).
"""

from __future__ import annotations

import asyncio
from typing import Any

from microsoft_agents.authentication.msal import MsalAuth
from microsoft_agents.hosting.core import (
    AccessTokenProviderBase,
    AgentAuthConfiguration,
    AuthTypes,
)

from teams_bot.settings import BotCredentials

# The Bot Connector's audience and the scope of a token for it (Microsoft's public cloud).
CONNECTOR_AUDIENCE = "https://api.botframework.com"
CONNECTOR_SCOPE = f"{CONNECTOR_AUDIENCE}/.default"
# A MultiTenant registration gets its tokens from the Bot Framework's own tenant, as botbuilder's
# MicrosoftAppCredentials does; SingleTenant from the registration's tenant.
MULTI_TENANT_AUTHORITY_TENANT = "botframework.com"


class TokenUnavailable(Exception):
    """No token for the connector (Entra ID unreachable, or the registration refused)."""


class ConnectorTokens:
    """Bearer tokens for the bot's calls to the connector, from an Agents SDK token provider
    (``MsalAuth`` in production; tests pass one that hands out a fixed token)."""

    def __init__(self, provider: AccessTokenProviderBase) -> None:
        self._provider = provider
        self._prepared = False
        self._preparing = asyncio.Lock()

    async def token(self) -> str:
        """A current token (MSAL caches it and renews it before it expires)."""
        try:
            await self._prepare()
            return await self._provider.get_access_token(CONNECTOR_AUDIENCE, [CONNECTOR_SCOPE])
        except Exception as error:  # MSAL and requests raise ValueError, OSError, their own
            raise TokenUnavailable(type(error).__name__) from None

    async def _prepare(self) -> None:
        """Build MsalAuth's MSAL application off the loop (its constructor does HTTP)."""
        if self._prepared:
            return
        async with self._preparing:
            if not self._prepared:
                build = getattr(self._provider, "_get_client", None)
                if isinstance(self._provider, MsalAuth) and callable(build):
                    await asyncio.to_thread(build)
                self._prepared = True


def msal_configuration(credentials: BotCredentials, **extra: Any) -> AgentAuthConfiguration:
    """The Agents SDK's configuration of the bot's registration (client secret)."""
    single = credentials.app_type == "SingleTenant"
    return AgentAuthConfiguration(
        auth_type=AuthTypes.client_secret,
        client_id=credentials.app_id,
        tenant_id=credentials.tenant_id if single else MULTI_TENANT_AUTHORITY_TENANT,
        client_secret=credentials.app_password,
        scopes=[CONNECTOR_SCOPE],
        **extra,
    )


def outbound_tokens(credentials: BotCredentials) -> ConnectorTokens | None:
    """The bot's connector tokens from its registration; None when open (the local Playground
    takes calls without a token, as botbuilder's side sends none)."""
    if credentials.open:
        return None
    return ConnectorTokens(MsalAuth(msal_configuration(credentials)))
