"""The domain's errors: one base class, each carrying what the caller can act on."""

from __future__ import annotations


class DrpError(Exception):
    """Base class of every error raised by the domain core."""


class TimescaleError(DrpError, ValueError):
    """A timescale text could not be understood."""


class CalendarError(DrpError, ValueError):
    """A calendar was misconfigured or asked an impossible question (naive time, negative days)."""


class PolicyError(DrpError):
    """A policy profile is malformed: names the file, the field and the reason."""

    def __init__(self, source: str, field: str, reason: str) -> None:
        super().__init__(f"{source}: {field}: {reason}")
        self.source = source
        self.field = field
        self.reason = reason


class CommandRejected(DrpError):
    """A command is not allowed in the dispute's current state; nothing was changed."""

    def __init__(self, state: str, command: str, reason: str) -> None:
        super().__init__(f"{command} is not allowed while the dispute is {state}: {reason}")
        self.state = state
        self.command = command
        self.reason = reason


class NotPermitted(CommandRejected):
    """The actor may not issue this command on this dispute (not the chair, not the owner...)."""


class InvalidInput(DrpError, ValueError):
    """A command's data is invalid: names the field and the reason."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason
