"""The Teams app package: ``manifest.json`` filled from the template in ``manifest/``, plus icons.

Pure functions: the builder reads only the packaged assets and writes only the zip it is asked to.
"""

from __future__ import annotations

import json
import re
import zipfile
from importlib import resources
from pathlib import Path
from typing import Any

ASSETS_PACKAGE = "manifest"
TEMPLATE_NAME = "manifest.template.json"
MANIFEST_NAME = "manifest.json"
DEFAULT_VERSION = "1.0.0"
DEFAULT_SHORT_NAME = "DRP"
SHORT_NAME_MAX = 30  # the schema's name.short limit
# Without --domain the package is for local sideloading: no valid domains, placeholder links.
LOCAL_SITE = "https://localhost"
# A fixed timestamp makes the package byte-for-byte reproducible.
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)

_GUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
# The schema's own semver pattern: MAJOR.MINOR.PATCH, no pre-release or build suffix.
_SEMVER = re.compile(r"(?:0|[1-9]\d*)\.(?:0|[1-9]\d*)\.(?:0|[1-9]\d*)")
_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")
_PLACEHOLDER = re.compile(r"\$\{\{([A-Z_]+)\}\}")


class ManifestError(ValueError):
    """A bad input to the builder; ``field`` names the parameter (``app_id`` → ``--app-id``)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def build_manifest(
    app_id: str,
    *,
    bot_id: str | None = None,
    version: str = DEFAULT_VERSION,
    domain: str | None = None,
    name: str | None = None,
) -> dict[str, Any]:
    """The app manifest for ``app_id``; the bot id defaults to the app id."""
    host = None if domain is None else hostname(domain)
    values = {
        "TEAMS_APP_ID": _guid("app_id", app_id),
        "BOT_ID": _guid("bot_id", app_id if bot_id is None else bot_id),
        "APP_VERSION": _semver(version),
        "APP_NAME_SHORT": DEFAULT_SHORT_NAME if name is None else _short_name(name),
        "BOT_DOMAIN": host,
        "DEVELOPER_SITE": LOCAL_SITE if host is None else f"https://{host}",
    }
    template = json.loads(_asset(TEMPLATE_NAME).decode("utf-8"))
    filled: dict[str, Any] = _fill(template, values)
    if host is not None:
        filled.update(tabs(host, values["BOT_ID"] or ""))
    return filled


# The personal app's tabs: its chat with the bot first, then the pages (teams_bot/tabs).
STATIC_TABS = (
    ("drp-mine", "My disputes", "mine"),
    ("drp-dashboard", "DRP dashboard", "dashboard"),
    ("drp-report", "DRP report", "report"),
)


def tabs(host: str, bot_id: str) -> dict[str, Any]:
    """The tabs a package for ``host`` gains: static tabs in the personal app, a configurable
    channel tab, and the SSO registration (the bot's own Entra app, ``api://host/bot_id``)."""
    site = f"https://{host}/tabs"
    static: list[dict[str, Any]] = [{"entityId": "conversations", "scopes": ["personal"]}]
    static += [
        {
            "entityId": entity,
            "name": name,
            "contentUrl": f"{site}/{page}?theme={{theme}}",
            "websiteUrl": f"{site}/{page}",
            "scopes": ["personal"],
        }
        for entity, name, page in STATIC_TABS
    ]
    return {
        "staticTabs": static,
        "configurableTabs": [
            {
                "configurationUrl": f"{site}/configure?theme={{theme}}",
                "canUpdateConfiguration": True,
                "scopes": ["team"],
                "context": ["channelTab"],
            }
        ],
        "webApplicationInfo": {"id": bot_id, "resource": f"api://{host}/{bot_id}"},
    }


def write_package(manifest: dict[str, Any], out: Path) -> Path:
    """Write the app package zip (manifest.json and both icons at its root) and return its path."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    entries = {MANIFEST_NAME: json.dumps(manifest, indent=2, ensure_ascii=False).encode("utf-8")}
    for icon in (manifest["icons"]["color"], manifest["icons"]["outline"]):
        entries[icon] = _asset(icon)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as package:
        for entry, data in entries.items():
            package.writestr(zipfile.ZipInfo(entry, _ZIP_DATE), data, zipfile.ZIP_DEFLATED)
    return out


def _asset(name: str) -> bytes:
    return resources.files(ASSETS_PACKAGE).joinpath(name).read_bytes()


def _fill(node: Any, values: dict[str, str | None]) -> Any:
    """Replace ``${{NAME}}`` placeholders; a list item that is an unset placeholder is dropped."""
    if isinstance(node, dict):
        return {key: _fill(value, values) for key, value in node.items()}
    if isinstance(node, list):
        return [_fill(item, values) for item in node if not _is_unset(item, values)]
    if isinstance(node, str):
        return _PLACEHOLDER.sub(lambda match: _value(match.group(1), values), node)
    return node


def _is_unset(item: Any, values: dict[str, str | None]) -> bool:
    match = _PLACEHOLDER.fullmatch(item) if isinstance(item, str) else None
    return match is not None and values.get(match.group(1), "") is None


def _value(placeholder: str, values: dict[str, str | None]) -> str:
    value = values.get(placeholder)
    if value is None:
        raise ValueError(f"{TEMPLATE_NAME}: placeholder {placeholder} has no value here")
    return value


def _guid(field: str, value: str) -> str:
    if not _GUID.fullmatch(value):
        raise ManifestError(
            field, f"must be a GUID like 00000000-0000-0000-0000-000000000000, got {_shown(value)}"
        )
    return value


def _semver(value: str) -> str:
    if not _SEMVER.fullmatch(value):
        raise ManifestError(
            "version", f"must be MAJOR.MINOR.PATCH like 1.0.0, got {_shown(value)}"
        )
    return value


def hostname(value: str) -> str:
    """A host name such as ``drp.example.gov.uk`` (lower-cased); ManifestError if not one."""
    host = value.lower()
    labels = host.split(".")
    if len(host) > 253 or not all(_LABEL.fullmatch(label) for label in labels):
        raise ManifestError(
            "domain",
            f"must be a host name like drp.example.gov.uk, without scheme, port or path, "
            f"got {_shown(value)}",
        )
    return host


def _short_name(value: str) -> str:
    name = value.strip()
    if not name or len(name) > SHORT_NAME_MAX:
        raise ManifestError(
            "name", f"must be 1 to {SHORT_NAME_MAX} characters, got {len(name)}: {_shown(value)}"
        )
    return name


def _shown(value: str) -> str:
    """The bad value quoted for an error message, cut short so a pasted blob stays readable."""
    return repr(value if len(value) <= 60 else value[:57] + "...")
