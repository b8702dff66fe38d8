"""What this viewer may do on the dispute card: the note under it, the response inputs and the
buttons (each offered only when ``cards.permissions`` says the machine would accept it)."""

from __future__ import annotations

from cards import elements as el
from cards.correction import correct_action
from cards.dispute_render import DisputeRender
from cards.elements import Json
from cards.permissions import Target
from cards.text import escape, format_due, shorten
from cards.tracked import agreed_rows, reopen_action
from cards.verbs import Verb
from cards.views import ViewerKind, deadline, step_label
from drp import tiers
from drp.model import MAX_TEXT, Outcome, Status
from drp.policy import Move, Stage, StepKind


def viewer_panel(render: DisputeRender) -> list[Json]:
    """The note on where the dispute stands for this viewer, and the response inputs."""
    verbs = render.options.verbs
    note = _viewer_note(render)
    items = [el.text_block(escape(note), subtle=True, separator=True)] if note else []
    if render.viewer.kind == ViewerKind.OWNER and Verb.RESPOND in verbs:
        items += [el.text_block("Your response", weight="bolder", size="medium")]
        items += _respond_inputs(render)
    return items


def _viewer_note(render: DisputeRender) -> str:
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


def _agreement_asked(render: DisputeRender) -> str:
    dispute = render.dispute
    if dispute.pending_outcome is None:
        to = step_label(render.process, dispute.pending_stage)
        return f"The chair asks your agreement before this is sent to {to}."
    how = "resolved" if dispute.pending_outcome == Outcome.RESOLVED else "concluded"
    note = shorten(dispute.pending_note, render.limits.long_text)
    return f"The chair asks your agreement to close this as {how}: {note}"


def _respond_inputs(render: DisputeRender) -> list[Json]:
    items = render.text_input("response", "Response (required)")
    items += agreed_rows(render, "action", "Actions taken or proposed (SMART), with dates")
    items += render.text_input("practice_issues", "Practice development issues")
    process, here = render.process, render.dispute.stage
    asks = process.stage(here).response_asks if process.has_stage(here) else ""
    if asks:  # seed 002 §6.6: the reconvened conference, recorded with the response
        items += render.text_input("response_answer", f"{asks} (required)")
    return items


def viewer_actions(render: DisputeRender) -> list[Json]:
    """The buttons this viewer gets."""
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
    if Verb.CORRECT in verbs:
        dispute, values, errors = render.dispute, render.values, render.errors
        found.append(correct_action(dispute, render.key_factory, values, errors))
    return found


def _approver_actions(render: DisputeRender) -> list[Json]:
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


def _final_step_action(render: DisputeRender) -> Json:
    final = render.process.final_step
    kind = final.kind if final is not None else StepKind.REFERRAL
    button, label = _FINAL_ACTS[kind]
    body = render.text_input("outcome", f"{label} (required)")
    confirm = render.execute(button, Verb.CONCLUDE, style="positive")
    return el.action_show_card(button, body, [confirm])


def _raiser_actions(render: DisputeRender) -> list[Json]:
    verbs, status = render.options.verbs, render.dispute.status
    found = []
    if Verb.RESPOND in verbs:
        confirm = render.execute("Record response", Verb.RESPOND, style="positive")
        body = _respond_inputs(render)
        found.append(el.action_show_card("Record the meeting's response", body, [confirm]))
    if Verb.RESOLVE in verbs:
        body = render.text_input("resolve_comments", "Comments on the resolution (required)")
        body += agreed_rows(render, "agreed", "Actions agreed, with dates (tracked to completion)")
        confirm = render.execute("Mark resolved", Verb.RESOLVE, style="positive")
        found.append(el.action_show_card("Resolved", body, [confirm]))
    if Verb.EXTEND in verbs:
        found.append(_extend_action(render))
    if Verb.ESCALATE in verbs:
        found.append(_escalate_action(render, status))
    found += reopen_action(render)
    more = _more_sections(render)
    if more:
        found.append(el.action_show_card("More", more))
    return found


def _extend_action(render: DisputeRender) -> Json:
    rule = render.policy.extension
    within = f" (at most {rule.timescale})" if rule else ""
    body = [
        el.text_block(escape(f"The manager gets a further deadline{within} for the agreed work.")),
        *render.text_input("agreed_work", "Further work agreed (required)"),
        *agreed_rows(render, "further", "Actions agreed, with dates (tracked to completion)"),
    ]
    if rule is not None and rule.raiser_sets_deadline:
        # Seed 003: "state what further action is needed with timescale".
        latest = render.calendar.local_date(render.calendar.due(render.now, rule.timescale))
        due = el.input_date(
            "extend_due",
            "Complete by (required)",
            value=render.values.get("extend_due", ""),
            minimum=render.today,
            maximum=latest,
        )
        body += render.field(due)
    confirm = render.execute("Agree further work", Verb.EXTEND)
    return el.action_show_card("Not resolved: agree further work", body, [confirm])


def _escalate_action(render: DisputeRender, status: Status) -> Json:
    if render.options.next_tier:
        return _climb_action(render, status)
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
    body += _escalate_consulted(render)
    confirm = render.execute("Escalate", Verb.ESCALATE, style="destructive")
    return el.action_show_card(title, body, [confirm])


def _climb_action(render: DisputeRender, status: Status) -> Json:
    """Escalate within the stage, to its next tier of management in each agency (seed 004
    §2.10); the button carries the tier it shows, so a forged or outdated one is refused."""
    tier = render.options.next_tier
    stage = render.process.stage(render.dispute.stage)
    here = tiers.label(render.policy, stage, tier)
    title = (
        "Escalate now"
        if status == Status.AWAITING_RESPONSE
        else f"Not resolved: escalate to {here}"
    )
    after = render.options.next_step
    then = f" (after the last, {_target_label(render, after)})" if after is not None else ""
    said = (
        f"This sends the dispute up to {here}, in each agency. A tier where an agency has "
        f"nobody is passed over and you are told which{then}."
    )
    body = [el.text_block(escape(said))]
    body += render.text_input("escalate_reason", "Reason for escalation (required)")
    body += render.text_input("updated_concerns", "Updated concerns and recommendations")
    if stage.raiser_sets_deadline:
        element = el.input_date(
            "escalate_due",
            f"Deadline you set (needed for: {here})",
            value=render.values.get("escalate_due", ""),
            minimum=render.today,
        )
        body += render.field(element)
    if after is not None and after.consult:
        label = (
            f"Who you consulted, and when (needed for {_target_label(render, after)}: "
            f"{after.consult}, if every tier above is passed over)"
        )
        body += render.text_input("escalate_consulted", label)
    extra = {"to_tier": str(tier)}
    confirm = render.execute("Escalate", Verb.ESCALATE, style="destructive", extra=extra)
    return el.action_show_card(title, body, [confirm])


def _target_label(render: DisputeRender, target: Target) -> str:
    if isinstance(target, Stage):
        key = target.key
        label = f"Stage {key}: {target.title}" if target.formal else target.title
        if render.policy.needs_approval(render.process, key, Move.ESCALATE):
            who = render.policy.roles.titles(render.policy.approvers(render.process, key))
            label += f" (needs agreement first: {who})"
        return label
    return target.title


def _target_inputs(render: DisputeRender) -> list[Json]:
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


def _escalate_due(render: DisputeRender) -> list[Json]:
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


def _escalate_consulted(render: DisputeRender) -> list[Json]:
    """Whom the raiser consulted first, where a stage they may escalate to names whom."""
    targets = render.options.bypass_targets or (
        (render.options.next_step,) if render.options.next_step else ()
    )
    asking = [t for t in targets if t.consult]
    if not asking:
        return []
    who = "; ".join(f"{_target_label(render, t)}: {t.consult}" for t in asking)
    label = f"Who you consulted, and when (needed for {who})"
    return render.text_input("escalate_consulted", label)


def _more_sections(render: DisputeRender) -> list[Json]:
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


def _section(render: DisputeRender, verb: Verb, input_id: str, heading: str, label: str) -> Json:
    inputs = _loose_text_input(render, input_id, f"{label} (required)")
    style = "destructive" if verb in {Verb.HARM, Verb.WITHDRAW} else None
    button = render.execute(heading, verb, style=style)
    items = [el.text_block(escape(heading), weight="bolder"), *inputs, el.action_set([button])]
    return el.container(items, separator=True)


def _loose_text_input(render: DisputeRender, input_id: str, label: str) -> list[Json]:
    """A text input without a client-side required check (several buttons share the card)."""
    element = el.input_text(
        input_id,
        label,
        value=render.values.get(input_id, ""),
        multiline=True,
        max_length=MAX_TEXT,
    )
    return render.field(element)


def _refer_section(render: DisputeRender) -> Json:
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
