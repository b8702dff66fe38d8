"""The tab's pages from Jinja2 templates, every value HTML-escaped by default (autoescape).

Jinja2 rather than hand-built strings: the pages have layout, navigation and loops, and with
autoescape on a child's name or a concern typed with ``<script>`` can only ever show as text.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from aiohttp import web
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from cards.text import format_date, format_instant
from teams_bot.tabs import keys
from teams_bot.tabs.session import set_cookie

THEMES = ("default", "dark", "contrast")
THEME_COOKIE = "drp_theme"
# Teams hosts the tab in an iframe; nothing else may frame it. Scripts only from the bot itself;
# the Teams library fetches its list of valid Teams origins from Microsoft's CDN.
FRAME_ANCESTORS = (
    "'self' https://teams.microsoft.com https://*.teams.microsoft.com "
    "https://*.cloud.microsoft https://*.office.com https://*.microsoft365.com"
)
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self' https://res.cdn.office.net; form-action 'self'; base-uri 'none'; "
    f"frame-ancestors {FRAME_ANCESTORS}"
)
# The record and report documents carry their own stricter CSP (no scripts, inline styles).
DOCUMENT_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    f"frame-ancestors {FRAME_ANCESTORS}"
)


def _date(value: date | None) -> str:
    return format_date(value) if value else "No deadline"


def _instant(value: datetime | None) -> str:
    return format_instant(value) if value else ""


class Templates:
    """Renders the tab's pages."""

    def __init__(self) -> None:
        self.env = Environment(
            loader=PackageLoader("teams_bot.tabs", "templates"),
            autoescape=select_autoescape(("html",), default=True),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters["day"] = _date
        self.env.filters["instant"] = _instant

    def render(self, name: str, **context: Any) -> str:
        """The template filled in."""
        return self.env.get_template(name).render(**context)

    def page(
        self, request: web.Request, name: str, status: int = 200, **context: Any
    ) -> web.Response:
        """A page as the response, themed, with the tab's security headers."""
        theme = theme_of(request)
        body = self.render(name, theme=theme, **shared(request), **context)
        response = web.Response(text=body, status=status, content_type="text/html")
        secure(response, CSP)
        remember_theme(request, response, theme)
        return response


TEMPLATES = web.AppKey("tabs.templates", Templates)


def shared(request: web.Request) -> Mapping[str, Any]:
    """What every page's layout needs: who is signed in, and how sign-in works here."""
    return {"reader": request.get(keys.READER), "mode": request.app[keys.MODE]}


def secure(response: web.StreamResponse, csp: str) -> None:
    """Headers for a page that may show a child: no caching, no sniffing, framed by Teams only."""
    response.headers["Content-Security-Policy"] = csp
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"


def theme_of(request: web.Request) -> str:
    """Teams' theme from the tab's ``?theme={theme}``, else the one remembered, else default."""
    chosen = request.query.get("theme", "") or request.cookies.get(THEME_COOKIE, "")
    return chosen if chosen in THEMES else "default"


def remember_theme(request: web.Request, response: web.StreamResponse, theme: str) -> None:
    """Keep the theme Teams gave for the pages the tab links to (works without JavaScript)."""
    if request.query.get("theme") == theme and request.cookies.get(THEME_COOKIE) != theme:
        in_teams = request.app[keys.MODE] == "sso"
        set_cookie(response, THEME_COOKIE, theme, 365 * 24 * 3600, in_teams=in_teams)
