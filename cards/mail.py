"""E-mail a policy's mailbox gets of a dispute's step: plain text, rendered at send time.

An ordinary mailbox gets the reference, the step, the stage, its deadlines and who acted, and
nothing about the children or the concern: e-mail leaves the bot's reach. Only a mailbox the
profile marks ``secure`` gets the children's names, their local IDs and the concern's text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cards.history import describe
from cards.text import format_date, format_due, format_instant
from cards.views import DisputeView, step_label
from drp.events import Event
from drp.model import Dispute
from drp.policy import Mailbox, Policy

_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029]+")
NOT_INCLUDED = (
    "The children's names and the concern are not in this e-mail. Anyone with a part in the "
    "dispute can open it in Teams (the DRP app) by its reference."
)


@dataclass(frozen=True, slots=True)
class MailText:
    """An e-mail's subject (one line) and plain-text body."""

    subject: str
    text: str


def one_line(text: str) -> str:
    """Text safe for a header: no line breaks (no header injection), spaces collapsed."""
    return " ".join(_LINE_BREAKS.sub(" ", text).split())


def mailbox_copy(view: DisputeView, event: Event, mailbox: Mailbox, policy: Policy) -> MailText:
    """The copy of one step of a dispute for a policy's mailbox."""
    dispute = view.dispute
    # The step as it happened (the copy may go after the dispute has moved on).
    stage = step_label(policy.process(dispute.process), event.to_stage or event.from_stage)
    subject = one_line(f"{dispute.reference}: {event.kind.label} ({stage})")
    lines = [
        policy.title,
        f"A copy of a step of a dispute, for the {mailbox.title}.",
        "",
        *_facts(view, event, policy, stage),
        "",
    ]
    lines += _details(view, event, policy) if mailbox.secure else [NOT_INCLUDED]
    return MailText(subject, "\n".join(lines) + "\n")


def _facts(view: DisputeView, event: Event, policy: Policy, stage: str) -> list[str]:
    dispute = view.dispute
    facts = [
        ("Reference", dispute.reference),
        ("Step", event.kind.label),
        ("When", format_instant(event.at)),
        ("By", f"{view.name(event.actor)} ({policy.role_title(event.actor_role)})"),
        ("Stage", stage),
        ("Status now", dispute.status.label),
        ("Team", dispute.team),
    ]
    facts += _deadlines(dispute)
    return [f"{name}: {one_line(value)}" for name, value in facts]


def _deadlines(dispute: Dispute) -> list[tuple[str, str]]:
    found = []
    if dispute.is_open and dispute.due_at is not None:
        found.append(("Response due", format_due(dispute.due_at)))
    if dispute.is_open and dispute.review_due_at is not None:
        found.append(("Chair's review due", format_due(dispute.review_due_at)))
    if dispute.is_open and dispute.overall_due_at is not None:
        found.append(("Overall deadline", format_due(dispute.overall_due_at)))
    if not dispute.is_open and dispute.outcome is not None:
        found.append(("Outcome", dispute.outcome.value.replace("_", " ")))
    return found


def _details(view: DisputeView, event: Event, policy: Policy) -> list[str]:
    """What only a secure mailbox gets: the children, the concern and the step in words."""
    dispute = view.dispute
    process = policy.process(dispute.process)
    children = [
        f"- {child.name} ({policy.local_id_label} {child.local_id}"
        + (f", born {format_date(child.dob)})" if child.dob else ")")
        for child in dispute.children
    ]
    concern = dispute.concern
    return [
        f"What happened: {view.name(event.actor)} {describe(event, process, policy)}",
        "",
        "Children:",
        *children,
        "",
        "Summary of concern:",
        concern.summary,
        "",
        "Impact on the child:",
        concern.impact,
    ]
