"""Mailbox copies (outbox kind ``mailbox_copy``): a step of a dispute e-mailed to a mailbox the
policy names, rendered from the store when it goes and sent through the SMTP ``Mailer``.

Without a mailer (``DRP_SMTP_URL`` unset) no copy is owed at all: ``without_mailboxes`` takes
the mailboxes out of the running policy and ``copies_not_sent`` says which, for ``serve`` to
log at start.
"""

from __future__ import annotations

from dataclasses import replace

from cards.mail import mailbox_copy
from drp.machine import Context
from drp.policy import Mailbox, Policy
from store.rows import OutboxMessage
from teams_bot.delivery.mail import Mail, Mailer
from teams_bot.delivery.senders import Outlet, Sender, Senders, SendResult
from teams_bot.outbox_kinds import MailboxCopy, OutboxKind
from teams_bot.turn import DeliveryError


def register(senders: Senders, mailer: Mailer) -> None:
    """Send mailbox copies through ``mailer``."""
    senders.register(OutboxKind.MAILBOX_COPY, _sender(mailer))


def _sender(mailer: Mailer) -> Sender:
    async def send(outlet: Outlet, message: OutboxMessage) -> SendResult:
        copy = MailboxCopy.from_json(message.payload)
        policy = outlet.renderer.ctx.policy
        mailbox = next((m for m in policy.mailboxes if m.key == copy.mailbox), None)
        if mailbox is None:
            return SendResult(skipped="the mailbox is no longer in the policy")
        async with outlet.store.transaction(readonly=True) as tx:
            dispute = await tx.disputes.find(message.reference or "")
            if dispute is None:
                raise DeliveryError(404, "dispute no longer exists")
            view = await outlet.renderer.view(tx, dispute)
        event = next((e for e in view.events if e.sequence == copy.sequence), None)
        if event is None:
            raise DeliveryError(404, "the step is not in the dispute's history")
        text = mailbox_copy(view, event, mailbox, policy)
        await mailer.send(Mail((mailbox.address,), text.subject, text.text))
        return SendResult()

    return send


def copies_not_sent(policy: Policy) -> str:
    """What ``serve`` says at start when the policy copies steps to mailboxes but no SMTP
    server is configured ("" if it copies to none)."""
    if not policy.mailboxes:
        return ""
    listed = "; ".join(_describe(mailbox) for mailbox in policy.mailboxes)
    return f"DRP_SMTP_URL is not set: these mailbox copies will not be sent: {listed}"


def _describe(mailbox: Mailbox) -> str:
    steps = ", ".join(mailbox.stages) or "every step"
    return f"{mailbox.title} <{mailbox.address}> (steps {steps})"


def without_mailboxes(ctx: Context) -> Context:
    """The running context with no mailbox copies owed (no mailer to send them)."""
    if not ctx.policy.mailboxes:
        return ctx
    return replace(ctx, policy=replace(ctx.policy, mailboxes=()))
