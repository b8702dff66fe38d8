"""What the HTTP edge asks of a bot host, and the edge's own rules, with no SDK in sight.

``http.py`` serves ``/api/messages`` through a ``Host`` (botbuilder's today, the Agents SDK's
later): the host authenticates a checked activity and runs its turn; the edge decides the order
(schema, authentication, tenant, service URL) and the status codes.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

KEYS_RETRY_AFTER_SECONDS = 30
_LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain"})


class Unauthenticated(Exception):
    """The request's token is missing or invalid (HTTP 401); ``kind`` names the failure class."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


class KeysUnavailable(Exception):
    """The token-signing keys could not be fetched (HTTP 503 with Retry-After)."""


@dataclass(frozen=True, slots=True)
class HostAnswer:
    """What a turn answers over HTTP: a status and, for an invoke, a JSON body."""

    status: int
    body: Any = None


class Host(Protocol):
    """A bot framework SDK behind the edge."""

    async def authenticate(self, activity: Mapping[str, Any], authorization: str) -> object:
        """The caller's verified identity; raises Unauthenticated or KeysUnavailable."""
        ...

    async def run(self, activity: Mapping[str, Any], identity: object) -> HostAnswer:
        """Run the turn; never raises (a failed turn is answered and logged by the host)."""
        ...


@dataclass(frozen=True, slots=True)
class ServiceUrls:
    """Which connectors the bot will call back: loopback only unless an allow-list is given."""

    allowed: tuple[str, ...] = ()

    def allows(self, url: str) -> bool:
        """True when the bot may send to this serviceUrl."""
        try:
            parts = urlsplit(url)
            host, port = parts.hostname or "", parts.port
        except ValueError:
            return False
        if not self.allowed:
            return _is_loopback(host)
        return any(_under(parts.scheme, host, port, parts.path, prefix) for prefix in self.allowed)


def _is_loopback(host: str) -> bool:
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _under(scheme: str, host: str, port: int | None, path: str, prefix: str) -> bool:
    allowed = urlsplit(prefix)
    same_origin = (scheme, host.lower(), port) == (
        allowed.scheme,
        (allowed.hostname or "").lower(),
        allowed.port,
    )
    return same_origin and path.startswith(allowed.path.rstrip("/"))


def tenant_allowed(tenant_id: str, allowed: Iterable[str]) -> bool:
    """An empty allow-list admits every tenant."""
    allowed = frozenset(allowed)
    return not allowed or tenant_id in allowed
