"""The value types of a profile file, each with the error a QA lead can act on.

Every type checks its own value before pydantic does (a ``BeforeValidator``), so a wrong value
reads "must be true or false", not a library's wording; ``profile_errors`` turns pydantic's
locations into the dotted field names the errors have always used.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BeforeValidator, ValidationError, WithJsonSchema
from pydantic_core import PydanticCustomError

from drp.errors import PolicyError, TimescaleError
from drp.timescale import Timescale, TimeUnit

SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
TIMESCALE_PATTERN = r"^\s*\d{1,4}\s+(working days?|calendar days?|hours?)\s*$"
DAYS_PATTERN = r"^\s*\d{1,4}\s+(working days?|calendar days?)\s*$"
MOVES = ("raise", "escalate", "conclude")


def _fail(kind: str, message: str) -> PydanticCustomError:
    return PydanticCustomError(kind, message)


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _fail("text", "must be a non-empty string")
    return value.strip()


def _optional_text(value: Any) -> str:
    if not isinstance(value, str):
        raise _fail("text", "must be a string")
    return value.strip()


def _slug(value: Any) -> str:
    text = _text(value)
    if not SLUG.match(text):
        raise _fail("slug", f"{text!r} must be lower-case letters, digits, '-' or '_'")
    return text


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise _fail("flag", "must be true or false")
    return value


def _count(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise _fail("count", "must be a whole number of at least 1")
    return value


def _texts(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise _fail("texts", "must be a list of non-empty strings")
    return [v.strip() for v in value]


def _some_roles(value: Any) -> list[str]:
    names = _texts(value)
    if not names:
        raise _fail("roles", "must name at least one role")
    return names


def _timescale(value: Any) -> str:
    if not isinstance(value, str):
        raise _fail("timescale", "must be a string such as '5 working days'")
    try:
        Timescale.parse(value)
    except TimescaleError as error:
        raise _fail("timescale", str(error)) from None
    return value


def _days(value: Any) -> str:
    text = _timescale(value)
    timescale = Timescale.parse(text)
    if timescale.unit is TimeUnit.HOURS:
        raise _fail("days", f"{timescale!s}: count this in working days or calendar days")
    return text


_ADDRESS = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[A-Za-z]{2,}$")


def _address(value: Any) -> str:
    text = _text(value)
    if not _ADDRESS.match(text):
        raise _fail("address", f"{text!r} is not an e-mail address")
    return text


def _moves(value: Any) -> list[str]:
    names = _texts(value)
    strangers = [name for name in names if name not in MOVES]
    if strangers:
        raise _fail("moves", f"{strangers[0]!r} is not one of: {', '.join(MOVES)}")
    return names


def _string(pattern: str, kind: str) -> WithJsonSchema:
    return WithJsonSchema({"type": "string", "pattern": pattern, "format": kind})


# ``format`` names the value's kind for the reference in docs/profiles.md; editors ignore it.
_ROLE_ITEMS = {"type": "string", "pattern": r"^[a-z][a-z0-9_]{0,39}$", "format": "role"}

Text = Annotated[str, BeforeValidator(_text), WithJsonSchema({"type": "string", "minLength": 1})]
OptionalText = Annotated[str, BeforeValidator(_optional_text)]
Slug = Annotated[str, BeforeValidator(_slug), _string(SLUG.pattern, "key")]
Flag = Annotated[bool, BeforeValidator(_flag)]
Count = Annotated[int, BeforeValidator(_count), WithJsonSchema({"type": "integer", "minimum": 1})]
Texts = Annotated[list[str], BeforeValidator(_texts)]
RoleKey = Annotated[str, BeforeValidator(_text), WithJsonSchema(_ROLE_ITEMS)]
Roles = Annotated[
    list[str], BeforeValidator(_texts), WithJsonSchema({"type": "array", "items": _ROLE_ITEMS})
]
SomeRoles = Annotated[
    list[str],
    BeforeValidator(_some_roles),
    WithJsonSchema({"type": "array", "items": _ROLE_ITEMS, "minItems": 1}),
]
TimescaleText = Annotated[
    str,
    BeforeValidator(_timescale),
    _string(TIMESCALE_PATTERN, "timescale"),
]
DaysText = Annotated[str, BeforeValidator(_days), _string(DAYS_PATTERN, "timescale-in-days")]
Address = Annotated[str, BeforeValidator(_address), _string(_ADDRESS.pattern, "email")]
Moves = Annotated[
    list[str],
    BeforeValidator(_moves),
    WithJsonSchema({"type": "array", "items": {"enum": list(MOVES)}}),
]


# --- pydantic's errors as the profile's --------------------------------------------------------

_TABLE_ERRORS = {"model_type", "model_attributes_type", "dict_type"}


def dotted(location: tuple[int | str, ...]) -> str:
    """``("processes", 0, "stages", 1, "key")`` → ``processes[0].stages[1].key``; an item of
    a list of values is named by its list (``responsible``, not ``responsible[2]``)."""
    parts: list[str] = []
    for index, part in enumerate(location):
        if isinstance(part, int):
            if index == len(location) - 1 or not parts:
                break
            parts[-1] += f"[{part}]"
        else:
            parts.append(part)
    return ".".join(parts)


def profile_error(source: str, error: ValidationError) -> PolicyError:
    """The first problem pydantic found, as a PolicyError naming the file and the field."""
    first = error.errors(include_url=False)[0]
    kind, location = first["type"], tuple(first["loc"])
    field = dotted(location)
    if kind == "missing":
        reason = "missing"
    elif kind == "extra_forbidden":
        reason = "unknown field"
    elif kind in _TABLE_ERRORS and location and isinstance(location[-1], int):
        reason = "must be an array of tables ([[...]])"
    elif kind in _TABLE_ERRORS:
        reason = "must be a table"
    elif kind == "list_type":
        reason = "must be an array of tables ([[...]])"
    elif kind == "too_short":
        reason = "must have at least one entry"
    else:
        reason = str(first["msg"])
    return PolicyError(source, field or "(file)", reason)
