"""Settings: the one module that reads the environment, validated once at start-up.

Every ``DRP_*`` variable is checked; an unknown one is an error (a typo would otherwise be
ignored silently). To add a setting: a field on ``Settings``, its variable in ``VARIABLES``,
and a line in ``from_env`` that parses it with an error naming the variable (a parser in
``settings_values``, or beside its fellows in ``settings_bot``, ``settings_mail`` or
``settings_graph`` when several variables are checked together).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path

from drp.calendar import Nation, WorkingDayCalendar
from drp.governance import RetentionPeriod
from drp.policy import Policy
from teams_bot import settings_values as values
from teams_bot.graph.mapping import DirectoryMapping
from teams_bot.manifest import hostname
from teams_bot.settings_bot import (
    BotCredentials,
    BotHost,
    bot_credentials,
    bot_host,
    checked_host,
    default_host,
)
from teams_bot.settings_graph import (
    DEFAULT_AUTHORITY,
    DEFAULT_GRAPH_URL,
    GraphSettings,
    directory_sync,
    graph,
    mapping,
)
from teams_bot.settings_mail import SmtpServer, smtp
from teams_bot.settings_values import SettingsError, parse, read_env_file

__all__ = [
    "DEFAULT_AUTHORITY",
    "DEFAULT_GRAPH_URL",
    "BotCredentials",
    "BotHost",
    "GraphSettings",
    "Settings",
    "SettingsError",
    "SmtpServer",
    "read_env_file",
]

PREFIX = "DRP_"
# Read by the test suite only, never by the bot.
IGNORED_PREFIXES = ("DRP_TEST_",)
DEFAULT_DATA_DIR = "./data"
DEFAULT_POLICY = "nottingham"
DATABASE_FILE = "drp.sqlite3"
DEFAULT_PORT = 3978
DEFAULT_DIGEST_TIME = "08:30"
DEFAULT_SCHEDULER_INTERVAL = 60
ENV_FILE = Path(".env")
VARIABLES: Mapping[str, str] = {
    "DRP_DATA_DIR": f"directory for the embedded database and files (default {DEFAULT_DATA_DIR})",
    "DRP_DATABASE_URL": "sqlite+aiosqlite:///FILE or postgresql+asyncpg://USER@HOST/DB",
    "DRP_POLICY": f"a shipped policy profile or a profile file (default {DEFAULT_POLICY})",
    "DRP_NATION": "whose bank holidays apply: ENG (default), WLS, SCT or NIR",
    "DRP_CLOSURE_DAYS": "local closure days, comma-separated ISO dates",
    "DRP_HOST": "address to listen on (default 127.0.0.1 without credentials, else 0.0.0.0)",
    "DRP_PORT": f"port to listen on (default {DEFAULT_PORT})",
    "DRP_BOT_HOST": (
        "which SDK hosts the bot: botbuilder (default; Bot Framework SDK 4.17) or agents "
        "(Microsoft 365 Agents SDK; Python 3.12+)"
    ),
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
    bot_host: BotHost = BotHost.BOTBUILDER

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Settings:
        """Validate ``environ``'s ``DRP_*`` variables; SettingsError names the first bad one."""
        _refuse_unknown(environ)
        directory = parse(environ, "DRP_DATA_DIR", DEFAULT_DATA_DIR, values.data_dir)
        default_url = f"sqlite+aiosqlite:///{directory / DATABASE_FILE}"
        bot = bot_credentials(environ)
        graph_app = graph(environ)
        profile = parse(environ, "DRP_POLICY", DEFAULT_POLICY, values.policy)
        directory_mapping = parse(environ, "DRP_GRAPH_MAPPING", "", lambda v: mapping(v, profile))
        return cls(
            data_dir=directory,
            database_url=parse(environ, "DRP_DATABASE_URL", default_url, values.database_url),
            policy=profile,
            nation=parse(environ, "DRP_NATION", Nation.ENG.value, values.nation),
            closure_days=parse(environ, "DRP_CLOSURE_DAYS", "", values.closure_days),
            bot=bot,
            host=environ.get("DRP_HOST", "").strip() or default_host(bot),
            port=parse(environ, "DRP_PORT", str(DEFAULT_PORT), values.port),
            digest_time=parse(environ, "DRP_DIGEST_TIME", DEFAULT_DIGEST_TIME, values.time_of_day),
            scheduler_interval=parse(
                environ, "DRP_SCHEDULER_INTERVAL", str(DEFAULT_SCHEDULER_INTERVAL), values.interval
            ),
            allowed_service_urls=parse(
                environ, "DRP_ALLOWED_SERVICE_URLS", "", values.url_prefixes
            ),
            retention=parse(environ, "DRP_RETENTION", "", values.retention),
            log_format=parse(environ, "DRP_LOG_FORMAT", "text", values.log_format),
            smtp=smtp(environ),
            graph=graph_app,
            mapping=directory_mapping,
            directory_sync=directory_sync(environ, graph_app, directory_mapping),
            bot_host=checked_host(
                parse(environ, "DRP_BOT_HOST", BotHost.BOTBUILDER.value, bot_host), bot
            ),
            tab_domain=parse(environ, "DRP_TAB_DOMAIN", "", lambda v: hostname(v) if v else None),
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


def _refuse_unknown(environ: Mapping[str, str]) -> None:
    for name in sorted(environ):
        known = name in VARIABLES or name.startswith(IGNORED_PREFIXES)
        if name.startswith(PREFIX) and not known:
            raise SettingsError(name, f"unknown setting (known: {', '.join(VARIABLES)})")
