"""One click, one effect: a button's nonce keeps its first result and who pressed it.

``idempotent`` is the one place a handler's work meets the idempotency keys: a nonce seen before
is answered by the handler's ``replay`` (which shows the stored result only to the person who
first used it), a new one runs the work and keeps its result in the same transaction.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from drp.events import JsonValue
from store.rows import StoredResult
from store.store import Transaction

ACTOR = "actor"
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Earlier:
    """A nonce used before: what it did, and whether the person asking now is who used it."""

    result: Mapping[str, JsonValue]
    reference: str
    yours: bool


@dataclass(frozen=True, slots=True)
class Keep:
    """What the work's first run leaves under its nonce."""

    result: Mapping[str, JsonValue]
    reference: str | None = None


def earlier_of(result: Mapping[str, JsonValue], reference: str | None, person_id: str) -> Earlier:
    """The stored result as this person may be told of it (a result kept before the presser
    was recorded belongs to nobody)."""
    ref = str(result.get("reference") or reference or "")
    return Earlier(result, ref, result.get(ACTOR) == person_id)


async def idempotent(
    tx: Transaction,
    key: str,
    person_id: str,
    now: datetime,
    work: Callable[[], Awaitable[tuple[T, Keep | None]]],
    replay: Callable[[Earlier], Awaitable[T]],
) -> T:
    """Run ``work`` once per nonce (``""``: no nonce, every time); a nonce seen before goes to
    ``replay``. A race to the same nonce ends in the store's DuplicateCommand at commit."""
    found: StoredResult | None = await tx.idempotency.get(key) if key else None
    if found is not None:
        return await replay(earlier_of(found.result, found.reference, person_id))
    value, keep = await work()
    if key and keep is not None:
        result = {**keep.result, ACTOR: person_id}
        await tx.idempotency.put(key, result, at=now, reference=keep.reference)
    return value
