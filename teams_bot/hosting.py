"""Which SDK the bot runs on (``DRP_BOT_HOST``): the boundary's two parts, the ``Host`` that
serves ``/api/messages`` and the ``Messenger`` that sends, built for botbuilder or for the
Microsoft 365 Agents SDK. Nothing else in the bot imports either SDK; the Agents SDK is
imported only when chosen (it needs Python 3.12+).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from teams_bot.botframework import (
    BotFrameworkHost,
    BotFrameworkMessenger,
    DrpActivityHandler,
    TokenKeys,
    make_adapter,
)
from teams_bot.edge import Host
from teams_bot.settings import BotCredentials, BotHost
from teams_bot.turn import Dispatcher, Messenger


@dataclass
class Boundary:
    """The chosen SDK's messenger, a maker of its host, and what to close when the bot stops."""

    messenger: Messenger
    host: Callable[[Dispatcher], Host]
    close: Callable[[], Awaitable[None]] | None = None


def boundary(
    bot_host: BotHost,
    credentials: BotCredentials,
    token_keys: TokenKeys | None = None,
    agents_tokens: Any = None,
) -> Boundary:
    """The boundary on ``bot_host``. Tests serve their own signing keys (``token_keys``) and,
    on the agents host, hand out the bot's own token with ``agents_tokens`` (a
    ``teams_bot.agents_auth.ConnectorTokens``)."""
    if bot_host is BotHost.AGENTS:
        return _agents(credentials, token_keys, agents_tokens)
    adapter = make_adapter(credentials, token_keys)
    return Boundary(
        BotFrameworkMessenger(adapter, credentials.app_id),
        lambda dispatcher: BotFrameworkHost(
            adapter, DrpActivityHandler(dispatcher), credentials, token_keys
        ),
    )


def _agents(credentials: BotCredentials, token_keys: TokenKeys | None, tokens: Any) -> Boundary:
    from teams_bot.agents_auth import outbound_tokens
    from teams_bot.agents_host import AgentsHost
    from teams_bot.agents_jwt import InboundKeys
    from teams_bot.agents_messenger import AgentsMessenger

    tokens = tokens if tokens is not None else outbound_tokens(credentials)
    keys = InboundKeys()
    if token_keys is not None:
        keys = InboundKeys(token_keys.channel_metadata_url, token_keys.fetch_timeout_seconds)
    messenger = AgentsMessenger(credentials, tokens)
    return Boundary(
        messenger,
        lambda dispatcher: AgentsHost(dispatcher, credentials, keys=keys, tokens=tokens),
        messenger.close,
    )
