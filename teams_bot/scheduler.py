"""The scheduler: a periodic sweep that turns the store's deadlines into outbox messages.

What fires when (Europe/London; "the morning" is DRP_DIGEST_TIME, 08:30 by default), for the
deadline of the stage a dispute is at (informal stages included):

- 00:00 on the last working day before the deadline's day: every card of it turns amber
  (a ``refresh``, updated in place);
- that morning: "a response is due by the next working day" to each owner;
- the deadline day's morning, if it is a working day: "a response is due today";
- just after the deadline: ``NoteOverdue`` by the system, so the owners and the chair are told
  and the cards turn red; with ``policy.auto_escalate``, ``Escalate`` by the system to the next
  stage follows in the same transaction (owners and approver resolved as a chair's would be);
  otherwise the chair's overdue notice carries a one-click "Escalate now";
- a chair's review (Newham: 2 calendar days after a response): amber, "your review is due
  today" that morning, then "overdue" and red;
- seed 001's extension: when the further 24 hours end with a response waiting, "please review";
- each working day's morning: a digest to everyone who owes something or has something overdue.

Deadlines live in the store; the scheduler holds only the instant it last swept. Each tick looks
at the window since then (at start-up, and once an hour, at everything still pending), so a
restart catches up. Dedupe keys, the domain's own ``overdue_noted`` and versioned saves make a
repeated tick, or two replicas ticking together, enqueue nothing twice.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from drp.commands import NoteOverdue
from drp.deadlines import (
    JUST_AFTER,
    Due,
    Moment,
    extension_span,
    moments,
    morning_of,
    ready,
    still_overdue,
)
from drp.errors import DrpError
from drp.machine import Context, Decision, decide
from drp.model import Actor, Dispute, Status
from drp.roles import Role
from store.errors import StaleVersion, StoreError
from store.store import Store, Transaction
from teams_bot.action_sweep import ActionSweep
from teams_bot.delivery.notices import AUTO_ESCALATION_REASON, overall_limit_window
from teams_bot.logs import report_incident
from teams_bot.notifier import Notifier
from teams_bot.outbox_kinds import Origin, OutboxWriter
from teams_bot.staffing import escalation

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
CATCH_UP = timedelta(days=31)  # how far back a start-up looks for ended extensions
DIGEST_GRACE = timedelta(hours=3)  # how late a morning digest may still go out
OVERDUE_CHUNK = 25  # deadlines noted per transaction


@dataclass(frozen=True, slots=True)
class Timing:
    """When the scheduler acts: the working-day morning and how often it sweeps."""

    morning: time = time(8, 30)
    interval_seconds: float = 60.0
    full_sweep_seconds: float = 3600.0


@dataclass
class Tick:
    """What one sweep did."""

    at: datetime
    enqueued: int = 0
    overdue: int = 0
    escalated: int = 0
    failed: int = 0


# --- the sweep -------------------------------------------------------------------------------


class Scheduler:
    """Sweeps the store for what is due and owes it through the outbox."""

    def __init__(
        self,
        store: Store,
        ctx: Context,
        clock: Clock,
        timing: Timing | None = None,
        wake: Callable[[], None] = lambda: None,
        daily: Sequence[Callable[[datetime], Awaitable[None]]] = (),
    ) -> None:
        self.store = store
        self.ctx = ctx
        self.daily = daily  # jobs that run once a day themselves (retention), given each tick
        self.clock = clock
        self.timing = timing or Timing()
        self.wake = wake
        self._since: datetime | None = None
        self._full_at: datetime | None = None
        self._digest_day: date | None = None
        self.actions = ActionSweep(store, ctx, self.timing.morning, origin_for)

    @property
    def swept_until(self) -> datetime | None:
        """Everything due up to this instant has been owed (None before the first sweep)."""
        return self._since

    def digests_done(self, day: date | None) -> None:
        """Count ``day``'s digests as owed already (None: owe them at the next tick), for a
        benchmark that times the morning's reminders apart from its digests."""
        self._digest_day = day

    async def run(self) -> None:
        """Sweep every ``interval_seconds`` until cancelled."""
        while True:
            try:
                await self.tick()
            except Exception as error:
                report_incident(log, "scheduler tick failed; trying again at the next one", error)
            await asyncio.sleep(self.timing.interval_seconds)

    async def tick(self, now: datetime | None = None) -> Tick:
        """Owe everything due by ``now`` (default: the clock) that is not owed yet."""
        at = now or self.clock()
        full = self._full_at is None or (at - self._full_at).total_seconds() >= (
            self.timing.full_sweep_seconds
        )
        since = None if full else self._since
        async with self.store.transaction(readonly=True) as tx:
            found = await self._find(tx, since, at)
        result = Tick(at)
        ok = await self._fire(found, at, result)
        ok = await self._digests(at, result) and ok
        ok = await self._actions(at, result) and ok
        if ok:
            self._since = max(at, self._since or at)
            self._full_at = at if full else self._full_at
        if result.enqueued or result.overdue:
            self.wake()
        for job in self.daily:
            await job(at)
        busy = result.enqueued or result.overdue or result.failed
        log.log(
            logging.INFO if busy else logging.DEBUG,
            "scheduler tick %s: %d owed, %d overdue, %d escalated, %d failed",
            at.isoformat(),
            result.enqueued,
            result.overdue,
            result.escalated,
            result.failed,
        )
        return result

    async def rehearse(self, tx: Transaction, writer: OutboxWriter, at: datetime) -> None:
        """Owe through ``writer`` what a fresh scheduler's tick at ``at`` would, deciding but
        saving nothing (the dry run of ``drp-bot due``)."""
        notifier = Notifier(tx, self.ctx, writer)
        found = await self._find(tx, None, at)
        await self._enqueue(tx, notifier, [(d, x) for d, x in found if d.what != Moment.OVERDUE])
        for due, _ in found:
            if due.what == Moment.OVERDUE:
                await self._overdue(tx, notifier, due, at, save=False)
        await self._digest_rows(tx, notifier, at)

    # --- finding ---------------------------------------------------------------------------

    async def _find(
        self, tx: Transaction, since: datetime | None, now: datetime
    ) -> list[tuple[Due, Dispute]]:
        cal, schedule = self.ctx.calendar, tx.schedule
        horizon = self._horizon(since, now)
        after = since - JUST_AFTER if since is not None else None
        candidates = await schedule.responses_due(after, horizon, now)
        candidates += await schedule.reviews_due(after, horizon)
        candidates += await schedule.overall_due(after, horizon)
        extension = self.ctx.policy.extension
        if extension is not None:
            start = (since or now - CATCH_UP) - extension_span(extension)
            candidates += await schedule.reviews_after_extension(start - JUST_AFTER, now)
        unique = {d.reference: d for d in candidates}
        set_at = await schedule.deadlines_set(unique)
        morning = self.timing.morning
        return [
            (due, dispute)
            for dispute in unique.values()
            for due in ready(
                moments(dispute, cal, morning), since, now, set_at.get(dispute.reference)
            )
        ]

    def _horizon(self, since: datetime | None, now: datetime) -> datetime:
        """The latest deadline with a moment in ``(since, now]``. Amber falls at midnight and
        reminders in the morning, up to the next working day's deadlines; a window holding
        neither can only hold a deadline passing, so it looks no further than ``now``."""
        cal = self.ctx.calendar
        today = cal.local_date(now)
        morning = morning_of(cal, today, self.timing.morning)
        wide = since is None or cal.local_date(since) != today or since < morning <= now
        return cal.end_of_day(cal.next_working_day(today)) if wide else now

    # --- firing ----------------------------------------------------------------------------

    async def _fire(self, found: list[tuple[Due, Dispute]], now: datetime, result: Tick) -> bool:
        messages = [(due, d) for due, d in found if due.what != Moment.OVERDUE]
        ok = True
        if messages:
            try:
                async with self.store.transaction() as tx:
                    result.enqueued += await self._enqueue(tx, Notifier(tx, self.ctx), messages)
            except StoreError as error:
                log.warning("scheduler: reminders not owed yet (%s)", type(error).__name__)
                result.failed += len(messages)
                ok = False
        overdue = sorted((due for due, _ in found if due.what == Moment.OVERDUE), key=_by_ref)
        for start in range(0, len(overdue), OVERDUE_CHUNK):
            ok = await self._fire_chunk(overdue[start : start + OVERDUE_CHUNK], now, result) and ok
        return ok

    async def _fire_chunk(self, chunk: list[Due], now: datetime, result: Tick) -> bool:
        """Several deadlines noted in one transaction (a midnight can pass many at once); if
        any of them moved meanwhile, each is taken on its own."""
        try:
            async with self.store.transaction() as tx:
                notifier = Notifier(tx, self.ctx)
                steps = [await self._overdue(tx, notifier, due, now, save=True) for due in chunk]
        except StoreError:
            ok = True
            for due in chunk:
                ok = await self._fire_overdue(due, now, result) and ok
            return ok
        for taken in steps:
            _count(taken, result)
        return True

    async def _fire_overdue(self, due: Due, now: datetime, result: Tick) -> bool:
        try:
            async with self.store.transaction() as tx:
                steps = await self._overdue(tx, Notifier(tx, self.ctx), due, now, save=True)
        except StaleVersion:
            # Someone (a person, or another replica) changed it first: look again next tick.
            log.info("dispute %s moved while noting it overdue; next tick", due.reference)
            result.failed += 1
            return False
        except StoreError as error:
            log.warning("dispute %s: overdue not noted (%s)", due.reference, type(error).__name__)
            result.failed += 1
            return False
        _count(steps, result)
        return True

    async def _enqueue(
        self, tx: Transaction, notifier: Notifier, found: list[tuple[Due, Dispute]]
    ) -> int:
        origins: dict[str, Origin] = {}  # by raiser: one look-up each, not one per dispute
        rows: list[tuple[Due, Dispute, Origin]] = []
        for due, dispute in found:
            origin = origins.get(dispute.raised_by)
            if origin is None:
                origin = origins[dispute.raised_by] = await self._origin(tx, dispute)
            rows.append((due, dispute, origin))
        return await notifier.deadlines(rows)

    async def _overdue(
        self, tx: Transaction, notifier: Notifier, due: Due, now: datetime, *, save: bool
    ) -> int:
        """Note the deadline passed and, if the policy says so, escalate; 0 if not due now."""
        dispute = await tx.disputes.find(due.reference, lock=save)
        if dispute is None or not still_overdue(dispute, due, now):
            return 0
        noted = decide(dispute, NoteOverdue(Actor.system(), now), self.ctx)
        steps: list[tuple[Dispute, Decision]] = [(dispute, noted)]
        if self.ctx.policy.auto_escalate and dispute.status == Status.AWAITING_RESPONSE:
            escalated = await self._escalation(tx, noted.dispute, now)
            if escalated is not None:
                steps.append((noted.dispute, escalated))
        origin = await self._origin(tx, dispute)
        for before, decision in steps:
            if save:
                await tx.disputes.save(decision, expected_version=before.version, before=before)
            await notifier.fan_out(before, decision, origin, now)
        if len(steps) > 1:
            await notifier.escalated_automatically(steps[-1][1], origin, now)
        log.info("dispute %s: overdue noted%s", due.reference, " and escalated" * (len(steps) > 1))
        return len(steps)

    async def _escalation(
        self, tx: Transaction, dispute: Dispute, now: datetime
    ) -> Decision | None:
        """The system's escalation to the next stage, or None where the domain refuses it
        (informal stage, last stage, nobody in the directory to respond)."""
        try:
            command = await escalation(
                tx, self.ctx, dispute, Actor.system(), now, reason=AUTO_ESCALATION_REASON
            )
            return decide(dispute, command, self.ctx)
        except DrpError as refused:
            log.info("dispute %s: no automatic escalation (%s)", dispute.reference, refused)
            return None

    async def _actions(self, now: datetime, result: Tick) -> bool:
        """Agreed actions: owners reminded the day before, the chair told once one passed."""
        try:
            reminded, noted = await self.actions.tick(now)
        except StoreError as error:
            log.warning("scheduler: agreed actions not swept (%s)", type(error).__name__)
            return False
        result.enqueued += reminded + noted
        return True

    # --- digests ---------------------------------------------------------------------------

    async def _digests(self, now: datetime, result: Tick) -> bool:
        today = self.ctx.calendar.local_date(now)
        morning = self._digest_instant(today)
        if self._digest_day == today or (morning is not None and now < morning):
            return True
        try:
            async with self.store.transaction() as tx:
                result.enqueued += await self._digest_rows(tx, Notifier(tx, self.ctx), now)
        except StoreError as error:
            log.warning("scheduler: digests not owed yet (%s)", type(error).__name__)
            return False
        self._digest_day = today  # done for the day (or none due today)
        return True

    def _digest_instant(self, day: date) -> datetime | None:
        if not self.ctx.calendar.is_working_day(day):
            return None
        return morning_of(self.ctx.calendar, day, self.timing.morning)

    async def _digest_rows(self, tx: Transaction, notifier: Notifier, now: datetime) -> int:
        today = self.ctx.calendar.local_date(now)
        at = self._digest_instant(today)
        if at is None or not at <= now < at + DIGEST_GRACE:
            return 0  # a bot down all morning waits for the next working day's digest
        until = overall_limit_window(now, self.ctx)
        people = await tx.schedule.digest_people(now, until)
        if await tx.schedule.near_overall_limit(until):
            # Issue 14.3: the chairs' service manager hears of every dispute near or past it.
            overseers = await tx.directory.holders(Role.CHAIRS_SERVICE_MANAGER)
            people = sorted({*people, *(p.id for p in overseers)})
        origin = await self._default_origin(tx)
        return await notifier.digests(people, today, origin, at)

    # --- where to reach people -------------------------------------------------------------

    async def _origin(self, tx: Transaction, dispute: Dispute) -> Origin:
        return await origin_for(tx, dispute)

    async def _default_origin(self, tx: Transaction) -> Origin:
        return await default_origin(tx)


async def origin_for(tx: Transaction, dispute: Dispute) -> Origin:
    """The connector to use for anyone not yet in a 1:1 chat: the chair's, who raised it
    through Teams, else the monitoring channel's."""
    raiser = await tx.directory.person(dispute.raised_by)
    found = _origin_of(raiser.conversation_ref if raiser else None)
    return found or await default_origin(tx)


async def default_origin(tx: Transaction) -> Origin:
    """The monitoring channel's connector, or none known."""
    return _origin_of(await tx.directory.monitoring_channel()) or Origin("", "")


def _count(steps: int, result: Tick) -> None:
    result.overdue += 1 if steps else 0
    result.escalated += 1 if steps > 1 else 0


def _by_ref(due: Due) -> str:
    return due.reference


def _origin_of(reference: Mapping[str, Any] | None) -> Origin | None:
    if not reference or not reference.get("serviceUrl"):
        return None
    conversation = reference.get("conversation")
    tenant = conversation.get("tenantId") if isinstance(conversation, Mapping) else None
    return Origin(str(reference["serviceUrl"]), str(tenant or ""))
