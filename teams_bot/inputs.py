"""What a card button sends, checked before anything is looked up or stored.

The button's own keys (reference, nonce, version) are checked by pattern and length before any
query: a bad one means the data did not come from a card of ours. Text people typed is checked
for what no person types and a database may refuse (NUL, other control characters, lone
surrogates): each becomes a field error on the card, with the input kept and nothing changed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from cards.verbs import NONCE

# DRP-2026-000123 (a dispute), or a compliment's number, or "" on the new-dispute form.
_REFERENCE = re.compile(r"DRP-\d{4}-\d{6,11}")
_BUTTON_REFERENCE = re.compile(r"|DRP-\d{4}-\d{6,11}|\d{1,12}")
# uuid4 hex from the bot; tests pass their own short keys ("key-12").
_NONCE = re.compile(r"[A-Za-z0-9_.:-]{1,100}")
_VERSION = re.compile(r"-?\d{1,9}")
MAX_FIELD = 20_000  # characters in one input (the longest card input is far shorter)
# Control characters a person may type in a multi-line input.
_ALLOWED_CONTROLS = frozenset("\t\n\r")
CONTROL = "Remove the control characters (such as NUL) from this field."
SURROGATE = "This field has a character that cannot be stored; please retype it."
TOO_LONG = f"Keep this field under {MAX_FIELD:,} characters."


def is_reference(value: object) -> bool:
    """Whether a value has the shape of a dispute reference."""
    return isinstance(value, str) and _REFERENCE.fullmatch(value) is not None


def button_problem(data: Mapping[str, Any]) -> str:
    """Which of the button's own keys is malformed ("" when all are well formed)."""
    reference = data.get("reference", "")
    if not isinstance(reference, str) or not _BUTTON_REFERENCE.fullmatch(reference):
        return "reference"
    nonce = data.get(NONCE)
    if nonce is not None and not (isinstance(nonce, str) and _NONCE.fullmatch(nonce)):
        return NONCE
    version = data.get("version")
    if version is None or version == "":
        return ""
    if isinstance(version, int) and not isinstance(version, bool) and abs(version) < 10**9:
        return ""
    if isinstance(version, str) and _VERSION.fullmatch(version):
        return ""
    return "version"


def text_problem(text: str) -> str:
    """Why a typed text cannot be taken ("" when it can)."""
    if len(text) > MAX_FIELD:
        return TOO_LONG
    for char in text:
        if "\ud800" <= char <= "\udfff":
            return SURROGATE
        if char not in _ALLOWED_CONTROLS and unicodedata.category(char) == "Cc":
            return CONTROL
    return ""


def field_errors(data: Mapping[str, Any]) -> dict[str, str]:
    """A field error for every typed input that cannot be taken, by input id."""
    errors = {}
    for key, value in data.items():
        if isinstance(value, str) and key not in ("reference", NONCE, "version"):
            problem = text_problem(value)
            if problem:
                errors[str(key)[:100]] = problem
    return errors


def kept(data: Mapping[str, Any]) -> dict[str, str]:
    """The typed values to show again on the card (strings only)."""
    return {str(k): v for k, v in data.items() if isinstance(v, str)}
