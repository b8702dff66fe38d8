"""Small builders for Adaptive Card 1.5 elements, so no card JSON is written out by hand.

Builders leave out properties at their default value, which keeps cards small (Teams refuses
bot messages over about 28 KB). Text passed to ``text_block`` and ``fact_set`` is markdown:
callers escape user text with ``cards.text.escape``/``plain`` first.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from cards.text import plain
from cards.verbs import KeyFactory, Verb, action_data

Json = dict[str, Any]
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.5"


def card(
    body: Sequence[Json],
    actions: Sequence[Json] = (),
    *,
    refresh: Json | None = None,
    full_width: bool = False,
    fallback_text: str = "",
) -> Json:
    """A top-level AdaptiveCard (schema 1.5)."""
    result: Json = {"type": "AdaptiveCard", "$schema": SCHEMA, "version": VERSION}
    result["body"] = list(body)
    if actions:
        result["actions"] = list(actions)
    if refresh is not None:
        result["refresh"] = refresh
    if fallback_text:
        result["fallbackText"] = fallback_text
    if full_width:
        result["msteams"] = {"width": "Full"}
    return result


def sub_card(body: Sequence[Json], actions: Sequence[Json] = ()) -> Json:
    """The card inside an ``Action.ShowCard`` (no schema, no refresh)."""
    result: Json = {"type": "AdaptiveCard", "body": list(body)}
    if actions:
        result["actions"] = list(actions)
    return result


def _put(target: Json, **optional: Any) -> Json:
    """Set each optional property that is not None (camelCase keys passed as given)."""
    target.update({key: value for key, value in optional.items() if value is not None})
    return target


def text_block(
    text: str,
    *,
    size: str | None = None,
    weight: str | None = None,
    color: str | None = None,
    subtle: bool = False,
    spacing: str | None = None,
    separator: bool = False,
    element_id: str | None = None,
    visible: bool = True,
    heading: bool = False,
) -> Json:
    """A wrapping ``TextBlock``; ``text`` is markdown (escape user text first)."""
    block: Json = {"type": "TextBlock", "text": text, "wrap": True}
    _put(block, size=size, weight=weight, color=color, spacing=spacing, id=element_id)
    if subtle:
        block["isSubtle"] = True
    if separator:
        block["separator"] = True
    if not visible:
        block["isVisible"] = False
    if heading:
        block["style"] = "heading"
    return block


def fact_set(facts: Iterable[tuple[str, str]], *, spacing: str | None = None) -> Json:
    """A ``FactSet`` of (title, value) pairs; both are markdown (use ``plain`` on user text)."""
    items = [{"title": title, "value": value} for title, value in facts]
    return _put({"type": "FactSet", "facts": items}, spacing=spacing)


def container(
    items: Sequence[Json],
    *,
    element_id: str | None = None,
    style: str | None = None,
    visible: bool = True,
    separator: bool = False,
    spacing: str | None = None,
) -> Json:
    """A ``Container`` grouping ``items``."""
    result = _put({"type": "Container", "items": list(items)}, id=element_id, style=style)
    _put(result, spacing=spacing)
    if not visible:
        result["isVisible"] = False
    if separator:
        result["separator"] = True
    return result


def column(items: Sequence[Json], width: str = "stretch") -> Json:
    """One ``Column`` of a ``ColumnSet`` (``stretch``, ``auto`` or a weight like ``"2"``)."""
    return {"type": "Column", "width": width, "items": list(items)}


def column_set(columns: Sequence[Json], *, spacing: str | None = None) -> Json:
    """A ``ColumnSet`` of ``column(...)`` values."""
    return _put({"type": "ColumnSet", "columns": list(columns)}, spacing=spacing)


def action_set(actions: Sequence[Json], *, spacing: str | None = None) -> Json:
    """An ``ActionSet``: buttons inside the body."""
    return _put({"type": "ActionSet", "actions": list(actions)}, spacing=spacing)


def _input(
    kind: str, input_id: str, label: str, required: bool, error_message: str | None
) -> Json:
    result: Json = {"type": kind, "id": input_id, "label": label}
    if required:
        result["isRequired"] = True
    return _put(result, errorMessage=error_message)


def input_text(
    input_id: str,
    label: str,
    *,
    value: str = "",
    placeholder: str = "",
    multiline: bool = False,
    max_length: int | None = None,
    required: bool = False,
    error_message: str | None = None,
) -> Json:
    """An ``Input.Text`` with a visible label (values are not markdown: no escaping)."""
    result = _input("Input.Text", input_id, label, required, error_message)
    _put(result, placeholder=placeholder or None, value=value or None, maxLength=max_length)
    if multiline:
        result["isMultiline"] = True
    return result


def input_date(
    input_id: str,
    label: str,
    *,
    value: str = "",
    minimum: date | None = None,
    maximum: date | None = None,
    required: bool = False,
    error_message: str | None = None,
) -> Json:
    """An ``Input.Date``; ``value`` is the user's text (kept as typed), bounds as dates."""
    result = _input("Input.Date", input_id, label, required, error_message)
    _put(result, value=value or None)
    _put(result, min=minimum.isoformat() if minimum else None)
    return _put(result, max=maximum.isoformat() if maximum else None)


def choice_set(
    input_id: str,
    label: str,
    choices: Sequence[tuple[str, str]],
    *,
    value: str = "",
    placeholder: str = "",
    required: bool = False,
    error_message: str | None = None,
    multi_select: bool = False,
) -> Json:
    """A drop-down ``Input.ChoiceSet`` of (title, value) pairs; ``multi_select``: a list of
    check boxes whose value is the keys ticked, joined by commas."""
    result = _input("Input.ChoiceSet", input_id, label, required, error_message)
    result["choices"] = [{"title": title, "value": key} for title, key in choices]
    if multi_select:
        result["isMultiSelect"] = True
        result["style"] = "expanded"
    else:
        result["style"] = "compact"  # "filtered" (typeahead) is not in the 1.5 schema
    return _put(result, value=value or None, placeholder=placeholder or None)


def toggle(input_id: str, title: str, *, label: str = "", value: bool = False) -> Json:
    """An ``Input.Toggle`` sending ``"true"``/``"false"``."""
    result: Json = {"type": "Input.Toggle", "id": input_id, "title": title}
    _put(result, label=label or None)
    if value:
        result["value"] = "true"
    return result


def action_execute(
    title: str,
    verb: Verb,
    data: Mapping[str, Any],
    *,
    style: str | None = None,
    with_inputs: bool = True,
) -> Json:
    """A Universal Action button; ``with_inputs=False`` sends no input values."""
    action: Json = {"type": "Action.Execute", "title": title, "verb": str(verb)}
    action["data"] = dict(data)
    _put(action, style=style)
    if not with_inputs:
        action["associatedInputs"] = "none"
    return action


def execute(
    title: str,
    verb: Verb,
    reference: str,
    version: int,
    key_factory: KeyFactory,
    **options: Any,
) -> Json:
    """``action_execute`` with the standard data and a fresh idempotency key."""
    data = action_data(reference, version, key_factory(), **options.pop("extra", {}))
    return action_execute(title, verb, data, **options)


def action_show_card(title: str, body: Sequence[Json], actions: Sequence[Json] = ()) -> Json:
    """A button that unfolds a card with its own inputs and buttons."""
    return {"type": "Action.ShowCard", "title": title, "card": sub_card(body, actions)}


def action_toggle(title: str, targets: Sequence[str]) -> Json:
    """A button that shows or hides the elements with these ids."""
    return {"type": "Action.ToggleVisibility", "title": title, "targetElements": list(targets)}


def error_text(message: str | None) -> list[Json]:
    """The attention-coloured line shown under an input with a server-side error."""
    if not message:
        return []
    return [text_block(plain(message, 300), color="attention", size="small", spacing="none")]
