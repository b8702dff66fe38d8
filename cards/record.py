"""The case record for the child's file: every step of one dispute, and its Teams card.

Pure functions over a ``CaseRecord`` (the dispute, its events, names from the directory and
who each stage went to). Its printable HTML page and Markdown are in ``exports.record``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from cards import elements as el
from cards.elements import Json
from cards.history import written
from cards.text import escape, format_date, format_due, format_instant, plain, shorten
from cards.views import DisputeView, step_label, tier_label
from drp.events import (
    ActionDone,
    ActionPassed,
    Approved,
    CloseProposed,
    Concluded,
    Corrected,
    Escalated,
    Event,
    EventKind,
    Extended,
    HandedOver,
    HarmAlerted,
    OverdueNoted,
    Payload,
    Raised,
    Referred,
    Reopened,
    Resolved,
    Responded,
)
from drp.governance import ChildField
from drp.model import SYSTEM, Dispute, Outcome
from drp.policy import OTHER_CATEGORY, Policy, Process

CARD_TEXT = 600  # characters of each long text on the Teams card (the files have it all)
CARD_BUDGET = 24_000  # bytes of card JSON; Teams refuses messages over about 28 KB
OUTCOMES = {
    Outcome.RESOLVED: "Resolved",
    Outcome.WITHDRAWN: "Withdrawn",
    Outcome.REFERRED: "Referred outside the process",
    Outcome.CONCLUDED: "Concluded",
    Outcome.NOT_AGREED: "Not sent (agreement declined)",
}
_ENTERING = frozenset({EventKind.RAISED, EventKind.ESCALATED, EventKind.APPROVED})
MARKING = "OFFICIAL-SENSITIVE: personal information about a child. Keep on the child's file."


@dataclass(frozen=True, slots=True)
class Route:
    """Who a stage entry went to and its deadline (from the stage-visit projection)."""

    owners: tuple[str, ...]
    due_at: datetime | None


@dataclass(frozen=True, slots=True)
class CaseRecord:
    """A dispute with its chronology, as exported at one moment by one person."""

    view: DisputeView
    generated_at: datetime
    generated_by: str
    routes: Mapping[int, Route] = field(default_factory=dict)  # by entering event's sequence

    @property
    def dispute(self) -> Dispute:
        """The dispute recorded."""
        return self.view.dispute


@dataclass(frozen=True, slots=True)
class Step:
    """One step of the chronology in words: what, when, who, and the texts recorded."""

    sequence: int
    kind: EventKind
    at: datetime
    title: str
    who: str
    facts: tuple[tuple[str, str], ...] = ()
    texts: tuple[tuple[str, str], ...] = ()
    actions: tuple[tuple[str, str], ...] = ()  # (complete by, action)


# --- the chronology ---------------------------------------------------------------------------


def chronology(record: CaseRecord, policy: Policy) -> tuple[Step, ...]:
    """Every event of the dispute as a step, oldest first."""
    process = policy.process(record.dispute.process)
    return tuple(_step(record, event, process, policy) for event in record.view.events)


def _who(view: DisputeView, event: Event, policy: Policy) -> str:
    if event.actor == SYSTEM:
        return view.name(SYSTEM)
    return f"{view.name(event.actor)} ({policy.role_title(event.actor_role)})"


def _texts(*pairs: tuple[str, str]) -> tuple[tuple[str, str], ...]:
    """(label, text) for each text written, stripped; empty ones left out."""
    return tuple((label, text.strip()) for label, text in pairs if text.strip())


def _instant(value: datetime | None) -> str:
    return format_due(value) if value is not None else ""


def _route_facts(record: CaseRecord, event: Event) -> tuple[tuple[str, str], ...]:
    route = record.routes.get(event.sequence)
    if route is None:
        return ()
    facts = [("Sent to", ", ".join(record.view.name(p) for p in route.owners))]
    if not route.owners:
        facts = []  # the external step: nobody inside the authority responds
    if route.due_at is not None:
        facts.append(("Deadline", format_due(route.due_at)))
    return tuple(facts)


def _alerts(event: Event, process: Process, policy: Policy) -> tuple[tuple[str, str], ...]:
    """Who the policy alerts when a dispute enters this stage (or the external step)."""
    if event.kind not in _ENTERING or not event.to_stage or event.to_stage == event.from_stage:
        return ()
    final = process.final_step
    if final is not None and event.to_stage == final.key:
        roles = final.told
    elif process.has_stage(event.to_stage):
        roles = process.stage(event.to_stage).alerts
    else:
        roles = ()
    return (("Alerted", policy.roles.titles(roles)),) if roles else ()


def _step(record: CaseRecord, event: Event, process: Process, policy: Policy) -> Step:
    title, facts, texts = _describe(record, event, process, policy)
    actions: tuple[tuple[str, str], ...] = ()
    if isinstance(event.payload, Responded | Resolved | Extended):
        actions = tuple((format_date(a.complete_by), a.text) for a in event.payload.actions)
    return Step(
        sequence=event.sequence,
        kind=event.kind,
        at=event.at,
        title=title,
        who=_who(record.view, event, policy),
        facts=(*facts, *_route_facts(record, event), *_alerts(event, process, policy)),
        texts=texts,
        actions=actions,
    )


Described = tuple[str, tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]


def _describe(record: CaseRecord, event: Event, process: Process, policy: Policy) -> Described:
    stage = step_label(process, event.to_stage) if event.to_stage else ""
    match event.payload:
        case Raised() as p:
            return _raised(process, p)
        case Responded() as p:
            return _responded(record, event, p, process)
        case Escalated() as p:
            return _escalated(policy, process, p, stage)
        case Referred() as p:
            return _referred(policy, p)
        case HarmAlerted() as p:
            alerted = policy.roles.titles(policy.immediate_harm_alerts)
            return "Immediate-harm alert", (("Alerted", alerted),), _texts(("Details", p.details))
        case Extended() as p:
            facts = (("New deadline", format_due(p.due_at)),)
            texts = _texts(("Agreed work", p.agreed_work))
            return "Chair's review: further work agreed", facts, texts
        case Approved() as p:
            at = (("Stage", stage),) if stage else ()
            return "Agreed: sent", at, _texts(("Comments", p.comments))
        case HandedOver() as p:
            return _handed_over(record, p)
        case OverdueNoted() as p:
            return "Response deadline passed", (("Deadline was", _instant(p.due_at)),), ()
        case Corrected() as p:
            # That a detail was corrected and why; the old value is not kept anywhere.
            corrected = (("Corrected", ChildField.label_of(p.field)),)
            return "Correction of a child's details", corrected, _texts(("Reason", p.reason))
        case CloseProposed() | Resolved(agreed=True) | Concluded(agreed=True) as p:
            return _agreed_close(p)
        case p:
            return _other(record, p, process)


def _other(record: CaseRecord, payload: Payload, process: Process) -> Described:
    if isinstance(payload, ActionDone | ActionPassed | Reopened):
        return _tracked(record, payload, process)
    title, label = _SIMPLE[payload.kind]
    return title, (), _texts((label, written(payload)))


def _tracked(
    record: CaseRecord, payload: ActionDone | ActionPassed | Reopened, process: Process
) -> Described:
    """An agreed action ticked done or noted passed undone; the dispute reopened."""
    if isinstance(payload, Reopened):
        how = "Reopened and escalated" if payload.escalated else "Reopened"
        facts = (("To", step_label(process, payload.to)),)
        return f"{how}: agreed actions not done", facts, _texts(("Reason", payload.reason))
    number = payload.number
    action = next((a for a in record.dispute.actions if a.number == number), None)
    done = isinstance(payload, ActionDone)
    title = f"Agreed action {number} done" if done else f"Agreed action {number} passed, not done"
    if action is None:
        return title, (), ()
    facts = (("Complete by", format_date(action.complete_by)),)
    return title, facts, _texts(("Action", action.text))


def _agreed_close(payload: CloseProposed | Resolved | Concluded) -> Described:
    """A close proposed where the stage needs agreement, then agreed."""
    if isinstance(payload, CloseProposed):
        label = "Comments" if payload.outcome == "resolved" else "Outcome"
        title = f"Close as {payload.outcome} proposed: awaiting agreement"
        return title, (), _texts((label, payload.text))
    if isinstance(payload, Resolved):
        return "Agreed: resolved", (), _texts(("Comments", payload.comments))
    return "Agreed: concluded", (), _texts(("Outcome", payload.outcome))


_SIMPLE = {
    EventKind.DECLINED: ("Not agreed: not sent", "Reason"),
    EventKind.RESOLVED: ("Chair's review: resolved", "Comments"),
    EventKind.WITHDRAWN: ("Withdrawn", "Reason"),
    EventKind.CONCLUDED: ("Concluded", "Outcome"),
}


def _raised(process: Process, payload: Raised) -> Described:
    facts = [("Opened at", step_label(process, payload.to))]
    if payload.awaiting_approval:
        facts.append(("Agreement", "asked before sending"))
    if payload.late:
        facts.append(("Raised late", "after the policy's time limit for raising"))
    if payload.conference_date:
        conference = format_date(date.fromisoformat(payload.conference_date))
        facts.append(("Date of the child protection conference", conference))
    return "Dispute raised", tuple(facts), _texts(("Consulted first", payload.consulted))


def _question(process: Process, stage: str) -> str:
    """The question the stage asked the responder (Stage.response_asks), or "Answer"."""
    asked = process.stage(stage).response_asks if process.has_stage(stage) else ""
    return asked or "Answer"


def _responded(
    record: CaseRecord, event: Event, payload: Responded, process: Process
) -> Described:
    facts = [("Stage", step_label(process, event.from_stage))]
    behalf = payload.on_behalf_of.strip()
    if behalf:
        facts.append(("On behalf of", record.view.name(behalf)))
    if payload.due_at is not None:
        facts.append(("Deadline", format_due(payload.due_at)))
    facts.append(("On time", "Yes" if payload.on_time else "No, after the deadline"))
    texts = _texts(
        ("Response", payload.response),
        ("Practice development issues", payload.practice_issues),
        (_question(process, event.from_stage), payload.answer),
    )
    return "Response", tuple(facts), texts


def _escalated(policy: Policy, process: Process, payload: Escalated, stage: str) -> Described:
    target = tier_label(policy, process, payload.to, payload.tier) if payload.to else stage
    how = "automatically, the deadline having passed" if payload.automatic else "by the chair"
    facts = [("To", target), ("How", how)]
    if payload.awaiting_approval:
        facts.append(("Agreement", "asked of the chairs' service manager before sending"))
    if payload.skipped:  # seed 004 §2.10: tiers of management nobody could take on
        facts.append(("Tiers passed over", payload.skipped))
    texts = _texts(
        ("Reason for escalation", payload.reason),
        ("Updated concerns and recommendations", payload.updated_concerns),
        ("Consulted first", payload.consulted),
    )
    return "Chair's review: not resolved, escalated", tuple(facts), texts


def _handed_over(record: CaseRecord, payload: HandedOver) -> Described:
    facts = (
        ("From", record.view.name(payload.leaver)),
        ("To", record.view.name(payload.successor)),
        ("As", ", ".join(payload.parts)),
    )
    return "Handed over: the holder left the organisation", facts, ()


def _referred(policy: Policy, payload: Referred) -> Described:
    key = payload.target
    try:
        target = policy.referral(key).title
    except KeyError:
        target = key or "an outside body"
    alongside = "Yes" if payload.concurrent else "No: the dispute closed"
    facts = (("To", target), ("Dispute continues alongside", alongside))
    texts = _texts(("Reason", payload.reason), ("Consulted", payload.consulted))
    return f"External referral: {target}", facts, texts


# --- the facts at the top ---------------------------------------------------------------------


def category_title(policy: Policy, dispute: Dispute) -> str:
    """The titles of the categories ticked, from the policy, separated by "; ", with the
    raiser's words for "Other"."""
    concern = dispute.concern
    titles = []
    for key in concern.categories:
        try:
            title = policy.category(key).title
        except KeyError:
            title = key
        other = key == OTHER_CATEGORY or len(concern.categories) == 1
        titles.append(
            f"{title}: {concern.category_other}" if other and concern.category_other else title
        )
    return "; ".join(titles)


def category_label(dispute: Dispute) -> str:
    """ "Categories" where several were ticked, else "Category"."""
    return "Categories" if len(dispute.concern.categories) > 1 else "Category"


def outcome_text(dispute: Dispute) -> str:
    """``Resolved on Fri 27 Nov 2026 14:00``, or ``Open: Awaiting response``."""
    if dispute.is_open or dispute.outcome is None:
        return f"Open: {dispute.status.label}"
    when = f" on {format_instant(dispute.closed_at)}" if dispute.closed_at else ""
    return f"{OUTCOMES.get(dispute.outcome, dispute.outcome.value)}{when}"


def summary_facts(record: CaseRecord, policy: Policy) -> list[tuple[str, str]]:
    """Reference, policy, raiser, dates, team, practitioner, category, current state."""
    d, view = record.dispute, record.view
    process = policy.process(d.process)
    facts = [
        ("Reference", d.reference),
        ("Process", f"{policy.title}: {process.title}"),
        ("Raised by", f"{view.name(d.raised_by)} ({policy.role_title(d.raiser_role)})"),
        ("Raised", format_instant(d.raised_at)),
        ("Date of concern", format_date(d.date_of_concern)),
        ("Team", view.team_title or d.team),
    ]
    if d.practitioner:
        facts.append(("Practitioner", view.name(d.practitioner)))
    if d.child_on_plan:
        facts.append(("Child on a plan", "Yes"))
    if policy.categories:
        facts.append((category_label(d), category_title(policy, d)))
    if d.concern.issue_type:
        facts.append(("Issue type", d.concern.issue_type))
    now = tier_label(policy, process, d.stage, d.tier) if d.stage else ""
    facts.append(("Stage now", now or step_label(process, d.pending_stage)))
    facts.append(("Outcome", outcome_text(d)))
    if d.reopened:
        facts.append(("Reopened", f"{d.reopened} time(s): agreed actions not done"))
    return facts


def child_rows(record: CaseRecord) -> list[tuple[str, str, str]]:
    """(name, local ID, date of birth) for each child."""
    erased = record.dispute.erased_at
    if erased is not None:
        return [(f"Erased on {format_date(erased.date())} (retention period)", "—", "—")]
    return [
        (c.name, c.local_id, format_date(c.dob) if c.dob else "Not recorded")
        for c in record.dispute.children
    ]


def concern_texts(dispute: Dispute) -> list[tuple[str, str]]:
    """The raiser's texts: summary, impact, evidence."""
    concern = dispute.concern
    found = [("Summary of concern", concern.summary), ("Impact on the child", concern.impact)]
    if concern.evidence:
        found.append(("Evidence that will close it", concern.evidence))
    return found


def requested_actions(dispute: Dispute) -> list[tuple[str, str]]:
    """(complete by, action) for each action the raiser asked for."""
    return [(format_date(a.complete_by), a.text) for a in dispute.concern.requested_actions]


def footer(record: CaseRecord) -> str:
    """Who exported this record and when."""
    when = format_instant(record.generated_at)
    return f"Exported by {record.generated_by} on {when} (Europe/London) from drp-bot."


# --- the Teams card ---------------------------------------------------------------------------


def record_card(record: CaseRecord, policy: Policy, command_hint: str = "") -> Json:
    """The case record on an Adaptive Card: everything, with long texts shortened to fit
    Teams' message size; ``command_hint`` says where the full printable page comes from."""
    for limit in (CARD_TEXT, 300, 120, 0):
        card = _record_card(record, policy, command_hint, limit)
        if len(json.dumps(card)) <= CARD_BUDGET:
            break
    return card


def _record_card(record: CaseRecord, policy: Policy, hint: str, limit: int) -> Json:
    d = record.dispute
    label = policy.local_id_label
    kids = [
        (plain(n), plain(f"{label} {i} · born {dob}", 120)) for n, i, dob in child_rows(record)
    ]
    body = [
        el.text_block(escape(MARKING), color="attention", size="small", weight="bolder"),
        el.text_block(
            escape(f"Case record {d.reference}"), size="large", weight="bolder", heading=True
        ),
        el.fact_set((escape(k), plain(v)) for k, v in summary_facts(record, policy)),
        el.text_block("Children", weight="bolder", separator=True),
        el.fact_set(kids),
    ]
    body += _card_texts(concern_texts(d), limit)
    if d.concern.requested_actions:
        body += [
            el.text_block("Requested actions", weight="bolder"),
            el.fact_set((w, plain(t)) for w, t in requested_actions(d)),
        ]
    body.append(el.text_block("Chronology", weight="bolder", size="medium", separator=True))
    for step in chronology(record, policy):
        body += _card_step(step, limit)
    if hint:
        body.append(el.text_block(escape(hint), subtle=True, separator=True))
    body.append(el.text_block(escape(footer(record)), subtle=True, size="small"))
    return el.card(body, fallback_text=f"Case record {d.reference}", full_width=True)


def _card_texts(texts: Sequence[tuple[str, str]], limit: int) -> list[Json]:
    if not limit:
        return []
    found = []
    for label, text in texts:
        found.append(el.text_block(escape(label), weight="bolder", size="small"))
        found.append(el.text_block(escape(shorten(text, limit)), spacing="none"))
    return found


def _card_step(step: Step, limit: int) -> list[Json]:
    head = f"{step.sequence}. {step.title}: {format_instant(step.at)}, {step.who}"
    items = [el.text_block(escape(head), weight="bolder", separator=True)]
    if step.facts:
        items.append(el.fact_set((escape(k), plain(v)) for k, v in step.facts))
    items += _card_texts(step.texts, limit)
    if step.actions and limit:
        items.append(el.fact_set((w, plain(t)) for w, t in step.actions))
    return items
