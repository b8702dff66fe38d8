"""E-mail notices for partners outside the council's Teams (directory ``channel`` ``email``).

The Teams senders of dispute cards, notices and reminders are wrapped: for an e-mail-only
person the same outbox row becomes an e-mail with the reference, the stage, the deadline and
a link to the secure response page, and nothing about the child or the concern. Reminders keep
the Teams schedule (the same rows); digests are Teams-only and skipped for them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from cards.text import format_date
from drp.deadlines import still_owed
from drp.model import Dispute
from store.rows import OutboxMessage, Person
from teams_bot.delivery import notices
from teams_bot.delivery.mail import Mail, Mailer
from teams_bot.delivery.senders import Outlet, Sender, Senders, SendResult
from teams_bot.delivery.steps import step_title
from teams_bot.outbox_kinds import EventMessage, OutboxKind
from teams_bot.respond.tokens import LinkKeys
from teams_bot.turn import DeliveryError

PATH = "/respond/"
NO_MAILER = "e-mail-only recipient and no DRP_SMTP_URL to send with"
FOOTER = (
    "When you open the link we e-mail you a one-time code to type in: the link works only for "
    "you, and only until the deadline. For the child's privacy this e-mail does not say who "
    "the dispute is about or what it concerns; the secure page does."
)


@dataclass(frozen=True, slots=True)
class PartnerMail:
    """What partner e-mail needs: the mailer (None: DRP_SMTP_URL unset), the link keys and the
    bot's public address the links start with (``https://host``)."""

    mailer: Mailer | None
    keys: LinkKeys
    public_url: str

    def link(self, person: Person, dispute: Dispute) -> str:
        """The person's link to the dispute's current step ("" when the step has no deadline)."""
        token = self.keys.token(person.id, dispute)
        return f"{self.public_url.rstrip('/')}{PATH}{token}" if token else ""


def register(senders: Senders, partners: PartnerMail) -> None:
    """Route dispute cards, notices, reminders and digests for e-mail-only people to e-mail."""
    for kind in (OutboxKind.DISPUTE_CARD, OutboxKind.NOTICE, OutboxKind.REMINDER):
        senders.wrap(kind, _chooser(kind, partners))
    senders.wrap(OutboxKind.DIGEST, _chooser(None, partners))


def _chooser(kind: OutboxKind | None, partners: PartnerMail) -> Callable[[Sender], Sender]:
    def wrap(teams: Sender) -> Sender:
        return _by_channel(teams, kind, partners)

    return wrap


def _by_channel(teams: Sender, kind: OutboxKind | None, partners: PartnerMail) -> Sender:
    async def send(outlet: Outlet, message: OutboxMessage) -> SendResult:
        async with outlet.store.transaction(readonly=True) as tx:
            person = await tx.directory.person(message.recipient)
            partner = person is not None and person.by_email
            dispute = await tx.disputes.find(message.reference or "") if partner else None
        if person is None or not partner:
            return await teams(outlet, message)
        if kind is None:
            return SendResult(skipped="the morning digest is for Teams users")
        if not person.active:
            return SendResult(skipped="the recipient has left")
        if dispute is None:
            raise DeliveryError(404, "dispute no longer exists")
        mail = partner_mail(outlet, message, kind, person, dispute, partners)
        if isinstance(mail, str):
            return SendResult(skipped=mail)
        if partners.mailer is None:
            raise DeliveryError(422, NO_MAILER)
        await partners.mailer.send(mail)
        return SendResult()

    return send


def partner_mail(
    outlet: Outlet,
    message: OutboxMessage,
    kind: OutboxKind,
    person: Person,
    dispute: Dispute,
    partners: PartnerMail,
) -> Mail | str:
    """The e-mail for one outbox row, or why none is owed any more."""
    ctx = outlet.renderer.ctx
    if kind == OutboxKind.REMINDER and not still_owed(
        dispute, message.payload, person.id, outlet.clock()
    ):
        return "the dispute moved on"
    ref = dispute.reference
    due = format_date(ctx.calendar.local_date(dispute.due_at)) if dispute.due_at else "none"
    acts = kind == OutboxKind.DISPUTE_CARD or person.id in dispute.owners
    if kind == OutboxKind.REMINDER:
        subject = f"{ref}: reminder, your response is due {due}"
    elif kind == OutboxKind.DISPUTE_CARD:
        subject = f"{ref}: your response is needed by {due}"
    else:
        event = EventMessage.from_json(message.payload).event
        subject = f"{ref}: {step_title(event).lower()}"
    lines = [
        f"Dispute resolution: {ctx.policy.name}",
        "",
        f"Reference: {ref}",
        f"Stage: {notices.stage_title(dispute, ctx)}",
        f"Deadline: {due}",
        f"Status: {dispute.status.label}",
    ]
    if acts:
        lines += ["", "You are asked to respond, with a SMART action plan, by the deadline."]
    link = partners.link(person, dispute)
    if link:
        lines += ["", "Open the secure page to read the dispute and answer:", link, "", FOOTER]
    return Mail((person.email,), subject, "\n".join(lines) + "\n")
