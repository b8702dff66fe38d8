"""``drp-bot due``'s dry run: what the scheduler would owe at an instant, and what the outbox
already owes by then, with nothing written or sent."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from drp.events import JsonValue
from store.store import Store, Transaction
from teams_bot.outbox_kinds import Owed
from teams_bot.scheduler import Scheduler

PENDING_LIMIT = 100_000  # outbox rows listed at most
_ABOUT = ("occasion", "moment", "event", "day")


@dataclass(frozen=True, slots=True)
class Planned:
    """A message a tick would enqueue, or one the outbox already owes by then."""

    recipient: str
    kind: str
    reference: str | None
    due: datetime
    dedupe_key: str
    source: str
    about: str = ""

    @classmethod
    def of(
        cls,
        recipient: str,
        kind: str,
        reference: str | None,
        due: datetime,
        dedupe_key: str,
        payload: Mapping[str, Any],
        source: str,
    ) -> Planned:
        """A planned message; ``about`` is its occasion, moment, event or digest day."""
        about = next((str(payload[k]) for k in _ABOUT if payload.get(k)), "")
        return cls(recipient, kind, reference, due, dedupe_key, source, about)

    def as_json(self) -> dict[str, JsonValue]:
        """The ``drp-bot due --json`` shape."""
        return {
            "recipient": self.recipient,
            "kind": self.kind,
            "reference": self.reference,
            "due": self.due.isoformat(),
            "about": self.about,
            "dedupe_key": self.dedupe_key,
            "source": self.source,
        }


class PlanRecorder:
    """An outbox writer that writes nothing and remembers what would have been owed."""

    def __init__(self, tx: Transaction) -> None:
        self._tx = tx
        self._keys: set[str] = set()
        self.planned: list[Planned] = []

    async def owe(self, owed: Owed) -> bool:
        """Record the row unless the outbox (or this plan) already has its key."""
        if owed.key in self._keys or await self._tx.schedule.owed([owed.key]):
            return False
        self._keys.add(owed.key)
        self.planned.append(
            Planned.of(
                owed.recipient,
                owed.kind.value,
                owed.reference,
                owed.due_at,
                owed.key,
                owed.payload.to_json(),
                "scheduler",
            )
        )
        return True

    async def owe_all(self, rows: Sequence[Owed]) -> None:
        """Record each row as ``owe`` would."""
        for owed in rows:
            await self.owe(owed)

    async def already_owed(self, keys: list[str]) -> set[str]:
        """The keys the outbox holds or this plan has recorded."""
        return await self._tx.schedule.owed(keys) | (self._keys & set(keys))


async def plan(store: Store, scheduler: Scheduler, at: datetime) -> list[Planned]:
    """What a fresh scheduler's tick at ``at`` would owe, plus what the outbox already owes
    by then, soonest first."""
    async with store.transaction(readonly=True) as tx:
        recorder = PlanRecorder(tx)
        await scheduler.rehearse(tx, recorder, at)
        owed = [m for m in await tx.outbox.pending(PENDING_LIMIT) if m.due_at <= at]
    already = [
        Planned.of(m.recipient, m.kind, m.reference, m.due_at, m.dedupe_key, m.payload, "outbox")
        for m in owed
    ]
    return sorted([*already, *recorder.planned], key=lambda p: (p.due, p.dedupe_key))
