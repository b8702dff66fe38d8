"""The small cards around a dispute card: a refusal or stale banner above the current card, a
list of errors, and a proactive notice."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from cards import elements as el
from cards.elements import Json
from cards.text import escape, plain
from cards.verbs import KeyFactory, Verb, new_key


def refusal_card(message: str, current_card: Json | None = None) -> Json:
    """ "You can't do that: …" above the current card (whose buttons stay usable)."""
    banner = el.container(
        [el.text_block(escape(f"You can't do that: {message}"), weight="bolder")],
        style="attention",
    )
    return _above(banner, current_card)


def stale_card(current_card: Json) -> Json:
    """The current card, marked as replacing an out-of-date one."""
    banner = el.container(
        [el.text_block("This card was out of date; here is the current one.", weight="bolder")],
        style="warning",
    )
    return _above(banner, current_card)


def _above(banner: Json, current: Json | None) -> Json:
    if current is None:
        return el.card([banner])
    result = dict(current)
    result["body"] = [banner, *current.get("body", [])]
    return result


def error_card(title: str, errors: Mapping[str, str] | Sequence[str]) -> Json:
    """A list of problems under a title (e.g. an invoke whose data could not be read)."""
    items = errors.items() if isinstance(errors, Mapping) else ((None, e) for e in errors)
    lines = [
        el.text_block(plain(f"{key}: {text}" if key else text, 300), spacing="none")
        for key, text in items
    ]
    head = el.text_block(escape(title), weight="bolder", size="medium", color="attention")
    return el.card([head, *lines], fallback_text=title)


def notice_card(
    title: str,
    text: str,
    facts: Sequence[tuple[str, str]] = (),
    *,
    urgent: bool = False,
    reference: str = "",
    version: int = 0,
    key_factory: KeyFactory = new_key,
) -> Json:
    """A proactive notice (reminder, overdue, escalated to you, response, agreement, harm)."""
    head = el.text_block(escape(title), weight="bolder", size="medium")
    body = [
        el.container([head], style="attention" if urgent else "emphasis"),
        el.text_block(escape(text)),
    ]
    if facts:
        body.append(el.fact_set((escape(k), plain(v)) for k, v in facts))
    actions = []
    if reference:
        actions.append(
            el.execute(
                "Open the dispute", Verb.SHOW, reference, version, key_factory, with_inputs=False
            )
        )
    return el.card(body, actions, fallback_text=title)
