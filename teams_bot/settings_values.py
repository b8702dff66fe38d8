"""Settings' building blocks: the error naming a variable, ``parse``, the ``.env`` reader and
the parsers of single values. Part of ``teams_bot.settings``; only that module reads the
environment.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date, time
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

from drp.calendar import Nation
from drp.errors import PolicyError
from drp.governance import RetentionPeriod
from drp.policy import Policy, load_policy
from store.engine import parse_url
from store.errors import InvalidRecord

GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
T = TypeVar("T")


class SettingsError(Exception):
    """A setting is missing or invalid: names the variable (or file:line) and the reason."""

    def __init__(self, variable: str, reason: str) -> None:
        super().__init__(f"{variable}: {reason}")
        self.variable = variable
        self.reason = reason


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


def parse(environ: Mapping[str, str], name: str, default: str, parser: Callable[[str], T]) -> T:
    """``environ[name]`` (or ``default`` when unset or blank) parsed; SettingsError names it."""
    value = environ.get(name, "").strip() or default
    try:
        return parser(value)
    except (ValueError, PolicyError) as error:
        raise SettingsError(name, str(error)) from None


def data_dir(value: str) -> Path:
    """An absolute directory path (it may not exist yet)."""
    path = Path(value).expanduser().absolute()
    if path.exists() and not path.is_dir():
        raise ValueError(f"{path} exists and is not a directory")
    return path


def database_url(value: str) -> str:
    """A database URL the store can open, rendered in full."""
    try:
        return parse_url(value).render_as_string(hide_password=False)
    except InvalidRecord as error:
        raise ValueError(error.reason) from None


def policy(value: str) -> Policy:
    """A shipped policy profile's name or a profile file."""
    return load_policy(value)


def nation(value: str) -> Nation:
    """Whose bank holidays apply."""
    try:
        return Nation(value.upper())
    except ValueError:
        raise ValueError(f"{value!r} is not one of {', '.join(Nation)}") from None


def closure_days(value: str) -> tuple[date, ...]:
    """Comma-separated ISO dates, sorted and without repeats."""
    days = set()
    for item in (part.strip() for part in value.split(",")):
        if not item:
            continue
        try:
            days.add(date.fromisoformat(item))
        except ValueError:
            raise ValueError(f"{item!r} is not an ISO date (YYYY-MM-DD)") from None
    return tuple(sorted(days))


def log_format(value: str) -> str:
    """text or json."""
    if value not in ("text", "json"):
        raise ValueError(f"{value!r} must be text or json")
    return value


def port(value: str) -> int:
    """A TCP port number."""
    number = int(value)
    if not 1 <= number <= 65535:
        raise ValueError(f"{number} is not a port number (1-65535)")
    return number


def time_of_day(value: str) -> time:
    """HH:MM."""
    try:
        hours, minutes = (int(part) for part in value.split(":"))
        return time(hours, minutes)
    except ValueError:
        raise ValueError(f"{value!r} is not a time of day (HH:MM, e.g. 08:30)") from None


def interval(value: str) -> int:
    """Seconds between 1 and an hour."""
    seconds = int(value)
    if not 1 <= seconds <= 3600:
        raise ValueError(f"{seconds} is not between 1 and 3600 seconds")
    return seconds


def url_prefixes(value: str) -> tuple[str, ...]:
    """Comma-separated http(s) URL prefixes."""
    prefixes = []
    for item in (part.strip() for part in value.split(",")):
        if not item:
            continue
        parts = urlsplit(item)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ValueError(f"{item!r} is not an http(s) URL prefix (e.g. https://smba.example/)")
        prefixes.append(item)
    return tuple(prefixes)


def retention(value: str) -> RetentionPeriod | None:
    """How long closed disputes keep identifying data; None when unset."""
    return RetentionPeriod.parse(value) if value else None


def https(value: str) -> str:
    """An https:// URL without its trailing slash."""
    if not re.match(r"^https://[^/\s]+(/\S*)?$", value):
        raise ValueError(f"{value!r} is not an https:// URL")
    return value.rstrip("/")


def ca_file(value: str) -> Path | None:
    """An existing file, or None when unset."""
    if not value:
        return None
    path = Path(value).expanduser()
    if not path.is_file():
        raise ValueError(f"{path} is not a file")
    return path
