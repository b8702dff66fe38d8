"""The bot's own settings: its Azure registration (the Bot Framework's variable names, checked
together) and which SDK hosts it (``DRP_BOT_HOST``). Part of ``teams_bot.settings``."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from teams_bot.settings_values import GUID, SettingsError

# The Bot Framework's own names for the Azure bot registration.
BOT_VARIABLES = (
    "MicrosoftAppId",
    "MicrosoftAppPassword",
    "MicrosoftAppType",
    "MicrosoftAppTenantId",
)
APP_TYPES = ("MultiTenant", "SingleTenant", "UserAssignedMSI")
AGENTS_PYTHON = (3, 12)  # microsoft-agents-* 1.x require it
# The Agents SDK's packages the agents host imports (declared in pyproject.toml for 3.12+).
AGENTS_PACKAGES = {
    "microsoft_agents.activity": "microsoft-agents-activity",
    "microsoft_agents.hosting.core": "microsoft-agents-hosting-core",
    "microsoft_agents.hosting.aiohttp": "microsoft-agents-hosting-aiohttp",
    "microsoft_agents.authentication.msal": "microsoft-agents-authentication-msal",
}


class BotHost(StrEnum):
    """Which SDK serves ``/api/messages`` and sends: Bot Framework's or the Agents SDK."""

    BOTBUILDER = "botbuilder"
    AGENTS = "agents"


@dataclass(frozen=True, slots=True)
class BotCredentials:
    """The Azure bot registration; an empty app id runs open for the local Playground."""

    app_id: str = ""
    app_password: str = field(default="", repr=False)
    app_type: str = "MultiTenant"
    tenant_id: str = ""
    allowed_tenants: frozenset[str] = frozenset()

    @property
    def open(self) -> bool:
        """No credentials: every request is accepted (local testing only)."""
        return not self.app_id


def bot_credentials(environ: Mapping[str, str]) -> BotCredentials:
    """The Bot Framework variables, checked together: a half-configured bot does not start."""
    app_id, password, app_type, tenant = (environ.get(n, "").strip() for n in BOT_VARIABLES)
    app_type = app_type or "MultiTenant"
    if app_id and not GUID.match(app_id):
        raise SettingsError("MicrosoftAppId", "must be the bot's app id, a GUID")
    if app_type not in APP_TYPES:
        raise SettingsError("MicrosoftAppType", f"must be one of {', '.join(APP_TYPES)}")
    if app_id and not password and app_type != "UserAssignedMSI":
        raise SettingsError("MicrosoftAppPassword", "is required when MicrosoftAppId is set")
    if password and not app_id:
        raise SettingsError("MicrosoftAppId", "is required when MicrosoftAppPassword is set")
    if app_type == "SingleTenant" and not GUID.match(tenant):
        raise SettingsError("MicrosoftAppTenantId", "a SingleTenant bot needs its tenant id")
    allowed = frozenset(t.strip() for t in environ.get("DRP_ALLOWED_TENANTS", "").split(","))
    return BotCredentials(app_id, password, app_type, tenant, allowed - {""})


def default_host(bot: BotCredentials) -> str:
    """Open (no credentials) binds to loopback only; a registered bot listens on all."""
    return "0.0.0.0" if bot.app_id else "127.0.0.1"  # noqa: S104 - authenticated by JWT


def checked_host(chosen: BotHost, bot: BotCredentials) -> BotHost:
    """The host, refused where it cannot sign the bot's own calls for this registration."""
    if chosen is BotHost.AGENTS and bot.app_type == "UserAssignedMSI":
        raise SettingsError(
            "DRP_BOT_HOST",
            "agents signs the bot's calls with MicrosoftAppPassword (a client secret); "
            "MicrosoftAppType=UserAssignedMSI runs on botbuilder only",
        )
    return chosen


def bot_host(value: str) -> BotHost:
    """DRP_BOT_HOST: botbuilder, or agents where this Python has the Agents SDK."""
    try:
        chosen = BotHost(value.lower())
    except ValueError:
        raise ValueError(f"{value!r} must be {' or '.join(BotHost)}") from None
    missing = agents_missing() if chosen is BotHost.AGENTS else None
    if missing:
        raise ValueError(missing)
    return chosen


def agents_missing(
    python: tuple[int, ...] = tuple(sys.version_info[:3]),
    installed: Callable[[str], bool] | None = None,
) -> str | None:
    """Why the agents host cannot run here (with how to fix it), or None when it can."""
    if python[:2] < AGENTS_PYTHON:
        running = ".".join(str(part) for part in python)
        return (
            f"agents needs Python {AGENTS_PYTHON[0]}.{AGENTS_PYTHON[1]} or later (this is "
            f"{running}): install drp-bot into a Python 3.12+ environment (pip install drp-bot "
            "brings the Agents SDK there), or unset DRP_BOT_HOST for botbuilder"
        )
    found = installed or _installed
    absent = [package for module, package in AGENTS_PACKAGES.items() if not found(module)]
    if absent:
        return (
            f"agents needs the Microsoft 365 Agents SDK, not installed here: "
            f"pip install {' '.join(absent)} (or reinstall drp-bot: pip install drp-bot)"
        )
    return None


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ImportError:  # a parent package is missing
        return False
