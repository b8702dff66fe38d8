"""The tab's errors: each carries the status and the words the error page shows."""

from __future__ import annotations


class TabError(Exception):
    """A request the tab answers with an error page instead of the page asked for."""

    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadRequest(TabError):
    """A query parameter or address part that is not acceptable; ``field`` names it."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field


class NotFound(TabError):
    """Nothing here this person may see (the same answer whether it exists or not)."""

    status = 404


class Forbidden(TabError):
    """A page the profile does not open to this person (it shows no child)."""

    status = 403
