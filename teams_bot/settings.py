"""Settings: the one module that reads the environment, validated once at start-up.

Every ``DRP_*`` variable is checked; an unknown one is an error (a typo would otherwise be
ignored silently). To add a setting: a field on ``Settings``, its variable in ``VARIABLES``,
and a line in ``from_env`` that parses it with an error naming the variable.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, time
from email.utils import parseaddr
from pathlib import Path
from typing import TypeVar
from urllib.parse import unquote, urlsplit

from drp.calendar import Nation, WorkingDayCalendar
from drp.errors import PolicyError
from drp.governance import RetentionPeriod
from drp.policy import Policy, load_policy
from store.engine import parse_url
from store.errors import InvalidRecord
from teams_bot.graph.mapping import DirectoryMapping, load_mapping
from teams_bot.manifest import hostname

PREFIX = "DRP_"
# Read by the test suite only, never by the bot.
IGNORED_PREFIXES = ("DRP_TEST_",)
DEFAULT_DATA_DIR = "./data"
DEFAULT_POLICY = "nottingham"
DATABASE_FILE = "drp.sqlite3"
DEFAULT_PORT = 3978
DEFAULT_DIGEST_TIME = "08:30"
DEFAULT_SCHEDULER_INTERVAL = 60
DEFAULT_GRAPH_URL = "https://graph.microsoft.com/v1.0"
DEFAULT_AUTHORITY = "https://login.microsoftonline.com"
GRAPH_CREDENTIALS = ("DRP_GRAPH_TENANT_ID", "DRP_GRAPH_CLIENT_ID", "DRP_GRAPH_CLIENT_SECRET")
ENV_FILE = Path(".env")
VARIABLES: Mapping[str, str] = {
    "DRP_DATA_DIR": f"directory for the embedded database and files (default {DEFAULT_DATA_DIR})",
    "DRP_DATABASE_URL": "sqlite+aiosqlite:///FILE or postgresql+asyncpg://USER@HOST/DB",
    "DRP_POLICY": f"a shipped policy profile or a profile file (default {DEFAULT_POLICY})",
    "DRP_NATION": "whose bank holidays apply: ENG (default), WLS, SCT or NIR",
    "DRP_CLOSURE_DAYS": "local closure days, comma-separated ISO dates",
    "DRP_HOST": "address to listen on (default 127.0.0.1 without credentials, else 0.0.0.0)",
    "DRP_PORT": f"port to listen on (default {DEFAULT_PORT})",
    "DRP_ALLOWED_TENANTS": "comma-separated Entra tenant ids allowed in (all if unset)",
    "DRP_ALLOWED_SERVICE_URLS": (
        "comma-separated http(s) URL prefixes of the connectors the bot may call back "
        "(unset: loopback only without MicrosoftAppId, the token's serviceurl claim with it)"
    ),
    "DRP_DIGEST_TIME": (
        f"HH:MM, Europe/London: each working day's digest and reminders "
        f"(default {DEFAULT_DIGEST_TIME})"
    ),
    "DRP_SCHEDULER_INTERVAL": (
        f"seconds between the scheduler's sweeps of the deadlines "
        f"(default {DEFAULT_SCHEDULER_INTERVAL})"
    ),
    "DRP_RETENTION": (
        "how long after closure a dispute's identifying data is kept, e.g. '2 years' "
        "(unset: nothing is ever erased)"
    ),
    "DRP_SMTP_URL": "smtp://[USER@]HOST[:PORT] or smtps://...: where e-mail goes (unset: none)",
    "DRP_SMTP_PASSWORD": "the SMTP user's password (instead of one in DRP_SMTP_URL)",
    "DRP_SMTP_STARTTLS": "smtp:// only: true requires STARTTLS, false never (default: if offered)",
    "DRP_SMTP_FROM": "the From address of the bot's e-mail (required with DRP_SMTP_URL)",
    "DRP_GRAPH_TENANT_ID": "Entra tenant id (GUID) of the app that reads the directory",
    "DRP_GRAPH_CLIENT_ID": "that app's client id (GUID); client credentials",
    "DRP_GRAPH_CLIENT_SECRET": "that app's client secret",
    "DRP_GRAPH_MAPPING": "the directory mapping file (TOML: security groups to roles and teams)",
    "DRP_GRAPH_URL": f"Microsoft Graph's base URL (default {DEFAULT_GRAPH_URL}; national clouds)",
    "DRP_GRAPH_AUTHORITY": f"the Entra sign-in host (default {DEFAULT_AUTHORITY})",
    "DRP_GRAPH_CA_FILE": "a PEM bundle to trust for Graph and sign-in (a TLS-inspecting proxy)",
    "DRP_TEAMS_APP_ID": "the app's catalog id (GUID): installed for people who never opened it",
    "DRP_LOG_FORMAT": "text (default) or json: serve's log lines, or one JSON object a line",
    "DRP_DIRECTORY_SYNC": "off (default) or HH:MM, Europe/London: serve syncs the directory daily",
    "DRP_TAB_DOMAIN": (
        "the host name Teams loads the tab from (manifest build --domain); with MicrosoftAppId, "
        "tab SSO tokens must be for api://DOMAIN/APP_ID (unset: the tab signs no one in)"
    ),
}
SMTP_PORTS = {"smtp": 25, "smtps": 465}
# The Bot Framework's own names for the Azure bot registration.
BOT_VARIABLES = (
    "MicrosoftAppId",
    "MicrosoftAppPassword",
    "MicrosoftAppType",
    "MicrosoftAppTenantId",
)
APP_TYPES = ("MultiTenant", "SingleTenant", "UserAssignedMSI")
_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
T = TypeVar("T")


class SettingsError(Exception):
    """A setting is missing or invalid: names the variable (or file:line) and the reason."""

    def __init__(self, variable: str, reason: str) -> None:
        super().__init__(f"{variable}: {reason}")
        self.variable = variable
        self.reason = reason


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


@dataclass(frozen=True, slots=True)
class SmtpServer:
    """Where e-mail goes: host and port, implicit TLS (smtps) or STARTTLS, login, sender."""

    host: str
    port: int
    sender: str
    implicit_tls: bool = False
    starttls: bool | None = None  # None: upgrade when the server offers it
    username: str = ""
    password: str = field(default="", repr=False)

    def describe(self) -> str:
        """The server as a log line may show it (no password)."""
        scheme = "smtps" if self.implicit_tls else "smtp"
        user = f"{self.username}@" if self.username else ""
        return f"{scheme}://{user}{self.host}:{self.port}"


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


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the bot, the scheduler and the CLI are configured with."""

    data_dir: Path
    database_url: str = field(repr=False)  # may hold a password: never in a log line
    policy: Policy
    nation: Nation = Nation.ENG
    closure_days: tuple[date, ...] = ()
    bot: BotCredentials = field(default_factory=BotCredentials)
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    digest_time: time = time(8, 30)
    scheduler_interval: int = DEFAULT_SCHEDULER_INTERVAL
    allowed_service_urls: tuple[str, ...] = ()
    retention: RetentionPeriod | None = None
    smtp: SmtpServer | None = None
    graph: GraphSettings | None = None
    mapping: DirectoryMapping | None = None
    directory_sync: time | None = None
    tab_domain: str | None = None
    log_format: str = "text"

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Settings:
        """Validate ``environ``'s ``DRP_*`` variables; SettingsError names the first bad one."""
        _refuse_unknown(environ)
        data_dir = _parse(environ, "DRP_DATA_DIR", DEFAULT_DATA_DIR, _data_dir)
        default_url = f"sqlite+aiosqlite:///{data_dir / DATABASE_FILE}"
        bot = _bot_credentials(environ)
        graph = _graph(environ)
        policy = _parse(environ, "DRP_POLICY", DEFAULT_POLICY, _policy)
        mapping = _parse(environ, "DRP_GRAPH_MAPPING", "", lambda v: _mapping(v, policy))
        return cls(
            data_dir=data_dir,
            database_url=_parse(environ, "DRP_DATABASE_URL", default_url, _database_url),
            policy=policy,
            nation=_parse(environ, "DRP_NATION", Nation.ENG.value, _nation),
            closure_days=_parse(environ, "DRP_CLOSURE_DAYS", "", _closure_days),
            bot=bot,
            host=environ.get("DRP_HOST", "").strip() or _default_host(bot),
            port=_parse(environ, "DRP_PORT", str(DEFAULT_PORT), _port),
            digest_time=_parse(environ, "DRP_DIGEST_TIME", DEFAULT_DIGEST_TIME, _time_of_day),
            scheduler_interval=_parse(
                environ, "DRP_SCHEDULER_INTERVAL", str(DEFAULT_SCHEDULER_INTERVAL), _interval
            ),
            allowed_service_urls=_parse(environ, "DRP_ALLOWED_SERVICE_URLS", "", _url_prefixes),
            retention=_parse(environ, "DRP_RETENTION", "", _retention),
            log_format=_parse(environ, "DRP_LOG_FORMAT", "text", _log_format),
            smtp=_smtp(environ),
            graph=graph,
            mapping=mapping,
            directory_sync=_directory_sync(environ, graph, mapping),
            tab_domain=_parse(environ, "DRP_TAB_DOMAIN", "", lambda v: hostname(v) if v else None),
        )

    @classmethod
    def load(cls, env_file: Path | None = ENV_FILE) -> Settings:
        """Settings from the process environment over an optional ``.env`` file."""
        from_file = read_env_file(env_file) if env_file is not None and env_file.is_file() else {}
        return cls.from_env({**from_file, **os.environ})

    def calendar(self) -> WorkingDayCalendar:
        """The working-day calendar these settings describe."""
        return WorkingDayCalendar(self.nation, self.closure_days)

    def ensure_data_dir(self) -> Path:
        """Create the data directory if it is missing; returns it."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return self.data_dir


def read_env_file(path: Path) -> dict[str, str]:
    """``KEY=VALUE`` lines (``#`` comments, optional ``export``, optional quotes)."""
    found: dict[str, str] = {}
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, equals, value = line.removeprefix("export ").partition("=")
        key = key.strip()
        if not equals or not _KEY.match(key):
            raise SettingsError(f"{path}:{number}", "expected KEY=VALUE")
        found[key] = _unquote(value.strip())
    return found


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    comment = value.find(" #")
    return value[:comment].rstrip() if comment >= 0 else value


def _refuse_unknown(environ: Mapping[str, str]) -> None:
    for name in sorted(environ):
        known = name in VARIABLES or name.startswith(IGNORED_PREFIXES)
        if name.startswith(PREFIX) and not known:
            raise SettingsError(name, f"unknown setting (known: {', '.join(VARIABLES)})")


def _parse(environ: Mapping[str, str], name: str, default: str, parse: Callable[[str], T]) -> T:
    value = environ.get(name, "").strip() or default
    try:
        return parse(value)
    except (ValueError, PolicyError) as error:
        raise SettingsError(name, str(error)) from None


def _data_dir(value: str) -> Path:
    path = Path(value).expanduser().absolute()
    if path.exists() and not path.is_dir():
        raise ValueError(f"{path} exists and is not a directory")
    return path


def _database_url(value: str) -> str:
    try:
        return parse_url(value).render_as_string(hide_password=False)
    except InvalidRecord as error:
        raise ValueError(error.reason) from None


def _policy(value: str) -> Policy:
    return load_policy(value)


def _nation(value: str) -> Nation:
    try:
        return Nation(value.upper())
    except ValueError:
        raise ValueError(f"{value!r} is not one of {', '.join(Nation)}") from None


def _closure_days(value: str) -> tuple[date, ...]:
    days = set()
    for item in (part.strip() for part in value.split(",")):
        if not item:
            continue
        try:
            days.add(date.fromisoformat(item))
        except ValueError:
            raise ValueError(f"{item!r} is not an ISO date (YYYY-MM-DD)") from None
    return tuple(sorted(days))


def _log_format(value: str) -> str:
    if value not in ("text", "json"):
        raise ValueError(f"{value!r} must be text or json")
    return value


def _port(value: str) -> int:
    port = int(value)
    if not 1 <= port <= 65535:
        raise ValueError(f"{port} is not a port number (1-65535)")
    return port


def _time_of_day(value: str) -> time:
    try:
        hours, minutes = (int(part) for part in value.split(":"))
        return time(hours, minutes)
    except ValueError:
        raise ValueError(f"{value!r} is not a time of day (HH:MM, e.g. 08:30)") from None


def _interval(value: str) -> int:
    seconds = int(value)
    if not 1 <= seconds <= 3600:
        raise ValueError(f"{seconds} is not between 1 and 3600 seconds")
    return seconds


def _url_prefixes(value: str) -> tuple[str, ...]:
    prefixes = []
    for item in (part.strip() for part in value.split(",")):
        if not item:
            continue
        parts = urlsplit(item)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ValueError(f"{item!r} is not an http(s) URL prefix (e.g. https://smba.example/)")
        prefixes.append(item)
    return tuple(prefixes)


def _retention(value: str) -> RetentionPeriod | None:
    return RetentionPeriod.parse(value) if value else None


def _bot_credentials(environ: Mapping[str, str]) -> BotCredentials:
    """The Bot Framework variables, checked together: a half-configured bot does not start."""
    app_id, password, app_type, tenant = (environ.get(n, "").strip() for n in BOT_VARIABLES)
    app_type = app_type or "MultiTenant"
    if app_id and not _GUID.match(app_id):
        raise SettingsError("MicrosoftAppId", "must be the bot's app id, a GUID")
    if app_type not in APP_TYPES:
        raise SettingsError("MicrosoftAppType", f"must be one of {', '.join(APP_TYPES)}")
    if app_id and not password and app_type != "UserAssignedMSI":
        raise SettingsError("MicrosoftAppPassword", "is required when MicrosoftAppId is set")
    if password and not app_id:
        raise SettingsError("MicrosoftAppId", "is required when MicrosoftAppPassword is set")
    if app_type == "SingleTenant" and not _GUID.match(tenant):
        raise SettingsError("MicrosoftAppTenantId", "a SingleTenant bot needs its tenant id")
    allowed = frozenset(t.strip() for t in environ.get("DRP_ALLOWED_TENANTS", "").split(","))
    return BotCredentials(app_id, password, app_type, tenant, allowed - {""})


def _smtp(environ: Mapping[str, str]) -> SmtpServer | None:
    """The SMTP server, checked with its password, STARTTLS and sender settings together."""
    url, password, starttls, sender = (
        environ.get(f"DRP_SMTP_{name}", "").strip()
        for name in ("URL", "PASSWORD", "STARTTLS", "FROM")
    )
    if not url:
        for name, value in (("PASSWORD", password), ("STARTTLS", starttls), ("FROM", sender)):
            if value:
                raise SettingsError(f"DRP_SMTP_{name}", "is set but DRP_SMTP_URL is not")
        return None
    server = _smtp_url(url)
    password = password or server.password
    if bool(server.username) != bool(password):
        missing = "DRP_SMTP_PASSWORD" if server.username else "DRP_SMTP_URL"
        raise SettingsError(missing, "an SMTP login needs both a user (in the URL) and a password")
    return SmtpServer(
        server.host,
        server.port,
        _sender(sender),
        server.implicit_tls,
        _starttls(starttls, server.implicit_tls, bool(password)),
        server.username,
        password,
    )


def _smtp_url(url: str) -> SmtpServer:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise SettingsError("DRP_SMTP_URL", f"not a URL: {error}") from None
    if parts.scheme not in SMTP_PORTS:
        raise SettingsError("DRP_SMTP_URL", "must start smtp:// or smtps://")
    if not parts.hostname:
        raise SettingsError("DRP_SMTP_URL", "names no host, e.g. smtp://mail.council.gov.uk:25")
    if parts.path not in {"", "/"} or parts.query or parts.fragment:
        raise SettingsError("DRP_SMTP_URL", "takes only a user, a host and a port")
    return SmtpServer(
        parts.hostname,
        port or SMTP_PORTS[parts.scheme],
        "",
        implicit_tls=parts.scheme == "smtps",
        username=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
    )


def _starttls(value: str, implicit_tls: bool, login: bool) -> bool | None:
    if value.lower() not in {"", "true", "false"}:
        raise SettingsError("DRP_SMTP_STARTTLS", f"{value!r} must be true or false")
    chosen = {"": None, "true": True, "false": False}[value.lower()]
    if implicit_tls and chosen is not None:
        raise SettingsError("DRP_SMTP_STARTTLS", "smtps:// is encrypted from the start: unset it")
    if login and not implicit_tls:
        if chosen is False:
            raise SettingsError("DRP_SMTP_STARTTLS", "false would send the password unencrypted")
        return True  # a password never crosses the network in clear
    return chosen


def _sender(value: str) -> str:
    if not value:
        raise SettingsError("DRP_SMTP_FROM", "is required with DRP_SMTP_URL (the From address)")
    _, address = parseaddr(value)
    if not re.fullmatch(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+", address):
        raise SettingsError("DRP_SMTP_FROM", f"{value!r} is not an e-mail address")
    return value


def _default_host(bot: BotCredentials) -> str:
    """Open (no credentials) binds to loopback only; a registered bot listens on all."""
    return "0.0.0.0" if bot.app_id else "127.0.0.1"  # noqa: S104 - authenticated by JWT


def _mapping(value: str, policy: Policy) -> DirectoryMapping | None:
    """The directory mapping, its roles checked against the policy's."""
    return load_mapping(Path(value).expanduser(), policy.roles) if value else None


def _graph(environ: Mapping[str, str]) -> GraphSettings | None:
    """Graph's client credentials, checked together like the bot's; None when unset."""
    tenant, client, secret = (environ.get(n, "").strip() for n in GRAPH_CREDENTIALS)
    app_id = environ.get("DRP_TEAMS_APP_ID", "").strip()
    if app_id and not _GUID.match(app_id):
        raise SettingsError("DRP_TEAMS_APP_ID", "must be a GUID (the app's id in the catalog)")
    if not (tenant or client or secret):
        if app_id:
            raise SettingsError("DRP_TEAMS_APP_ID", "needs the DRP_GRAPH_* credentials to install")
        return None
    for name, value in zip(GRAPH_CREDENTIALS[:2], (tenant, client), strict=True):
        if not _GUID.match(value):
            raise SettingsError(name, "must be a GUID (set all three DRP_GRAPH_* credentials)")
    if not secret:
        raise SettingsError("DRP_GRAPH_CLIENT_SECRET", "is required with DRP_GRAPH_CLIENT_ID")
    return GraphSettings(
        tenant,
        client,
        secret,
        url=_parse(environ, "DRP_GRAPH_URL", DEFAULT_GRAPH_URL, _https),
        authority=_parse(environ, "DRP_GRAPH_AUTHORITY", DEFAULT_AUTHORITY, _https),
        ca_file=_parse(environ, "DRP_GRAPH_CA_FILE", "", _ca_file),
        teams_app_id=app_id,
    )


def _https(value: str) -> str:
    if not re.match(r"^https://[^/\s]+(/\S*)?$", value):
        raise ValueError(f"{value!r} is not an https:// URL")
    return value.rstrip("/")


def _ca_file(value: str) -> Path | None:
    if not value:
        return None
    path = Path(value).expanduser()
    if not path.is_file():
        raise ValueError(f"{path} is not a file")
    return path


def _directory_sync(
    environ: Mapping[str, str], graph: GraphSettings | None, mapping: DirectoryMapping | None
) -> time | None:
    """When ``serve`` syncs the directory each day, or None (off)."""
    value = environ.get("DRP_DIRECTORY_SYNC", "").strip().lower()
    if value in ("", "off"):
        return None
    at = _parse(environ, "DRP_DIRECTORY_SYNC", value, _time_of_day)
    if graph is None:
        raise SettingsError("DRP_DIRECTORY_SYNC", f"needs {', '.join(GRAPH_CREDENTIALS)}")
    if mapping is None:
        raise SettingsError("DRP_DIRECTORY_SYNC", "needs DRP_GRAPH_MAPPING")
    return at
