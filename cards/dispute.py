"""The dispute card, one view per viewer, and its short summary for copies and notifications.

Its inputs are read back by ``cards.action_input``; what the viewer may do is drawn by
``cards.dispute_actions``, which asks the state machine (``cards.permissions``), so a card
never offers what the machine would refuse.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime

from cards import elements as el
from cards.dispute_actions import viewer_actions, viewer_panel
from cards.dispute_render import COMPACT, TIGHT, DisputeRender, Limits
from cards.elements import Json
from cards.history import conference_date, history_facts, latest_response, written
from cards.permissions import options
from cards.record import category_label, category_title
from cards.text import escape, format_date, format_due, format_instant, plain, shorten
from cards.tracked import actions_section
from cards.verbs import KeyFactory, Verb, new_key
from cards.views import (
    RAG,
    DisputeView,
    Viewer,
    deadline,
    overall_limit_facts,
    rag,
    stage_label,
)
from drp.calendar import WorkingDayCalendar
from drp.events import Escalated, EventKind
from drp.model import Child, Dispute, Outcome
from drp.policy import Policy

BUDGET = 26 * 1024  # bytes; Teams refuses a bot message over about 28 KB
MAX_REFRESH_USERS = 60  # Teams runs a card's automatic refresh for at most 60 users
ERASED_NOTE = (
    "The children's details and every free text of this dispute were erased under the "
    "council's retention period (DRP_RETENTION)"
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
    escapes to twice its length), it is rendered again with ``COMPACT`` limits, then ``TIGHT``.
    """
    allowed = options(view.dispute, viewer, policy, now, calendar)
    render = DisputeRender(
        view, viewer, policy, now, calendar, allowed, key_factory, values or {}, errors or {}
    )
    card = _dispute_card(render, refresh_user_ids)
    for limits in (COMPACT, TIGHT):
        if len(json.dumps(card).encode("utf-8")) <= BUDGET:
            break
        card = _dispute_card(replace(render, limits=limits), refresh_user_ids)
    return card


def _dispute_card(render: DisputeRender, refresh_user_ids: Sequence[str]) -> Json:
    dispute = render.dispute
    body = [
        _header(render),
        *_error_summary(render),
        *_children(render),
        *_concern(render),
        *_response(render),
        *actions_section(render),
        *_history(render),
        *_outcome(render),
        *viewer_panel(render),
    ]
    refresh = _refresh(dispute, refresh_user_ids)
    fallback = f"DRP {dispute.reference}: {dispute.status.label}"
    actions = viewer_actions(render)
    return el.card(body, actions, refresh=refresh, full_width=True, fallback_text=fallback)


def _refresh(dispute: Dispute, user_ids: Sequence[str]) -> Json:
    data = {"reference": dispute.reference, "version": dispute.version}
    action = {"type": "Action.Execute", "verb": str(Verb.REFRESH), "data": data}
    return {"action": action, "userIds": list(dict.fromkeys(user_ids))[:MAX_REFRESH_USERS]}


def _header(render: DisputeRender) -> Json:
    dispute, policy = render.dispute, render.policy
    status = rag(dispute, render.now, render.calendar)
    title = el.text_block(escape(dispute.reference), size="large", weight="bolder", heading=True)
    columns = [el.column([title]), el.column([_due_block(dispute, status)], "auto")]
    facts = [
        ("Status", escape(dispute.status.label)),
        ("Stage", escape(stage_label(policy, dispute))),
        ("Team", plain(render.view.team_title or dispute.team)),
        ("Raised", _raised(render)),
        *overall_limit_facts(dispute, render.now, render.calendar),
        *_passed_over(render),
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


def _passed_over(render: DisputeRender) -> list[tuple[str, str]]:
    """The tiers of management the escalation that brought the dispute here passed over, and
    why (seed 004 §2.10: nobody holds the post in an agency), while it is still there."""
    dispute = render.dispute
    for event in reversed(render.view.events):
        if isinstance(event.payload, Escalated):
            here = event.to_stage == dispute.stage and dispute.is_open
            skipped = event.payload.skipped if here else ""
            return [("Tiers passed over", plain(skipped, 600))] if skipped else []
    return []


def _due_block(dispute: Dispute, status: RAG | None) -> Json:
    due = deadline(dispute)
    if status is None:
        return el.text_block("Closed", weight="bolder")
    text = f"Due {format_due(due)} · {status.label}" if due else status.label
    return el.text_block(escape(text), weight="bolder", color=status.color)


def _raised(render: DisputeRender) -> str:
    dispute = render.dispute
    who = render.view.name(dispute.raised_by)
    role = render.policy.role_title(dispute.raiser_role)
    return plain(f"{format_instant(dispute.raised_at)} by {who} ({role})")


def _error_summary(render: DisputeRender) -> list[Json]:
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


def _children(render: DisputeRender) -> list[Json]:
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


def _concern(render: DisputeRender) -> list[Json]:
    dispute = render.dispute
    concern = dispute.concern
    facts = [("Date of concern", format_date(dispute.date_of_concern))]
    conference = conference_date(render.view.events)
    if conference is not None:
        facts.append(("Date of the child protection conference", format_date(conference)))
    if render.policy.categories:
        facts.insert(0, (category_label(dispute), plain(category_title(render.policy, dispute))))
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


def _paragraph(title: str, text: str, limits: Limits) -> list[Json]:
    if not text:
        return []
    return [
        el.text_block(escape(title), weight="bolder", size="small"),
        el.text_block(escape(shorten(text, limits.long_text)), spacing="none"),
    ]


def _response(render: DisputeRender) -> list[Json]:
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


def _history(render: DisputeRender) -> list[Json]:
    limits = render.limits
    facts, earlier = history_facts(render.view, render.policy, limits.events, limits.event_text)
    items = [el.text_block("History", weight="bolder", separator=True)]
    if earlier:
        note = f"{earlier} earlier steps are in the case record."
        items.append(el.text_block(note, subtle=True, spacing="none"))
    return [*items, el.fact_set(facts)]


def _outcome(render: DisputeRender) -> list[Json]:
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
