"""The store's errors: one base class, each carrying what the caller can act on."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from drp.events import JsonValue


class StoreError(Exception):
    """Base class of every error the store raises."""


class StoreUnavailable(StoreError):
    """The database could not be reached, or stayed locked too long; retrying may succeed."""


class NotFound(StoreError, LookupError):
    """No record of this kind has this key."""

    def __init__(self, kind: str, key: str) -> None:
        super().__init__(f"no {kind} {key!r}")
        self.kind = kind
        self.key = key


class StaleVersion(StoreError):
    """The dispute moved on since the caller read it: ``current_version`` is what it is now."""

    def __init__(self, reference: str, current_version: int) -> None:
        super().__init__(f"{reference} is at version {current_version}; the command was stale")
        self.reference = reference
        self.current_version = current_version


class DuplicateReference(StoreError):
    """A dispute with this reference already exists."""

    def __init__(self, reference: str) -> None:
        super().__init__(f"{reference} already exists")
        self.reference = reference


class DuplicateCommand(StoreError):
    """This idempotency key was already used; ``result`` is what the first command returned."""

    def __init__(self, key: str, result: Mapping[str, JsonValue]) -> None:
        super().__init__("this command was already carried out")
        self.key = key
        self.result = result


class InvalidRecord(StoreError, ValueError):
    """A value cannot be stored as given (a naive datetime, an inconsistent decision...)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


@dataclass(frozen=True, slots=True, order=True)
class Problem:
    """One bad row of an imported file: its line number, the field and the reason."""

    line: int
    field: str
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.field}: {self.reason}"


class DirectoryImportError(StoreError):
    """A directory file was refused whole; ``problems`` names every bad row."""

    def __init__(self, problems: tuple[Problem, ...]) -> None:
        count = len({problem.line for problem in problems})
        super().__init__(f"{count} bad row(s), nothing imported")
        self.problems = tuple(sorted(problems))
