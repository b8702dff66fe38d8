"""msrest's retry policy built without its quadratic list scan. Part of the botbuilder boundary.

botbuilder 4.17.1 builds two msrest clients for every turn (the turn's connector client and its
user-token client), and each builds a ``ClientRetryPolicy``, whose constructor keeps the codes
``range(999)`` not in ``safe_codes``, a 502-item *list*: about half a million comparisons, a
few milliseconds of CPU per client and the largest single cost of a card action in the profile
(issue 16). The same codes held as a frozenset make the same retry list in microseconds.
"""

from __future__ import annotations

from msrest.universal_http.requests import ClientRetryPolicy


def fast_retry_policy() -> None:
    """Hold ``ClientRetryPolicy.safe_codes`` as a frozenset (the same codes; idempotent)."""
    ClientRetryPolicy.safe_codes = frozenset(ClientRetryPolicy.safe_codes)  # type: ignore[assignment]
