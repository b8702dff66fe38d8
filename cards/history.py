"""A dispute's events in words, for the card's compact history."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from cards.text import format_due, format_instant, plain
from cards.views import DisputeView, step_label, tier_label
from drp.events import (
    ActionDone,
    ActionPassed,
    Approved,
    CloseProposed,
    Concluded,
    Corrected,
    Declined,
    Escalated,
    Event,
    EventKind,
    Extended,
    HarmAlerted,
    OverdueNoted,
    Payload,
    Raised,
    Referred,
    Reopened,
    Resolved,
    Responded,
    Withdrawn,
)
from drp.governance import ChildField
from drp.policy import Policy, Process

HISTORY_LIMIT = 20
EVENT_TEXT = 160


def latest_response(events: tuple[Event, ...]) -> tuple[Event, Responded] | None:
    """The most recent response event and its payload, if any."""
    for event in reversed(events):
        if isinstance(event.payload, Responded):
            return event, event.payload
    return None


def history_facts(
    view: DisputeView, policy: Policy, limit: int = HISTORY_LIMIT, text: int = EVENT_TEXT
) -> tuple[list[tuple[str, str]], int]:
    """(when, "who: what") for the latest ``limit`` events, and how many are left out."""
    process = policy.process(view.dispute.process)
    shown = view.events[-limit:] if limit else ()
    facts = []
    for event in shown:
        line = f"{view.name(event.actor)}: {describe(event, process, policy)}"
        facts.append((format_instant(event.at), plain(line, text)))
    return facts, len(view.events) - len(shown)


def describe(event: Event, process: Process, policy: Policy) -> str:
    """One line saying what the event did, with its key text shortened."""
    match event.payload:
        case Raised() as p:
            pending = " (awaiting agreement to send)" if p.awaiting_approval else ""
            late = " (raised late)" if p.late else ""
            said = f"raised it at {step_label(process, p.to)}{pending}{late}"
            return said + _consulted(p.consulted)
        case Responded() as p:
            return "responded" + ("" if p.on_time else " after the deadline")
        case OverdueNoted():
            return "the response deadline passed"
        case Escalated() as p:
            how = "escalated it automatically" if p.automatic else "escalated it"
            # Awaiting agreement the dispute stays where it was: name where it is going.
            to = p.to or event.to_stage
            pending = " (awaiting agreement to send)" if p.awaiting_approval else ""
            where = tier_label(policy, process, to, p.tier)
            words = f"{how} to {where}{pending}{_consulted(p.consulted)}"
            if p.skipped:  # seed 004 §2.10: the tiers nobody could take on, and why
                words += f"; passed over {p.skipped}"
        case Referred() as p:
            words = f"referred it to {_referral(policy, p.target)}"
        case Extended() as p:
            words = f"agreed further work until {format_due(p.due_at)}"
        case Corrected() as p:
            words = f"corrected {ChildField.label_of(p.field)}"  # never the old value
        case CloseProposed() as p:
            words = f"proposed closing it as {p.outcome} (awaiting agreement)"
        case Resolved(agreed=True) | Concluded(agreed=True):
            words = f"agreed it is {event.kind.value}"
        case ActionDone() | ActionPassed() | Reopened() as p:
            words = _tracking(p, process)
        case p:
            words = _WORDS[p.kind]
    return _with(words, written(event.payload))


def _tracking(payload: ActionDone | ActionPassed | Reopened, process: Process) -> str:
    """Agreed actions tracked (issue 14.4): one ticked, one passed, the dispute reopened."""
    if isinstance(payload, ActionDone):
        return f"ticked action {payload.number} done"
    if isinstance(payload, ActionPassed):
        return f"action {payload.number} passed its complete-by date, not done"
    how = "reopened it and escalated it" if payload.escalated else "reopened it"
    pending = " (awaiting agreement to send)" if payload.awaiting_approval else ""
    return f"{how} to {step_label(process, payload.to)}{pending}: agreed actions not done"


_WORDS = {
    EventKind.APPROVED: "agreed it may be sent",
    EventKind.DECLINED: "declined to agree",
    EventKind.RESOLVED: "marked it resolved",
    EventKind.IMMEDIATE_HARM: "raised an immediate-harm alert",
    EventKind.WITHDRAWN: "withdrew it",
    EventKind.CONCLUDED: "concluded it",
    EventKind.HANDED_OVER: "handed a leaver's part in it to their successor",
}


def written(payload: Payload) -> str:
    """What the person wrote with the step: comments, reason, details, outcome, agreed work."""
    match payload:
        case Approved(comments=text) | Resolved(comments=text) | Concluded(outcome=text):
            return text
        case Declined(reason=text) | Withdrawn(reason=text) | Escalated(reason=text):
            return text
        case Referred(reason=text) | HarmAlerted(details=text) | Extended(agreed_work=text):
            return text
        case Responded(response=text) | Corrected(reason=text) | CloseProposed(text=text):
            return text
        case Reopened(reason=text):
            return text
    return ""


def conference_date(events: Sequence[Event]) -> date | None:
    """The date of the child protection conference the raiser gave (seed 002's form), if any."""
    for event in events:
        if isinstance(event.payload, Raised) and event.payload.conference_date:
            return date.fromisoformat(event.payload.conference_date)
    return None


def _consulted(who: str) -> str:
    """Whom the raiser consulted before the step, where the stage asks (Stage.consult)."""
    return f" (consulted: {_short(who)})" if who.strip() else ""


def _with(text: str, value: str) -> str:
    if value.strip():
        return f"{text}: {_short(value)}"
    return text


def _short(value: str) -> str:
    one_line = " ".join(value.split())
    return one_line if len(one_line) <= EVENT_TEXT else one_line[: EVENT_TEXT - 1] + "…"


def _referral(policy: Policy, key: str) -> str:
    try:
        return policy.referral(key).title
    except KeyError:
        return key or "an outside body"
