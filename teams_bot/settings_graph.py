"""Microsoft Graph's settings (``DRP_GRAPH_*``, ``DRP_TEAMS_APP_ID``, ``DRP_DIRECTORY_SYNC``),
checked together. Part of ``teams_bot.settings``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path

from drp.policy import Policy
from teams_bot.graph.mapping import DirectoryMapping, load_mapping
from teams_bot.settings_values import GUID, SettingsError, ca_file, https, parse, time_of_day

DEFAULT_GRAPH_URL = "https://graph.microsoft.com/v1.0"
DEFAULT_AUTHORITY = "https://login.microsoftonline.com"
GRAPH_CREDENTIALS = ("DRP_GRAPH_TENANT_ID", "DRP_GRAPH_CLIENT_ID", "DRP_GRAPH_CLIENT_SECRET")


@dataclass(frozen=True, slots=True)
class GraphSettings:
    """The app that reads Entra ID through Microsoft Graph (client credentials)."""

    tenant_id: str
    client_id: str
    client_secret: str = field(repr=False)
    url: str = DEFAULT_GRAPH_URL
    authority: str = DEFAULT_AUTHORITY
    ca_file: Path | None = None
    teams_app_id: str = ""  # the bot's app in the organisation's Teams app catalog


def mapping(value: str, policy: Policy) -> DirectoryMapping | None:
    """The directory mapping, its roles checked against the policy's."""
    return load_mapping(Path(value).expanduser(), policy.roles) if value else None


def graph(environ: Mapping[str, str]) -> GraphSettings | None:
    """Graph's client credentials, checked together like the bot's; None when unset."""
    tenant, client, secret = (environ.get(n, "").strip() for n in GRAPH_CREDENTIALS)
    app_id = environ.get("DRP_TEAMS_APP_ID", "").strip()
    if app_id and not GUID.match(app_id):
        raise SettingsError("DRP_TEAMS_APP_ID", "must be a GUID (the app's id in the catalog)")
    if not (tenant or client or secret):
        if app_id:
            raise SettingsError("DRP_TEAMS_APP_ID", "needs the DRP_GRAPH_* credentials to install")
        return None
    for name, value in zip(GRAPH_CREDENTIALS[:2], (tenant, client), strict=True):
        if not GUID.match(value):
            raise SettingsError(name, "must be a GUID (set all three DRP_GRAPH_* credentials)")
    if not secret:
        raise SettingsError("DRP_GRAPH_CLIENT_SECRET", "is required with DRP_GRAPH_CLIENT_ID")
    return GraphSettings(
        tenant,
        client,
        secret,
        url=parse(environ, "DRP_GRAPH_URL", DEFAULT_GRAPH_URL, https),
        authority=parse(environ, "DRP_GRAPH_AUTHORITY", DEFAULT_AUTHORITY, https),
        ca_file=parse(environ, "DRP_GRAPH_CA_FILE", "", ca_file),
        teams_app_id=app_id,
    )


def directory_sync(
    environ: Mapping[str, str], graph: GraphSettings | None, mapping: DirectoryMapping | None
) -> time | None:
    """When ``serve`` syncs the directory each day, or None (off)."""
    value = environ.get("DRP_DIRECTORY_SYNC", "").strip().lower()
    if value in ("", "off"):
        return None
    at = parse(environ, "DRP_DIRECTORY_SYNC", value, time_of_day)
    if graph is None:
        raise SettingsError("DRP_DIRECTORY_SYNC", f"needs {', '.join(GRAPH_CREDENTIALS)}")
    if mapping is None:
        raise SettingsError("DRP_DIRECTORY_SYNC", "needs DRP_GRAPH_MAPPING")
    return at
