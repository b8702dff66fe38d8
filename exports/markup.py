"""What every export shares: HTML escaping, the self-contained page, and Markdown text and
tables that show user text as typed."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~])")


def h(text: str) -> str:
    """Text for HTML, quotes included."""
    return html.escape(text, quote=True)


def page(title: str, body: str, css: str) -> str:
    """A complete HTML document: no scripts and nothing fetched from anywhere."""
    return (
        "<!DOCTYPE html>\n<html lang='en-GB'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; "
        "style-src 'unsafe-inline'; img-src data:\">"
        f"<title>{h(title)}</title><style>{css}</style></head>"
        f"<body>{body}</body></html>\n"
    )


def md(text: str) -> str:
    """User text for a Markdown file: shows as typed (punctuation escaped, lines kept)."""
    lines = [_MD_SPECIAL.sub(r"\\\1", line.rstrip()) for line in text.strip().splitlines()]
    return "  \n".join(lines)


def md_table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """A Markdown table, then a blank line (a line break in a cell becomes a space)."""
    found = ["| " + " | ".join(md(title) for title in head) + " |", "|" + "---|" * len(head)]
    found += ["| " + " | ".join(md(c).replace("  \n", " ") for c in row) + " |" for row in rows]
    return [*found, ""]
