"""The SMTP server settings (``DRP_SMTP_*``), checked together. Part of ``teams_bot.settings``."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.utils import parseaddr
from urllib.parse import unquote, urlsplit

from teams_bot.settings_values import SettingsError

SMTP_PORTS = {"smtp": 25, "smtps": 465}


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


def smtp(environ: Mapping[str, str]) -> SmtpServer | None:
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
