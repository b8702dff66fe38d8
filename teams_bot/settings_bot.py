"""The bot's Azure registration (the Bot Framework's variable names, checked together).
Part of ``teams_bot.settings``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from teams_bot.settings_values import GUID, SettingsError

# The Bot Framework's own names for the Azure bot registration.
BOT_VARIABLES = (
    "MicrosoftAppId",
    "MicrosoftAppPassword",
    "MicrosoftAppType",
    "MicrosoftAppTenantId",
)
APP_TYPES = ("MultiTenant", "SingleTenant", "UserAssignedMSI")


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
