"""Retention (``DRP_RETENTION``): once a day on the scheduler, and as ``drp-bot retention``.

Disputes closed longer ago than the period lose their identifying data (``store.erasure``), a
batch per transaction; compliments older than the period lose their text. Each erasure is one
audit entry (what: counts; when; by which rule) and never the erased text. Cards still shown
in Teams chats are updated in place to the erased view through the outbox. Unset, nothing is
ever erased.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from drp.events import JsonValue
from drp.governance import RetentionPeriod
from drp.machine import Context
from drp.model import SYSTEM
from store.erasure import Closed, Erased
from store.errors import StoreError
from store.rows import AuditEntry
from store.store import Store, Transaction
from teams_bot.notifier import Notifier

log = logging.getLogger(__name__)

VARIABLE = "DRP_RETENTION"
ERASED = "erased"
COMPLIMENT_ERASED = "compliment_erased"
BATCH = 500


@dataclass
class RetentionRun:
    """What one run erased (or, dry, would erase): references and counts, never content."""

    as_of: date
    rule: str
    cutoff: datetime
    dry_run: bool
    disputes: list[Closed | Erased] = field(default_factory=list)
    compliments: int = 0
    rows: int = 0
    seconds: float = 0.0  # the whole run
    scrub_seconds: float = 0.0  # of which the SQLite scrub (store.erasure.scrub)
    scrubbed: bool = True

    def as_json(self, period: RetentionPeriod) -> dict[str, JsonValue]:
        """The ``--json`` shape."""
        return {
            "as_of": self.as_of.isoformat(),
            "rule": self.rule,
            "cutoff": self.cutoff.isoformat(),
            "dry_run": self.dry_run,
            "disputes": [
                {
                    "reference": d.reference,
                    "closed_at": d.closed_at.isoformat(),
                    "erase_from": period.erase_from(d.closed_at).isoformat(),
                }
                for d in self.disputes
            ],
            "compliments": self.compliments,
            "rows_erased": self.rows,
            "scrubbed": self.scrubbed,
        }


def rule_of(period: RetentionPeriod) -> str:
    """The rule as the audit log names it."""
    return f"{VARIABLE}={period}"


class Retention:
    """Applies the retention period to the store."""

    def __init__(self, store: Store, period: RetentionPeriod, ctx: Context) -> None:
        self.store = store
        self.period = period
        self.ctx = ctx
        self.calendar = ctx.calendar
        self._done: date | None = None
        self._unscrubbed = False  # a busy SQLite log: scrub again at the next run

    async def run(
        self, as_of: date, now: datetime, actor: str, *, dry_run: bool = False
    ) -> RetentionRun:
        """Erase (or list, dry) everything past retention on ``as_of``."""
        began = time.perf_counter()
        cutoff = self.period.cutoff(as_of)
        result = RetentionRun(as_of, rule_of(self.period), cutoff, dry_run)
        after: Closed | None = None
        while True:
            async with self.store.transaction() as tx:
                due = await tx.erasure.due(cutoff, limit=BATCH, after=after)
                if due and not dry_run:
                    await self._erase(tx, due, result, now, actor)
                elif due:
                    result.disputes += due
            if len(due) < BATCH:
                break
            after = due[-1]
        await self._compliments(result, now, actor)
        if (result.rows or self._unscrubbed) and not dry_run:
            scrubbing = time.perf_counter()
            result.scrubbed = await self.store.scrub()
            result.scrub_seconds = time.perf_counter() - scrubbing
            self._unscrubbed = not result.scrubbed
        result.seconds = time.perf_counter() - began
        return result

    async def _erase(
        self, tx: Transaction, due: list[Closed], result: RetentionRun, now: datetime, actor: str
    ) -> None:
        erased, rows = await tx.erasure.erase([d.reference for d in due], now)
        entries = [self._entry(e, result, now, actor) for e in erased]
        await tx.audit.record_many(entries)
        shown = [e.reference for e in erased if e.posted_cards]
        await Notifier(tx, self.ctx).erased(shown, now)
        result.disputes += erased
        result.rows += rows

    def _entry(self, erased: Erased, run: RetentionRun, now: datetime, actor: str) -> AuditEntry:
        detail: dict[str, JsonValue] = {
            "rule": run.rule,
            "as_of": run.as_of.isoformat(),
            "closed_at": erased.closed_at.isoformat(),
            "children": erased.children,
            "texts": erased.texts,
        }
        return AuditEntry(now, actor, ERASED, erased.reference, detail)

    async def _compliments(self, result: RetentionRun, now: datetime, actor: str) -> None:
        async with self.store.transaction() as tx:
            ids = await tx.erasure.compliments_due(result.cutoff)
            result.compliments = len(ids)
            if result.dry_run or not ids:
                return
            result.rows += await tx.erasure.erase_compliments(ids)
            detail: dict[str, JsonValue] = {"rule": result.rule, "as_of": result.as_of.isoformat()}
            await tx.audit.record_many(
                [
                    AuditEntry(now, actor, COMPLIMENT_ERASED, None, {**detail, "compliment": i})
                    for i in ids
                ]
            )

    async def daily(self, now: datetime) -> None:
        """The scheduler's hook: the first sweep of each day applies retention once."""
        today = self.calendar.local_date(now)
        if self._done == today:
            return
        try:
            run = await self.run(today, now, SYSTEM)
        except StoreError as error:
            # Each batch commits on its own: what was erased stays erased; the rest next tick.
            log.warning("retention: stopped by the store (%s)", type(error).__name__)
            return
        self._done = today
        if run.disputes or run.compliments:
            log.info(
                "retention (%s): %d disputes and %d compliments erased, %d rows, %.1f s%s",
                run.rule,
                len(run.disputes),
                run.compliments,
                run.rows,
                run.seconds,
                "" if run.scrubbed else "; the SQLite log was busy, scrubbed at the next run",
            )


def daily_job(
    store: Store, period: RetentionPeriod | None, ctx: Context
) -> Callable[[datetime], Awaitable[None]] | None:
    """The scheduler's daily retention job, or None when ``DRP_RETENTION`` is unset."""
    return None if period is None else Retention(store, period, ctx).daily
