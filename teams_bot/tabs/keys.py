"""The tab application's typed keys (aiohttp ``AppKey``s), shared by its modules."""

from __future__ import annotations

from aiohttp import web

from teams_bot.deps import Deps
from teams_bot.tabs.access import Reader
from teams_bot.tabs.session import Sessions
from teams_bot.tabs.sso import SsoCheck

DEPS = web.AppKey("tabs.deps", Deps)
SESSIONS = web.AppKey("tabs.sessions", Sessions)
MODE = web.AppKey("tabs.mode", str)  # "local" (no app id) or "sso"
SSO = web.AppKey("tabs.sso", SsoCheck)  # present with an app id and DRP_TAB_DOMAIN only
READER = web.RequestKey("tabs.reader", Reader)  # the signed-in person, set by the guard
