"""The one writer of the outbox: what a decision, a deadline, a morning, a failed send or a
compliment owes, as typed rows, inside the caller's transaction.

Delivery happens after commit (``wake``), from the outbox, so nothing is lost or sent twice.
A dry run (``drp-bot due``) gives the notifier a writer that records instead of writing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime

from drp.deadlines import Due, Moment, Occasion, instant_key
from drp.machine import Context, Decision
from drp.model import Dispute
from drp.roles import Role
from drp.routing import Audience, mailbox_copies, notices
from store.outbox import Owing
from store.rows import OutboxMessage
from store.schedule import OpenAction
from store.store import Transaction
from teams_bot import parties
from teams_bot.outbox_kinds import (
    MONITORING_RECIPIENT,
    REFRESH_RECIPIENT,
    ActionReminder,
    ComplimentSent,
    Digest,
    EventMessage,
    LeaverFlag,
    MailboxCopy,
    MonitoringNote,
    Origin,
    OutboxKind,
    OutboxWriter,
    Owed,
    Refresh,
    Reminder,
    board_key,
    dedupe_key,
    event_key,
    mailbox_recipient,
)
from teams_bot.turn import Where

MAX_NOTED_ERROR = 200  # characters of a failed send's error on the monitoring channel


class TransactionOutbox:
    """The outbox of one transaction, as the notifier writes it."""

    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    async def owe(self, owed: Owed) -> bool:
        """Write the row unless its dedupe key is owed already."""
        return await self._tx.outbox.enqueue(
            owed.recipient,
            owed.kind.value,
            owed.key,
            owed.payload.to_json(),
            due_at=owed.due_at,
            reference=owed.reference,
        )

    async def owe_all(self, rows: Sequence[Owed]) -> None:
        """Write every row whose dedupe key is not owed already, in one statement."""
        await self._tx.outbox.enqueue_all(
            [
                Owing(
                    owed.recipient,
                    owed.kind.value,
                    owed.key,
                    owed.payload.to_json(),
                    owed.due_at,
                    owed.reference,
                )
                for owed in rows
            ]
        )

    async def already_owed(self, keys: list[str]) -> set[str]:
        """Which of these keys the outbox holds (sent, pending or failed)."""
        return await self._tx.schedule.owed(keys)


class Notifier:
    """Owes messages through one writer (by default the transaction's outbox)."""

    def __init__(self, tx: Transaction, ctx: Context, writer: OutboxWriter | None = None) -> None:
        self.tx = tx
        self.ctx = ctx
        self.writer: OutboxWriter = writer or TransactionOutbox(tx)

    async def fan_out(
        self, before: Dispute | None, decision: Decision, origin: Origin, now: datetime
    ) -> None:
        """Owe everyone the policy names a message, and every posted card an update (all of it
        written in one statement)."""
        dispute, event = decision.dispute, decision.event
        ref = dispute.reference
        rows: list[Owed] = []
        for notice in notices(self.ctx.policy, before, dispute, event):
            kind = (
                OutboxKind.DISPUTE_CARD if notice.audience == Audience.ACT else OutboxKind.NOTICE
            )
            payload = EventMessage(event.kind.value, event.sequence, origin, notice.audience.value)
            people = await parties.notice_people(self.tx, notice, dispute, self.ctx.policy.roles)
            for person_id in people:
                if person_id == event.actor:
                    continue
                key = event_key(ref, event.sequence, kind, person_id)
                rows.append(Owed(person_id, kind, key, payload, now, ref))
        refresh = Refresh(event.sequence, origin, event=event.kind.value)
        key = event_key(ref, event.sequence, OutboxKind.REFRESH)
        rows.append(Owed(REFRESH_RECIPIENT, OutboxKind.REFRESH, key, refresh, now, ref))
        rows.extend(self._mailbox_copies(decision, now))
        await self.writer.owe_all(rows)

    def _mailbox_copies(self, decision: Decision, now: datetime) -> list[Owed]:
        """A copy of the step for each mailbox the policy copies it to (seed 000's monitoring
        mailbox, seed 004's partnership address); sent by e-mail."""
        dispute, event = decision.dispute, decision.event
        rows = []
        for mailbox in mailbox_copies(self.ctx.policy, event):
            recipient = mailbox_recipient(mailbox.key)
            copy = MailboxCopy(mailbox.key, event.kind.value, event.sequence)
            key = event_key(dispute.reference, event.sequence, OutboxKind.MAILBOX_COPY, recipient)
            rows.append(
                Owed(recipient, OutboxKind.MAILBOX_COPY, key, copy, now, dispute.reference)
            )
        return rows

    async def escalated_automatically(
        self, decision: Decision, origin: Origin, now: datetime
    ) -> None:
        """The chair hears that their dispute went up without them (routing tells the new
        stage only); the key is fan-out's, so it is never owed twice."""
        dispute, event = decision.dispute, decision.event
        payload = EventMessage(
            event.kind.value, event.sequence, origin, Audience.INFORM.value, automatic=True
        )
        key = event_key(dispute.reference, event.sequence, OutboxKind.NOTICE, dispute.raised_by)
        owed = Owed(dispute.raised_by, OutboxKind.NOTICE, key, payload, now, dispute.reference)
        await self.writer.owe(owed)

    async def board(self, disputes: Iterable[Dispute], where: Where, now: datetime) -> None:
        """A new monitoring channel: each open dispute's refresh posts its board card there."""
        origin = Origin(where.service_url, "")
        for dispute in disputes:
            ref = dispute.reference
            key = board_key(ref, dispute.version, where.conversation_id)
            refresh = Refresh(dispute.version, origin)
            await self.writer.owe(
                Owed(REFRESH_RECIPIENT, OutboxKind.REFRESH, key, refresh, now, ref)
            )

    async def erased(self, references: Iterable[str], now: datetime) -> None:
        """Retention erased these disputes: redraw every card of them still in a chat, so the
        Teams copies show the erased view too (no event: the dispute's version is unchanged)."""
        for ref in references:
            key = dedupe_key(ref, "erased", OutboxKind.REFRESH.value)
            refresh = Refresh(0, Origin("", ""), event="erased")
            await self.writer.owe(
                Owed(REFRESH_RECIPIENT, OutboxKind.REFRESH, key, refresh, now, ref)
            )

    async def deadlines(self, found: Sequence[tuple[Due, Dispute, Origin]]) -> int:
        """Owe what deadline moments (not the overdue step itself) bring: refreshes that turn
        cards amber or red, reminders; returns how many were newly owed."""
        overseers: tuple[str, ...] = ()
        if any(isinstance(due.what, Occasion) and due.what.overall for due, _, _ in found):
            # Issue 14.3: the chairs' service manager hears of the overall limit too.
            holders = await self.tx.directory.holders(Role.CHAIRS_SERVICE_MANAGER)
            overseers = tuple(p.id for p in holders)
        rows = [
            row
            for due, dispute, origin in found
            for row in deadline_rows(due, dispute, origin, overseers)
        ]
        owed = await self.writer.already_owed([row.key for row in rows])
        count = 0
        for row in rows:
            if row.key not in owed:
                count += await self.writer.owe(row)
        return count

    async def action_reminder(
        self, action: OpenAction, key: str, origin: Origin, now: datetime
    ) -> bool:
        """Remind an agreed action's owner the working day before its date (issue 14.4)."""
        payload = ActionReminder(action.number, action.complete_by, origin)
        kind = OutboxKind.ACTION_REMINDER
        return await self.writer.owe(Owed(action.owner, kind, key, payload, now, action.reference))

    async def digests(self, people: Sequence[str], day: date, origin: Origin, at: datetime) -> int:
        """Owe each person the morning's digest, unless today's went out before a restart
        (someone who came to owe something since sees it in tomorrow's)."""
        keys = {
            person: dedupe_key(OutboxKind.DIGEST.value, day.isoformat(), person)
            for person in people
        }
        if await self.writer.already_owed(list(keys.values())):
            return 0
        payload = Digest(day, origin)
        count = 0
        for person, key in keys.items():
            count += await self.writer.owe(Owed(person, OutboxKind.DIGEST, key, payload, at))
        return count

    async def monitoring_note(
        self, kind: OutboxKind, message: OutboxMessage, error: str, now: datetime
    ) -> None:
        """A note on the monitoring channel about a message given up or a chat refused."""
        note = MonitoringNote(
            message.recipient, message.kind, message.attempts, error[:MAX_NOTED_ERROR], message.id
        )
        key = dedupe_key(kind.value, message.id)
        await self.writer.owe(Owed(MONITORING_RECIPIENT, kind, key, note, now, message.reference))

    async def leaver_flag(
        self, dispute: Dispute, person_id: str, parts: tuple[str, ...], now: datetime
    ) -> bool:
        """Flag on the board that someone left holding the dispute with nobody to take it on;
        once per leaver and dispute."""
        flag = LeaverFlag(person_id, parts, dispute.stage)
        key = dedupe_key(OutboxKind.LEAVER_FLAG.value, person_id, dispute.reference)
        owed = Owed(
            MONITORING_RECIPIENT, OutboxKind.LEAVER_FLAG, key, flag, now, dispute.reference
        )
        return await self.writer.owe(owed)

    async def compliment(
        self, compliment_id: int, recipients: Iterable[str], origin: Origin, now: datetime
    ) -> None:
        """A compliment card for each recipient."""
        payload = ComplimentSent(compliment_id, origin)
        for person_id in dict.fromkeys(recipients):
            key = dedupe_key(OutboxKind.COMPLIMENT.value, compliment_id, person_id)
            await self.writer.owe(Owed(person_id, OutboxKind.COMPLIMENT, key, payload, now))


def deadline_rows(
    due: Due, dispute: Dispute, origin: Origin, overseers: tuple[str, ...] = ()
) -> list[Owed]:
    """The rows one deadline moment owes: a refresh (amber, red) or reminders (about the
    overall limit, to the chair and ``overseers`` too)."""
    ref = dispute.reference
    if isinstance(due.what, Moment):
        refresh = Refresh(dispute.version, origin, moment=due.what.value)
        return [Owed(REFRESH_RECIPIENT, OutboxKind.REFRESH, due.key(), refresh, due.at, ref)]
    occasion: Occasion = due.what
    reminder = Reminder(occasion.value, due.stage, instant_key(due.deadline), origin)
    people = dispute.owners if occasion.for_owner else (dispute.raised_by,)
    if occasion.overall:
        people = tuple(dict.fromkeys((dispute.raised_by, *overseers)))
    return [
        Owed(person, OutboxKind.REMINDER, due.key(person), reminder, due.at, ref)
        for person in people
    ]
