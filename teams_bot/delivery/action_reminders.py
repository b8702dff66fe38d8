"""The reminder an agreed action's owner gets the working day before its complete-by date
(issue 14.4): the dispute's reference and the action, never a child's name or initials;
rendered when it goes, and skipped if the action was done (or handed on) meanwhile."""

from __future__ import annotations

from cards.banners import notice_card
from cards.text import format_date, shorten
from store.rows import OutboxMessage, Person
from store.store import Transaction
from teams_bot.delivery.senders import Outlet, Rendered
from teams_bot.outbox_kinds import ActionReminder

TITLE = "Reminder: an agreed action is due"
TEXT = "{ref}: agreed action {number} is due by {day}. Tick it done on the dispute's card."
ACTION_TEXT = 300  # characters of the action shown


async def action_reminder(
    outlet: Outlet, tx: Transaction, message: OutboxMessage, person: Person
) -> Rendered | str:
    """The owner's reminder, unless the action is done or no longer theirs."""
    dispute = await tx.disputes.find(message.reference or "")
    if dispute is None or dispute.erased_at is not None:
        return "the dispute is gone"
    reminder = ActionReminder.from_json(message.payload)
    action = next((a for a in dispute.actions if a.number == reminder.number), None)
    if action is None or action.done or action.owner != person.id:
        return "the action was done or is no longer theirs"
    day = format_date(action.complete_by)
    text = TEXT.format(ref=dispute.reference, number=action.number, day=day)
    facts = [
        ("Reference", dispute.reference),
        ("Action", shorten(action.text, ACTION_TEXT)),
        ("Complete by", day),
    ]
    card = notice_card(
        TITLE,
        text,
        facts,
        reference=dispute.reference,
        version=dispute.version,
        key_factory=outlet.renderer.keys,
    )
    return Rendered(card)
