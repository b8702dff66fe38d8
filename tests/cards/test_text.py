"""escape() and plain(): user text shows as typed and never becomes a link, mention or markup."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from html.parser import HTMLParser

from hypothesis import example, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from cards.text import (
    ONE_DOT_LEADER,
    WORD_JOINER,
    escape,
    format_date,
    format_due,
    format_instant,
    plain,
    shorten,
)
from drp.calendar import LONDON

# Teams renders CommonMark-style markdown and auto-links bare URLs: GFM-like with linkify
# is the strictest stand-in (it also knows tables and ~~strikethrough~~, which Teams ignores).
MARKDOWN = MarkdownIt("gfm-like", {"html": False, "linkify": True, "typographer": False})
FORMATTING = re.compile(
    r"<(a|em|strong|s|del|code|pre|h[1-6]|ul|ol|li|blockquote|img|table|hr)[\s>/]"
)
MARKUP_ALPHABET = "*_[]()#>+-`~\\<>&!|{}:/.@=0123456789 \n\tabAtThpswxyzcom"


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def rendered(markdown: str) -> str:
    return MARKDOWN.render(markdown)


def visible(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return "".join(parser.parts)


def normal(text: str) -> str:
    """Compare texts as a reader sees them: invisible joiners out, dots as dots, spaces folded."""
    text = text.replace(WORD_JOINER, "").replace(ONE_DOT_LEADER, ".")
    text = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u2028\u2029]", "", text)
    return " ".join(text.split())


user_text = st.one_of(
    st.text(alphabet=MARKUP_ALPHABET, max_size=80),
    st.text(max_size=80),
    st.builds(
        lambda a, url, b: f"{a} {url} {b}",
        st.text(alphabet=MARKUP_ALPHABET, max_size=20),
        st.sampled_from(
            [
                "https://evil.example.com/x?y=1",
                "www.example.org",
                "example.com",
                "mailto:someone@example.com",
                "someone@example.co.uk",
                "<https://example.com>",
                "[click](https://example.com)",
                "![img](https://example.com/a.png)",
                "<at>Casey Manager</at>",
                "&lt;at&gt;x&lt;/at&gt;",
                "{{DATE(2026-12-21T10:00:00Z, SHORT)}}",
                "//localhost/admin",
            ]
        ),
        st.text(alphabet=MARKUP_ALPHABET, max_size=20),
    ),
)


@settings(max_examples=400, deadline=None)
@given(user_text)
@example("**bold** _it_ ~~gone~~ `code` # heading\n> quote\n1. one\n- item\n    indented")
@example("see [the file](https://example.com) or www.example.com, <at>Dana</at>")
@example("a\\\nb  \nc")
@example("Title\n===\n---")
def test_escaped_text_renders_without_links_mentions_or_formatting(text: str) -> None:
    html = rendered(escape(text))

    assert FORMATTING.search(html) is None, html
    assert "<at>" not in html.lower()
    assert "href" not in html


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=MARKUP_ALPHABET, max_size=80))
@example("1) first\n2. second\n+ plus\n= equals\n&amp; &#60;")
def test_escaped_text_shows_every_character_as_typed(text: str) -> None:
    shown = visible(rendered(escape(text)))

    assert normal(shown) == normal(text)


def test_mentions_are_broken_even_before_markdown() -> None:
    escaped = escape("Hi <at>Casey Manager</at>")

    assert "<at>" not in escaped
    assert "</at>" not in escaped


def test_links_and_domains_are_defused_but_look_the_same() -> None:
    escaped = escape("see https://example.com and a@b.org")

    assert "https://" not in escaped
    assert "example.com" not in escaped
    assert normal(visible(rendered(escaped))) == "see https://example.com and a@b.org"


def test_decimals_keep_their_dot() -> None:
    assert escape("2.5 hours") == "2.5 hours"


def test_each_line_break_becomes_a_paragraph() -> None:
    html = rendered(escape("first line\nsecond line\r\n\r\nthird"))

    assert html.count("<p>") == 3


def test_plain_is_one_line_shortened_and_escaped() -> None:
    text = plain("a *b*\n\nc " + "x" * 300, limit=20)

    assert "\n" not in text
    assert text.endswith("…")
    assert r"\*b\*" in text
    assert len(text.replace("\\", "")) == 20


def test_shorten_keeps_short_text() -> None:
    assert shorten("  short  ", 10) == "short"
    assert shorten("abcdefghijkl", 5) == "abcd…"


def test_dates_read_like_mon_21_dec_2026() -> None:
    assert format_date(date(2026, 12, 21)) == "Mon 21 Dec 2026"
    assert format_date(date(2027, 1, 1)) == "Fri 1 Jan 2027"


def test_instants_are_shown_in_london_time() -> None:
    summer = datetime(2026, 7, 1, 12, 5, tzinfo=UTC)
    winter = datetime(2026, 12, 1, 12, 5, tzinfo=UTC)

    assert format_instant(summer) == "Wed 1 Jul 2026 13:05"
    assert format_instant(winter) == "Tue 1 Dec 2026 12:05"


def test_a_deadline_at_the_end_of_the_day_shows_only_its_date() -> None:
    end_of_day = datetime(2026, 12, 21, 23, 59, 59, tzinfo=LONDON)
    in_hours = datetime(2026, 12, 21, 15, 30, tzinfo=LONDON)

    assert format_due(end_of_day) == "Mon 21 Dec 2026"
    assert format_due(in_hours) == "Mon 21 Dec 2026 15:30"
