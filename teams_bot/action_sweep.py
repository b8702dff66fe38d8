"""Agreed actions tracked by the scheduler (issue 14.4): each open action's owner is reminded
on the morning of the working day before its complete-by date (a short message naming the
dispute's reference and the action, no child's name), and once that date has passed undone the
system notes it (``NoteActionPassed``), which tells the chair once and turns it red on the card.

Like the rest of the scheduler, this holds nothing in memory: the dates are in the store, a
repeated tick owes nothing twice (the reminder's dedupe key; the action's ``passed_noted``).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, time
from itertools import groupby

from drp.actions import reminder_day
from drp.commands import NoteActionPassed
from drp.deadlines import morning_of
from drp.errors import DrpError
from drp.machine import Context, decide
from drp.model import Actor, Dispute
from store.errors import StoreError
from store.schedule import OpenAction
from store.store import Store, Transaction
from teams_bot.notifier import Notifier
from teams_bot.outbox_kinds import Origin, dedupe_key

log = logging.getLogger(__name__)

OriginOf = Callable[[Transaction, Dispute], Awaitable[Origin]]


def reminder_key(action: OpenAction) -> str:
    """One reminder per action and complete-by date."""
    day = action.complete_by.isoformat()
    return dedupe_key(action.reference, "action", action.number, day, "reminder")


class ActionSweep:
    """Owes the reminders and notes the passed actions due at one tick."""

    def __init__(self, store: Store, ctx: Context, morning: time, origin: OriginOf) -> None:
        self.store = store
        self.ctx = ctx
        self.morning = morning
        self.origin = origin

    async def tick(self, now: datetime) -> tuple[int, int]:
        """(reminders newly owed, actions newly noted as passed)."""
        reminded = await self._remind(now)
        noted = await self._note_passed(now)
        return reminded, noted

    async def _remind(self, now: datetime) -> int:
        cal = self.ctx.calendar
        today = cal.local_date(now)
        horizon = cal.next_working_day(today)
        count = 0
        async with self.store.transaction() as tx:
            found = await tx.schedule.open_actions(due_by=horizon, due_from=today)
            due = [a for a in found if a.owner and self._reminds(a, now)]
            owed = await tx.schedule.owed([reminder_key(a) for a in due])
            notifier = Notifier(tx, self.ctx)
            for action in due:
                key = reminder_key(action)
                if key in owed:
                    continue
                origin = await self.origin(tx, await tx.disputes.get(action.reference))
                count += await notifier.action_reminder(action, key, origin, now)
        return count

    def _reminds(self, action: OpenAction, now: datetime) -> bool:
        day = reminder_day(action.complete_by, self.ctx.calendar)
        return now >= morning_of(self.ctx.calendar, day, self.morning)

    async def _note_passed(self, now: datetime) -> int:
        today = self.ctx.calendar.local_date(now)
        async with self.store.transaction(readonly=True) as tx:
            passed = await tx.schedule.open_actions(due_by=today, unnoted=True)
        late = sorted((a for a in passed if a.complete_by < today), key=lambda a: a.reference)
        count = 0
        for reference, actions in groupby(late, key=lambda a: a.reference):
            try:
                count += await self._note(reference, [a.number for a in actions], now)
            except StoreError as error:
                problem = type(error).__name__
                log.warning("dispute %s: passed action not noted (%s)", reference, problem)
        return count

    async def _note(self, reference: str, numbers: list[int], now: datetime) -> int:
        async with self.store.transaction() as tx:
            dispute = await tx.disputes.get(reference, lock=True)
            origin = await self.origin(tx, dispute)
            notifier = Notifier(tx, self.ctx)
            count = 0
            for number in numbers:
                try:
                    noting = NoteActionPassed(Actor.system(), now, number)
                    decision = decide(dispute, noting, self.ctx)
                except DrpError:
                    continue  # ticked or noted meanwhile
                await tx.disputes.save(decision, expected_version=dispute.version)
                await notifier.fan_out(dispute, decision, origin, now)
                dispute = decision.dispute
                count += 1
            log.info("dispute %s: %d agreed action(s) noted passed", reference, count)
            return count
