"""The response page's templates and its one refusal: plain pages, every value HTML-escaped
(Jinja2 autoescape), with headers that keep the page out of caches, frames and referrers."""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from teams_bot.respond.tokens import Link

# No scripts at all; the tab's stylesheet; forms post only to the bot itself; never framed.
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
_MARKDOWN_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!&<>|~])")


class Refusal(Exception):
    """The link opens nothing: a page saying why (``why`` is the audit's code)."""

    def __init__(
        self,
        status: int,
        why: str,
        message: str,
        link: Link | None = None,
        *,
        actor: str = "",
    ) -> None:
        super().__init__(message)
        self.status = status
        self.why = why
        self.message = message
        self.link = link
        self.actor = actor or (link.person_id if link else "")  # who tried, if known


def plain(text: object) -> str:
    """A card's markdown as plain text (its escapes and bold marks removed)."""
    return _MARKDOWN_ESCAPE.sub(r"\1", str(text)).replace("**", "")


class Templates:
    """Renders the response pages."""

    def __init__(self) -> None:
        self.env = Environment(
            loader=PackageLoader("teams_bot.respond", "templates"),
            autoescape=select_autoescape(("html",), default=True),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters["plain"] = plain

    def page(self, name: str, status: int = 200, **context: Any) -> web.Response:
        """A page as the response, with the page's security headers."""
        body = self.env.get_template(name).render(**context)
        response = web.Response(text=body, status=status, content_type="text/html")
        response.headers["Content-Security-Policy"] = CSP
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Frame-Options"] = "DENY"
        return response
