"""A typed reader over one TOML table that names the file and the dotted field in every error."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NoReturn

from drp.errors import PolicyError, TimescaleError
from drp.roles import Role
from drp.timescale import Timescale

_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
_MISSING = object()


class Reader:
    """Reads fields of one table; ``finish`` rejects any field it did not read (typos)."""

    def __init__(self, data: dict[str, object], source: str, path: str) -> None:
        self._data = data
        self._seen: set[str] = set()
        self.source = source
        self.path = path

    def fail(self, field: str, reason: str) -> NoReturn:
        """Raise a PolicyError naming this file and the dotted field."""
        raise PolicyError(self.source, self._dotted(field), reason)

    def _dotted(self, field: str) -> str:
        return f"{self.path}.{field}" if self.path else field

    def _get(self, field: str, default: object = _MISSING) -> object:
        self._seen.add(field)
        if field in self._data:
            return self._data[field]
        if default is _MISSING:
            self.fail(field, "missing")
        return default

    def text(self, field: str, default: str | None = None) -> str:
        """A non-empty string (or the default when absent)."""
        value = self._get(field, _MISSING if default is None else default)
        if not isinstance(value, str) or (default is None and not value.strip()):
            self.fail(field, "must be a non-empty string")
        return value.strip()

    def slug(self, field: str) -> str:
        """A lower-case key such as ``cpc-standard``."""
        value = self.text(field)
        if not _SLUG.match(value):
            self.fail(field, f"{value!r} must be lower-case letters, digits, '-' or '_'")
        return value

    def flag(self, field: str, default: bool = False) -> bool:
        """A boolean."""
        value = self._get(field, default)
        if not isinstance(value, bool):
            self.fail(field, "must be true or false")
        return value

    def count(self, field: str) -> int:
        """A positive whole number."""
        value = self._get(field)
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            self.fail(field, "must be a whole number of at least 1")
        return value

    def texts(self, field: str) -> tuple[str, ...]:
        """A list of non-empty strings."""
        value = self._get(field, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            self.fail(field, "must be a list of non-empty strings")
        return tuple(value)

    def role(self, field: str) -> Role:
        """One role name."""
        return self._role(field, self.text(field))

    def roles(self, field: str, required: bool = False) -> tuple[Role, ...]:
        """A list of role names; ``required`` makes an empty list an error."""
        names = self.texts(field)
        if required and not names:
            self.fail(field, "must name at least one role")
        return tuple(self._role(field, name) for name in names)

    def _role(self, field: str, name: str) -> Role:
        try:
            return Role(name)
        except ValueError:
            known = ", ".join(r.value for r in Role)
            self.fail(field, f"unknown role {name!r} (known: {known})")

    def timescale(self, field: str) -> Timescale | None:
        """An optional timescale such as "5 working days"."""
        value = self._get(field, None)
        if value is None:
            return None
        if not isinstance(value, str):
            self.fail(field, "must be a string such as '5 working days'")
        try:
            return Timescale.parse(value)
        except TimescaleError as error:
            self.fail(field, str(error))

    def table(self, field: str) -> Reader | None:
        """An optional sub-table."""
        value = self._get(field, None)
        if value is None:
            return None
        if not isinstance(value, dict):
            self.fail(field, "must be a table")
        return Reader(value, self.source, self._dotted(field))

    def tables(self, field: str, required: bool = False) -> Iterator[Reader]:
        """An array of tables (``[[field]]``)."""
        value = self._get(field, [])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            self.fail(field, "must be an array of tables ([[...]])")
        if required and not value:
            self.fail(field, "must have at least one entry")
        for index, item in enumerate(value):
            yield Reader(item, self.source, f"{self._dotted(field)}[{index}]")

    def finish(self) -> None:
        """Reject fields this reader never asked for: they are typos or unsupported."""
        unknown = sorted(set(self._data) - self._seen)
        if unknown:
            self.fail(unknown[0], "unknown field")
