"""The dispute card, one view per viewer, and the small cards around it.

Input ids on the dispute card (Teams merges them into the action's ``data``):

================== ==================================================================
``drp.respond``    ``response``; ``action_N_text`` + ``action_N_date`` (N = 1..3);
                   ``practice_issues``
``drp.resolve``    ``resolve_comments``
``drp.extend``     ``agreed_work``
``drp.escalate``   ``escalate_reason``; ``updated_concerns``; ``to_stage`` (bypass only);
                   ``escalate_due`` (when the next stage's deadline is the raiser's)
``drp.refer``      ``refer_target``; ``refer_reason``; ``consulted``; ``concurrent``
``drp.harm``       ``harm_details``
``drp.withdraw``   ``withdraw_reason``
``drp.conclude``   ``outcome``
``drp.approve``    ``approve_comments``
``drp.decline``    ``decline_reason``
================== ==================================================================

``parse_action(verb, data)`` reads them back. Who sees which button is asked of the state
machine (``cards.permissions``), so a card never offers what the machine would refuse.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from cards import elements as el
from cards.elements import Json
from cards.history import history_facts, latest_response, written
from cards.inputs import InputReader
from cards.permissions import Options, Target, options
from cards.text import escape, format_date, format_due, format_instant, plain, shorten
from cards.verbs import KeyFactory, Verb, new_key
from cards.views import (
    RAG,
    DisputeView,
    Viewer,
    ViewerKind,
    deadline,
    rag,
    stage_label,
    step_label,
)
from drp.calendar import WorkingDayCalendar
from drp.events import EventKind
from drp.model import MAX_SHORT_TEXT, MAX_TEXT, Action, Child, Concern, Dispute, Outcome, Status
from drp.policy import Move, Policy, Process, Stage, StepKind

BUDGET = 26 * 1024  # bytes; Teams refuses a bot message over about 28 KB
MAX_REFRESH_USERS = 60  # Teams runs a card's automatic refresh for at most 60 users
ERASED_NOTE = (
    "The children's details and every free text of this dispute were erased under the "
    "council's retention period (DRP_RETENTION)"
)
ACTION_ROWS = 3

VERB_INPUTS: Mapping[Verb, tuple[str, ...]] = {
    Verb.RESPOND: (
        "response",
        *(f"action_{n}_{part}" for n in range(1, ACTION_ROWS + 1) for part in ("text", "date")),
        "practice_issues",
    ),
    Verb.RESOLVE: ("resolve_comments",),
    Verb.EXTEND: ("agreed_work",),
    Verb.ESCALATE: ("escalate_reason", "updated_concerns", "to_stage", "escalate_due"),
    Verb.REFER: ("refer_target", "refer_reason", "consulted", "concurrent"),
    Verb.HARM: ("harm_details",),
    Verb.WITHDRAW: ("withdraw_reason",),
    Verb.CONCLUDE: ("outcome",),
    Verb.APPROVE: ("approve_comments",),
    Verb.DECLINE: ("decline_reason",),
}
_REQUIRED = frozenset(
    {
        "response",
        "resolve_comments",
        "agreed_work",
        "escalate_reason",
        "refer_target",
        "refer_reason",
        "harm_details",
        "withdraw_reason",
        "outcome",
        "decline_reason",
    }
)
_CLOSING = frozenset(
    {
        EventKind.RESOLVED,
        EventKind.WITHDRAWN,
        EventKind.REFERRED,
        EventKind.CONCLUDED,
        EventKind.DECLINED,
    }
)
_OUTCOMES = {
    Outcome.RESOLVED: "Resolved",
    Outcome.WITHDRAWN: "Withdrawn",
    Outcome.REFERRED: "Referred outside the process",
    Outcome.CONCLUDED: "Concluded",
    Outcome.NOT_AGREED: "Not sent: agreement was declined",
}


# --- reading a dispute card's submission -----------------------------------------------------


@dataclass(frozen=True, slots=True)
class ActionInput:
    """A dispute card's submission for one verb: texts, dates, flags and field errors."""

    verb: Verb
    texts: Mapping[str, str] = field(default_factory=dict)
    dates: Mapping[str, date | None] = field(default_factory=dict)
    flags: Mapping[str, bool] = field(default_factory=dict)
    actions: tuple[Action, ...] = ()
    values: Mapping[str, str] = field(default_factory=dict)
    errors: Mapping[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Whether every input of the verb was readable and present where required."""
        return not self.errors


def parse_action(verb: Verb, data: Mapping[str, object], today: date | None = None) -> ActionInput:
    """The inputs of ``verb`` out of an invoke's ``data`` (errors keyed by input id)."""
    read = InputReader(data, today)
    texts: dict[str, str] = {}
    dates: dict[str, date | None] = {}
    flags: dict[str, bool] = {}
    actions: tuple[Action, ...] = ()
    if verb == Verb.RESPOND:
        actions = read.actions(ACTION_ROWS)
    for input_id in VERB_INPUTS.get(verb, ()):
        if input_id.startswith("action_"):
            continue
        if input_id == "escalate_due":
            dates[input_id] = read.day(input_id, when="future")
        elif input_id == "concurrent":
            flags[input_id] = read.flag(input_id)
        else:
            limit = MAX_SHORT_TEXT if input_id in {"to_stage", "refer_target"} else MAX_TEXT
            texts[input_id] = read.text(input_id, input_id in _REQUIRED, limit)
    return ActionInput(verb, texts, dates, flags, actions, read.values, read.errors)


# --- the dispute card ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Limits:
    """How much of each long text a dispute card shows (the case record has it all)."""

    long_text: int = 600
    name: int = 80
    smart_actions: int = 6
    events: int = 20
    event_text: int = 160


NORMAL = Limits()
COMPACT = Limits(long_text=200, name=40, smart_actions=3, events=8, event_text=80)


@dataclass(frozen=True, slots=True)
class _Render:
    """Everything the parts of a dispute card need."""

    view: DisputeView
    viewer: Viewer
    policy: Policy
    now: datetime
    calendar: WorkingDayCalendar
    options: Options
    key_factory: KeyFactory
    values: Mapping[str, str]
    errors: Mapping[str, str]
    limits: Limits = NORMAL

    @property
    def dispute(self) -> Dispute:
        return self.view.dispute

    @property
    def process(self) -> Process:
        return self.policy.process(self.dispute.process)

    @property
    def today(self) -> date:
        return self.calendar.local_date(self.now)

    @property
    def step_title(self) -> str:
        final = self.process.final_step
        return final.title if final is not None else "the final step"

    def execute(self, title: str, verb: Verb, **options: Any) -> Json:
        dispute = self.dispute
        return el.execute(
            title, verb, dispute.reference, dispute.version, self.key_factory, **options
        )

    def field(self, element: Json) -> list[Json]:
        return [element, *el.error_text(self.errors.get(element["id"]))]

    def text_input(self, input_id: str, label: str, *, multiline: bool = True) -> list[Json]:
        required = input_id in _REQUIRED
        element = el.input_text(
            input_id,
            label,
            value=self.values.get(input_id, ""),
            multiline=multiline,
            max_length=MAX_TEXT,
            required=required,
            error_message=f"{label}: this is required." if required else None,
        )
        return self.field(element)


def dispute_card(
    view: DisputeView,
    viewer: Viewer,
    policy: Policy,
    now: datetime,
    calendar: WorkingDayCalendar,
    *,
    refresh_user_ids: Sequence[str] = (),
    key_factory: KeyFactory = new_key,
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
) -> Json:
    """The dispute as ``viewer`` sees it, with the buttons the machine would accept from them.

    Long texts are shortened; if the card would still be over ``BUDGET`` (markup-heavy text
    escapes to twice its length), it is rendered again with ``COMPACT`` limits.
    """
    allowed = options(view.dispute, viewer, policy, now, calendar)
    render = _Render(
        view, viewer, policy, now, calendar, allowed, key_factory, values or {}, errors or {}
    )
    card = _dispute_card(render, refresh_user_ids)
    if len(json.dumps(card).encode("utf-8")) > BUDGET:
        card = _dispute_card(replace(render, limits=COMPACT), refresh_user_ids)
    return card


def _dispute_card(render: _Render, refresh_user_ids: Sequence[str]) -> Json:
    dispute = render.dispute
    body = [
        _header(render),
        *_error_summary(render),
        *_children(render),
        *_concern(render),
        *_response(render),
        *_history(render),
        *_outcome(render),
        *_viewer_panel(render),
    ]
    refresh = _refresh(dispute, refresh_user_ids)
    fallback = f"DRP {dispute.reference}: {dispute.status.label}"
    actions = _actions(render)
    return el.card(body, actions, refresh=refresh, full_width=True, fallback_text=fallback)


def _refresh(dispute: Dispute, user_ids: Sequence[str]) -> Json:
    data = {"reference": dispute.reference, "version": dispute.version}
    action = {"type": "Action.Execute", "verb": str(Verb.REFRESH), "data": data}
    return {"action": action, "userIds": list(dict.fromkeys(user_ids))[:MAX_REFRESH_USERS]}


def _header(render: _Render) -> Json:
    dispute, policy = render.dispute, render.policy
    status = rag(dispute, render.now, render.calendar)
    title = el.text_block(escape(dispute.reference), size="large", weight="bolder", heading=True)
    columns = [el.column([title]), el.column([_due_block(dispute, status)], "auto")]
    facts = [
        ("Status", escape(dispute.status.label)),
        ("Stage", escape(stage_label(policy, dispute))),
        ("Team", plain(render.view.team_title or dispute.team)),
        ("Raised", _raised(render)),
    ]
    subtitle = f"{policy.name} · {render.process.title}"
    return el.container(
        [
            el.column_set(columns),
            el.text_block(escape(subtitle), subtle=True, spacing="none"),
            el.fact_set(facts),
        ],
        style="emphasis",
    )


def _due_block(dispute: Dispute, status: RAG | None) -> Json:
    due = deadline(dispute)
    if status is None:
        return el.text_block("Closed", weight="bolder")
    text = f"Due {format_due(due)} · {status.label}" if due else status.label
    return el.text_block(escape(text), weight="bolder", color=status.color)


def _raised(render: _Render) -> str:
    dispute = render.dispute
    who = render.view.name(dispute.raised_by)
    role = render.policy.role_title(dispute.raiser_role)
    return plain(f"{format_instant(dispute.raised_at)} by {who} ({role})")


def _error_summary(render: _Render) -> list[Json]:
    if not render.errors:
        return []
    lines = [el.text_block("Please correct:", weight="bolder", color="attention")]
    lines += [
        el.text_block(plain(f"{_input_label(key)}: {message}", 300), spacing="none")
        for key, message in render.errors.items()
    ]
    return [el.container(lines, style="attention")]


def _input_label(input_id: str) -> str:
    return input_id.replace("_", " ").capitalize()


def _children(render: _Render) -> list[Json]:
    erased = render.dispute.erased_at
    if erased is not None:
        note = f"{ERASED_NOTE} on {format_date(render.calendar.local_date(erased))}."
        return [el.text_block(escape(note), separator=True, subtle=True)]
    label = render.policy.local_id_label
    facts = [
        (plain(child.name, render.limits.name), _child_value(label, child))
        for child in render.dispute.children
    ]
    title = "Child" if len(facts) == 1 else f"Children ({len(facts)})"
    return [el.text_block(title, weight="bolder", separator=True), el.fact_set(facts)]


def _child_value(label: str, child: Child) -> str:
    born = f" · born {format_date(child.dob)}" if child.dob else ""
    return plain(f"{label} {child.local_id}{born}", 120)


def _concern(render: _Render) -> list[Json]:
    dispute = render.dispute
    concern = dispute.concern
    facts = [("Date of concern", format_date(dispute.date_of_concern))]
    if render.policy.categories:
        category = _category_title(render.policy, concern.category, concern)
        facts.insert(0, ("Category", plain(category)))
    if concern.issue_type:
        facts.append(("Issue type", plain(concern.issue_type)))
    items = [
        el.text_block("The concern", weight="bolder", separator=True),
        el.fact_set(facts),
        *_paragraph("Summary", concern.summary, render.limits),
        *_paragraph("Impact on the child", concern.impact, render.limits),
    ]
    if concern.requested_actions:
        actions = [(format_date(a.complete_by), plain(a.text)) for a in concern.requested_actions]
        items += [el.text_block("Requested actions", weight="bolder"), el.fact_set(actions)]
    return items + _paragraph("Evidence that will close it", concern.evidence, render.limits)


def _category_title(policy: Policy, key: str, concern: Concern) -> str:
    try:
        title = policy.category(key).title
    except KeyError:
        title = key
    return f"{title}: {concern.category_other}" if concern.category_other else title


def _paragraph(title: str, text: str, limits: Limits) -> list[Json]:
    if not text:
        return []
    return [
        el.text_block(escape(title), weight="bolder", size="small"),
        el.text_block(escape(shorten(text, limits.long_text)), spacing="none"),
    ]


def _response(render: _Render) -> list[Json]:
    found = latest_response(render.view.events)
    if found is None:
        return []
    event, payload = found
    limits = render.limits
    who = render.view.name(event.actor)
    heading = f"Latest response: {who}, {format_instant(event.at)}"
    items = [
        el.text_block(escape(heading), weight="bolder"),
        el.text_block(escape(shorten(payload.response, limits.long_text))),
    ]
    actions = payload.actions
    if actions:
        shown = actions[: limits.smart_actions]
        facts = [(format_date(a.complete_by), plain(a.text)) for a in shown]
        items += [el.text_block("SMART action plan", weight="bolder"), el.fact_set(facts)]
        if len(actions) > limits.smart_actions:
            more = f"{len(actions) - limits.smart_actions} more actions are in the case record."
            items.append(el.text_block(more, subtle=True, spacing="none"))
    items += _paragraph("Practice development issues", payload.practice_issues, limits)
    return [el.container(items, style="accent", separator=True)]


def _history(render: _Render) -> list[Json]:
    limits = render.limits
    facts, earlier = history_facts(render.view, render.policy, limits.events, limits.event_text)
    items = [el.text_block("History", weight="bolder", separator=True)]
    if earlier:
        note = f"{earlier} earlier steps are in the case record."
        items.append(el.text_block(note, subtle=True, spacing="none"))
    return [*items, el.fact_set(facts)]


def _outcome(render: _Render) -> list[Json]:
    dispute = render.dispute
    if dispute.is_open or dispute.outcome is None:
        return []
    closing = next((e for e in reversed(render.view.events) if e.kind in _CLOSING), None)
    words = _OUTCOMES.get(dispute.outcome, dispute.outcome.value)
    when = f" on {format_instant(dispute.closed_at)}" if dispute.closed_at else ""
    items = [el.text_block(escape(f"Outcome: {words}{when}"), weight="bolder", size="medium")]
    if closing is not None:
        text = written(closing.payload)
        if text:
            short = shorten(text, render.limits.long_text)
            items.append(el.text_block(escape(short), spacing="none"))
    return [el.container(items, style="good", separator=True)]


# --- what this viewer may do ------------------------------------------------------------------


def _viewer_panel(render: _Render) -> list[Json]:
    verbs = render.options.verbs
    note = _viewer_note(render)
    items = [el.text_block(escape(note), subtle=True, separator=True)] if note else []
    if render.viewer.kind == ViewerKind.OWNER and Verb.RESPOND in verbs:
        items += [el.text_block("Your response", weight="bolder", size="medium")]
        items += _respond_inputs(render)
    return items


def _viewer_note(render: _Render) -> str:
    dispute, kind = render.dispute, render.viewer.kind
    if not dispute.is_open:
        return ""
    owners = ", ".join(render.view.name(p) for p in dispute.owners) or "the responsible manager"
    due = deadline(dispute)
    by = f" by {format_due(due)}" if due else ""
    if kind == ViewerKind.OWNER and Verb.RESPOND in render.options.verbs:
        return f"Please respond{by} with a SMART action plan."
    if kind == ViewerKind.OWNER and Verb.CONCLUDE in render.options.verbs:
        return f"Please record the outcome of {render.step_title}{by}."
    if kind == ViewerKind.APPROVER and Verb.APPROVE in render.options.verbs:
        return _agreement_asked(render)
    if kind == ViewerKind.DECIDER and dispute.status == Status.AWAITING_REVIEW:
        return f"A response is in: you share the review with the chair{by}."
    if dispute.status == Status.AWAITING_RESPONSE:
        return f"Waiting for {owners} to respond{by}."
    if dispute.status == Status.AWAITING_REVIEW:
        return f"Waiting for the chair's review{by}."
    if dispute.status == Status.AWAITING_APPROVAL:
        agreeing = " or ".join(render.view.name(p) for p in dispute.approvers)
        to = "it closes" if dispute.pending_outcome else "it is sent"
        if dispute.pending_stage and not dispute.pending_outcome:
            to += f" to {step_label(render.process, dispute.pending_stage)}"
        return f"Waiting for {agreeing or 'agreement'} to agree before {to}."
    if dispute.owners:
        return f"With {render.step_title}: waiting for {owners} to record its outcome{by}."
    return "With the external step; the chair records its outcome."


def _agreement_asked(render: _Render) -> str:
    dispute = render.dispute
    if dispute.pending_outcome is None:
        to = step_label(render.process, dispute.pending_stage)
        return f"The chair asks your agreement before this is sent to {to}."
    how = "resolved" if dispute.pending_outcome == Outcome.RESOLVED else "concluded"
    note = shorten(dispute.pending_note, render.limits.long_text)
    return f"The chair asks your agreement to close this as {how}: {note}"


def _respond_inputs(render: _Render) -> list[Json]:
    items = render.text_input("response", "Response (required)")
    items.append(el.text_block("Actions taken or proposed (SMART), with dates", weight="bolder"))
    for n in range(1, ACTION_ROWS + 1):
        text = el.input_text(
            f"action_{n}_text",
            f"Action {n}",
            value=render.values.get(f"action_{n}_text", ""),
            max_length=MAX_TEXT,
        )
        when = el.input_date(
            f"action_{n}_date",
            "Complete by",
            value=render.values.get(f"action_{n}_date", ""),
            minimum=render.today,
        )
        row = [el.column(render.field(text), "2"), el.column(render.field(when))]
        items.append(el.column_set(row))
    return items + render.text_input("practice_issues", "Practice development issues")


def _actions(render: _Render) -> list[Json]:
    kind, verbs = render.viewer.kind, render.options.verbs
    found: list[Json] = []
    if kind == ViewerKind.OWNER and Verb.RESPOND in verbs:
        found.append(render.execute("Respond", Verb.RESPOND, style="positive"))
    if kind == ViewerKind.OWNER and Verb.CONCLUDE in verbs:
        found.append(_final_step_action(render))
    if kind == ViewerKind.APPROVER:
        found += _approver_actions(render)
    if kind in (ViewerKind.RAISER, ViewerKind.DECIDER):
        found += _raiser_actions(render)  # a decider's verbs are the review's share
    if Verb.RECORD in verbs:
        found.append(render.execute("Case record", Verb.RECORD, with_inputs=False))
    return found


def _approver_actions(render: _Render) -> list[Json]:
    verbs = render.options.verbs
    found = []
    if Verb.APPROVE in verbs:
        body = render.text_input("approve_comments", "Comments (optional)")
        label = "Agree and close" if render.dispute.pending_outcome else "Agree and send"
        confirm = render.execute(label, Verb.APPROVE, style="positive")
        found.append(el.action_show_card("Agree", body, [confirm]))
    if Verb.DECLINE in verbs:
        body = render.text_input("decline_reason", "Reason for declining (required)")
        confirm = render.execute("Decline", Verb.DECLINE, style="destructive")
        found.append(el.action_show_card("Decline", body, [confirm]))
    return found


# What whoever acts at a final step of each kind does, on their button.
_FINAL_ACTS = {
    StepKind.REFERRAL: ("Record the outcome", "Outcome of the referral"),
    StepKind.REPORT: ("Submit the report", "The report"),
    StepKind.PANEL: ("Record the panel's outcome", "The panel's outcome"),
    StepKind.MEETING: ("Record the meeting's outcome", "The meeting's outcome"),
}


def _final_step_action(render: _Render) -> Json:
    final = render.process.final_step
    kind = final.kind if final is not None else StepKind.REFERRAL
    button, label = _FINAL_ACTS[kind]
    body = render.text_input("outcome", f"{label} (required)")
    confirm = render.execute(button, Verb.CONCLUDE, style="positive")
    return el.action_show_card(button, body, [confirm])


def _raiser_actions(render: _Render) -> list[Json]:
    verbs, status = render.options.verbs, render.dispute.status
    found = []
    if Verb.RESPOND in verbs:
        confirm = render.execute("Record response", Verb.RESPOND, style="positive")
        body = _respond_inputs(render)
        found.append(el.action_show_card("Record the meeting's response", body, [confirm]))
    if Verb.RESOLVE in verbs:
        body = render.text_input("resolve_comments", "Comments on the resolution (required)")
        confirm = render.execute("Mark resolved", Verb.RESOLVE, style="positive")
        found.append(el.action_show_card("Resolved", body, [confirm]))
    if Verb.EXTEND in verbs:
        found.append(_extend_action(render))
    if Verb.ESCALATE in verbs:
        found.append(_escalate_action(render, status))
    more = _more_sections(render)
    if more:
        found.append(el.action_show_card("More", more))
    return found


def _extend_action(render: _Render) -> Json:
    rule = render.policy.extension
    within = f" (at most {rule.timescale})" if rule else ""
    body = [
        el.text_block(escape(f"The manager gets a further deadline{within} for the agreed work.")),
        *render.text_input("agreed_work", "Further work agreed (required)"),
    ]
    confirm = render.execute("Agree further work", Verb.EXTEND)
    return el.action_show_card("Not resolved: agree further work", body, [confirm])


def _escalate_action(render: _Render, status: Status) -> Json:
    target = render.options.next_step
    name = target.title if target is not None else "the next stage"
    title = (
        "Escalate now"
        if status == Status.AWAITING_RESPONSE
        else f"Not resolved: escalate to {name}"
    )
    body = [*_target_inputs(render)]
    body += render.text_input("escalate_reason", "Reason for escalation (required)")
    body += render.text_input("updated_concerns", "Updated concerns and recommendations")
    body += _escalate_due(render)
    confirm = render.execute("Escalate", Verb.ESCALATE, style="destructive")
    return el.action_show_card(title, body, [confirm])


def _target_label(render: _Render, target: Target) -> str:
    if isinstance(target, Stage):
        key = target.key
        label = f"Stage {key}: {target.title}" if target.formal else target.title
        if render.policy.needs_approval(render.process, key, Move.ESCALATE):
            who = render.policy.roles.titles(render.policy.approvers(render.process, key))
            label += f" (needs agreement first: {who})"
        return label
    return target.title


def _target_inputs(render: _Render) -> list[Json]:
    targets = render.options.bypass_targets
    nxt = render.options.next_step
    if len(targets) > 1:
        choices = [(_target_label(render, t), t.key) for t in targets]
        value = render.values.get("to_stage") or (nxt.key if nxt else "")
        element = el.choice_set("to_stage", "Escalate to", choices, value=value)
        return render.field(element)
    if nxt is None:
        return []
    return [el.text_block(escape(f"This sends the dispute to {_target_label(render, nxt)}."))]


def _escalate_due(render: _Render) -> list[Json]:
    targets = render.options.bypass_targets or (
        (render.options.next_step,) if render.options.next_step else ()
    )
    setters = [t for t in targets if isinstance(t, Stage) and t.raiser_sets_deadline]
    if not setters:
        return []
    needs = ", ".join(_target_label(render, t) for t in setters)
    element = el.input_date(
        "escalate_due",
        f"Deadline you set (needed for: {needs})",
        value=render.values.get("escalate_due", ""),
        minimum=render.today,
    )
    return render.field(element)


def _more_sections(render: _Render) -> list[Json]:
    verbs = render.options.verbs
    sections: list[Json] = []
    if Verb.REFER in verbs:
        sections.append(_refer_section(render))
    simple = [
        (Verb.HARM, "harm_details", "Immediate-harm alert", "What is the immediate harm?"),
        (Verb.WITHDRAW, "withdraw_reason", "Withdraw the dispute", "Reason for withdrawing"),
        (Verb.CONCLUDE, "outcome", "Conclude", "Outcome"),
    ]
    for verb, input_id, heading, label in simple:
        if verb in verbs:
            sections.append(_section(render, verb, input_id, heading, label))
    return sections


def _section(render: _Render, verb: Verb, input_id: str, heading: str, label: str) -> Json:
    inputs = _loose_text_input(render, input_id, f"{label} (required)")
    style = "destructive" if verb in {Verb.HARM, Verb.WITHDRAW} else None
    button = render.execute(heading, verb, style=style)
    items = [el.text_block(escape(heading), weight="bolder"), *inputs, el.action_set([button])]
    return el.container(items, separator=True)


def _loose_text_input(render: _Render, input_id: str, label: str) -> list[Json]:
    """A text input without a client-side required check (several buttons share the card)."""
    element = el.input_text(
        input_id,
        label,
        value=render.values.get(input_id, ""),
        multiline=True,
        max_length=MAX_TEXT,
    )
    return render.field(element)


def _refer_section(render: _Render) -> Json:
    referrals = render.options.referrals
    choices = [(r.title, r.key) for r in referrals]
    value = render.values.get("refer_target") or referrals[0].key
    items = [
        el.text_block("Refer outside the process", weight="bolder"),
        *render.field(el.choice_set("refer_target", "Refer to", choices, value=value)),
        *_loose_text_input(render, "refer_reason", "Reason for the referral (required)"),
    ]
    consult = [r for r in referrals if r.consult]
    if consult:
        who = ", ".join(f"{r.title}: {r.consult}" for r in consult)
        items += _loose_text_input(render, "consulted", f"Who you consulted ({who})")
    if any(r.concurrent for r in referrals):
        keep = render.values.get("concurrent", "true") == "true"
        items.append(el.toggle("concurrent", "Keep the dispute going alongside", value=keep))
    items.append(el.action_set([render.execute("Refer", Verb.REFER)]))
    return el.container(items)


# --- small cards around the dispute -----------------------------------------------------------


def dispute_summary_card(
    view: DisputeView,
    now: datetime,
    calendar: WorkingDayCalendar,
    policy: Policy,
    key_factory: KeyFactory = new_key,
) -> Json:
    """A short card for copies and notifications: initials, stage, due date; a Show button."""
    dispute = view.dispute
    status = rag(dispute, now, calendar)
    facts = [
        ("Children", plain(dispute.initials)),
        ("Status", escape(dispute.status.label)),
        ("Stage", escape(stage_label(policy, dispute))),
    ]
    body = [
        el.column_set(
            [
                el.column([el.text_block(escape(dispute.reference), weight="bolder")]),
                el.column([_due_block(dispute, status)], "auto"),
            ]
        ),
        el.text_block(escape(policy.name), subtle=True, spacing="none"),
        el.fact_set(facts),
    ]
    show = el.execute(
        "Show", Verb.SHOW, dispute.reference, dispute.version, key_factory, with_inputs=False
    )
    return el.card(body, [show], fallback_text=f"DRP {dispute.reference}")


def refusal_card(message: str, current_card: Json | None = None) -> Json:
    """ "You can't do that: …" above the current card (whose buttons stay usable)."""
    banner = el.container(
        [el.text_block(escape(f"You can't do that: {message}"), weight="bolder")],
        style="attention",
    )
    return _above(banner, current_card)


def stale_card(current_card: Json) -> Json:
    """The current card, marked as replacing an out-of-date one."""
    banner = el.container(
        [el.text_block("This card was out of date; here is the current one.", weight="bolder")],
        style="warning",
    )
    return _above(banner, current_card)


def _above(banner: Json, current: Json | None) -> Json:
    if current is None:
        return el.card([banner])
    result = dict(current)
    result["body"] = [banner, *current.get("body", [])]
    return result


def error_card(title: str, errors: Mapping[str, str] | Sequence[str]) -> Json:
    """A list of problems under a title (e.g. an invoke whose data could not be read)."""
    items = errors.items() if isinstance(errors, Mapping) else ((None, e) for e in errors)
    lines = [
        el.text_block(plain(f"{key}: {text}" if key else text, 300), spacing="none")
        for key, text in items
    ]
    head = el.text_block(escape(title), weight="bolder", size="medium", color="attention")
    return el.card([head, *lines], fallback_text=title)


def notice_card(
    title: str,
    text: str,
    facts: Sequence[tuple[str, str]] = (),
    *,
    urgent: bool = False,
    reference: str = "",
    version: int = 0,
    key_factory: KeyFactory = new_key,
) -> Json:
    """A proactive notice (reminder, overdue, escalated to you, response, agreement, harm)."""
    head = el.text_block(escape(title), weight="bolder", size="medium")
    body = [
        el.container([head], style="attention" if urgent else "emphasis"),
        el.text_block(escape(text)),
    ]
    if facts:
        body.append(el.fact_set((escape(k), plain(v)) for k, v in facts))
    actions = []
    if reference:
        actions.append(
            el.execute(
                "Open the dispute", Verb.SHOW, reference, version, key_factory, with_inputs=False
            )
        )
    return el.card(body, actions, fallback_text=title)
