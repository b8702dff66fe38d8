"""The dispute state machine: a declared transition table over states and commands.

``decide`` checks the command against the table (source states, then typed guards from
``drp.guards``), applies its effect and returns the new dispute with exactly one event. A
rejected command raises a ``CommandRejected`` (or ``InvalidInput``) and changes nothing:
disputes are immutable. Entering stages is ``drp.stage_entry``'s; agreement ``drp.agreement``'s.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, Generic, TypeVar

from drp import actions as tracked
from drp import governance, guards, handover, tiers
from drp import validation as check
from drp.agreement import approve, decline, needs_close_agreement, propose_close
from drp.commands import (
    AlertImmediateHarm,
    Approve,
    Command,
    Conclude,
    Correct,
    Decline,
    Escalate,
    Extend,
    HandOver,
    NoteActionPassed,
    NoteOverdue,
    Raise,
    Refer,
    Reopen,
    Resolve,
    Respond,
    TickAction,
    Withdraw,
)
from drp.context import Change, Context, close, current_stage, process_of
from drp.errors import CommandRejected, InvalidInput, NotPermitted
from drp.events import (
    Concluded,
    Escalated,
    Event,
    Extended,
    HarmAlerted,
    OverdueNoted,
    Raised,
    Referred,
    Resolved,
    Responded,
    Withdrawn,
)
from drp.model import MAX_SHORT_TEXT, SYSTEM, Dispute, Outcome, Status
from drp.policy import ExtensionRule, FinalStep, Process, Stage
from drp.stage_entry import capped, climb, enter_final, escalation_target, route, stage_due

__all__ = [
    "TRANSITIONS",
    "Context",
    "Decision",
    "current_stage",
    "decide",
    "escalation_target",
    "process_of",
    "raise_dispute",
    "stage_due",
]

C = TypeVar("C", bound=Command)


@dataclass(frozen=True, slots=True)
class Decision:
    """The dispute after an accepted command, and the one event that records it."""

    dispute: Dispute
    event: Event


Guard = Callable[[Dispute, C, Context], None]
Effect = Callable[[Dispute, C, Context], Change]


@dataclass(frozen=True, slots=True)
class Transition(Generic[C]):
    """A row of the table: the states a command is allowed in, its guards and its effect."""

    sources: frozenset[Status]
    guards: tuple[Guard[C], ...]
    effect: Effect[C]


# --- effects ---------------------------------------------------------------------------------


def _respond(dispute: Dispute, command: Respond, ctx: Context) -> Change:
    text = check.text("response", command.response)
    actions = check.actions("actions", command.actions, ctx.calendar.local_date(command.at))
    review = ctx.policy.review_time(dispute.stage)
    answered = replace(
        tracked.taken_on(dispute, command.actor.id),
        status=Status.AWAITING_REVIEW,
        responded_by=command.actor.id,
        review_due_at=ctx.calendar.due(command.at, review) if review else None,
    )
    answered = tracked.track(answered, actions, command.actor.id, command.actor.id, command.at)
    on_time = dispute.due_at is None or command.at <= dispute.due_at
    stage = current_stage(dispute, ctx)
    asks = bool(stage is not None and stage.response_asks)
    answer = check.text("answer", command.answer, required=asks)
    payload = Responded(
        response=text,
        actions=actions,
        practice_issues=check.text("practice_issues", command.practice_issues, False),
        on_behalf_of=command.on_behalf_of,
        on_time=on_time,
        due_at=dispute.due_at,
        answer=answer,
    )
    return Change(answered, payload)


def _resolve(dispute: Dispute, command: Resolve, ctx: Context) -> Change:
    comments = check.text("comments", command.comments)
    agreed = tracked.within_limit("actions", command.actions, command.at, ctx)
    if agreed and needs_close_agreement(dispute, ctx):
        raise InvalidInput("actions", "agree actions when the close is agreed, not before")
    if needs_close_agreement(dispute, ctx):
        return propose_close(dispute, command, Outcome.RESOLVED, comments, ctx)
    review = review_timing(dispute, command.at)
    owner = tracked.stage_manager(dispute)
    closed = close(
        tracked.track(dispute, agreed, owner, command.actor.id, command.at),
        command.at,
        Outcome.RESOLVED,
    )
    payload = Resolved(comments=comments, review=review, actions=agreed)
    return Change(closed, payload)


def _extend(dispute: Dispute, command: Extend, ctx: Context) -> Change:
    work = check.text("agreed_work", command.agreed_work)
    agreed = tracked.within_limit("actions", command.actions, command.at, ctx)
    owner = tracked.stage_manager(dispute)
    dispute = tracked.track(dispute, agreed, owner, command.actor.id, command.at)
    rule = ctx.policy.extension
    assert rule is not None  # guarded by _extension_left
    due = capped(
        extension_due(rule, command, ctx), dispute.overall_due_at, process_of(dispute, ctx)
    )
    extended = replace(
        dispute,
        status=Status.AWAITING_RESPONSE,
        due_at=due,
        review_due_at=None,
        extensions_used=dispute.extensions_used + 1,
        responded_by="",
        overdue_noted=False,
    )
    timing = review_timing(dispute, command.at)
    payload = Extended(agreed_work=work, due_at=due, review=timing, actions=agreed)
    return Change(extended, payload)


def extension_due(rule: ExtensionRule, command: Extend, ctx: Context) -> datetime:
    """When agreed further work is due: the policy's timescale, or the raiser's date within it."""
    limit = ctx.calendar.due(command.at, rule.timescale)
    if not rule.raiser_sets_deadline:
        if command.due is not None:
            raise InvalidInput("due", "the further time is fixed by the policy")
        return limit
    if command.due is None:
        raise InvalidInput("due", "say when the further work is due")
    if command.due < ctx.calendar.local_date(command.at):
        raise InvalidInput("due", "the date cannot be in the past")
    due = ctx.calendar.end_of_day(command.due)
    if due > limit:
        raise InvalidInput("due", f"must be no later than {limit:%d %b %Y} ({rule.timescale})")
    return due


def _escalate(dispute: Dispute, command: Escalate, ctx: Context) -> Change:
    reason = check.text("reason", command.reason)
    concerns = check.text("updated_concerns", command.updated_concerns, False)
    automatic = command.actor.id == SYSTEM
    here = current_stage(dispute, ctx)
    skipped = ""
    if command.skipped and (here is None or not here.tiers):
        raise InvalidInput("tier", "this stage has no tiers of management to pass over")
    if here is not None and here.tiers:
        tier = tiers.target(dispute, here, command.to_stage, command.skipped)
        skipped = tiers.skipped_text(ctx.policy, here, command.skipped)
        if tier:
            climbed = climb(dispute, here, tier, command, ctx)
            payload = Escalated(
                reason=reason,
                updated_concerns=concerns,
                automatic=automatic,
                to=here.key,
                tier=tier,
                skipped=skipped,
                consulted=check.text("consulted", command.consulted, False, MAX_SHORT_TEXT),
                review=review_timing(dispute, command.at),
            )
            return Change(climbed, payload)
    role = dispute.raiser_role
    target = escalation_target(dispute, command.to_stage, role, ctx)
    consulted = _consulted(target, command.consulted)
    if isinstance(target, FinalStep):
        external = enter_final(dispute, target, command.at, command.owners, ctx)
        final = Escalated(
            reason=reason,
            updated_concerns=concerns,
            automatic=automatic,
            final_step=True,
            review=review_timing(dispute, command.at),
            consulted=consulted,
            skipped=skipped,
        )
        return Change(external, final)
    routed, awaiting = route(dispute, target, command, ctx)
    payload = Escalated(
        reason=reason,
        updated_concerns=concerns,
        automatic=automatic,
        awaiting_approval=awaiting,
        to=target.key,
        consulted=consulted,
        review=review_timing(dispute, command.at),
        skipped=skipped,
    )
    return Change(routed, payload)


def _refer(dispute: Dispute, command: Refer, ctx: Context) -> Change:
    try:
        referral = ctx.policy.referral(command.target)
    except KeyError:
        raise InvalidInput("target", f"{command.target!r} is not a referral route") from None
    if command.actor.role not in referral.roles:
        raise NotPermitted(dispute.status, "Refer", f"{referral.title} is not open to you")
    consulted = check.text("consulted", command.consulted, required=bool(referral.consult))
    reason = check.text("reason", command.reason)
    concurrent = command.concurrent and referral.concurrent
    referred = replace(dispute, referrals=(*dispute.referrals, referral.key))
    if not concurrent:
        referred = close(referred, command.at, Outcome.REFERRED)
    payload = Referred(
        target=referral.key, reason=reason, consulted=consulted, concurrent=concurrent
    )
    return Change(referred, payload)


def _alert(dispute: Dispute, command: AlertImmediateHarm, ctx: Context) -> Change:
    details = check.text("details", command.details)
    return Change(dispute, HarmAlerted(details=details))


def _withdraw(dispute: Dispute, command: Withdraw, ctx: Context) -> Change:
    reason = check.text("reason", command.reason)
    closed = close(dispute, command.at, Outcome.WITHDRAWN)
    return Change(closed, Withdrawn(reason=reason))


def _conclude(dispute: Dispute, command: Conclude, ctx: Context) -> Change:
    outcome = check.text("outcome", command.outcome)
    if needs_close_agreement(dispute, ctx):
        return propose_close(dispute, command, Outcome.CONCLUDED, outcome, ctx)
    payload = Concluded(outcome=outcome, review=review_timing(dispute, command.at))
    return Change(close(dispute, command.at, Outcome.CONCLUDED), payload)


def _note_overdue(dispute: Dispute, command: NoteOverdue, ctx: Context) -> Change:
    noted = replace(dispute, overdue_noted=True)
    return Change(noted, OverdueNoted(due_at=dispute.due_at))


def _correct(dispute: Dispute, command: Correct, ctx: Context) -> Change:
    today = ctx.calendar.local_date(command.at)
    fixed, payload = governance.corrected(dispute, command, today, ctx.policy.access.correct)
    return Change(fixed, payload)


# --- the table -------------------------------------------------------------------------------

_OPEN = frozenset(s for s in Status if s != Status.CLOSED)
_RESPONSE = frozenset({Status.AWAITING_RESPONSE})
_REVIEW = frozenset({Status.AWAITING_REVIEW})
_APPROVAL = frozenset({Status.AWAITING_APPROVAL})
_CLOSED = frozenset({Status.CLOSED})

TRANSITIONS: Mapping[type[Command], Transition[Any]] = {
    Approve: Transition(_APPROVAL, (guards.is_approver,), approve),
    Decline: Transition(_APPROVAL, (guards.is_approver,), decline),
    Respond: Transition(_RESPONSE, (guards.is_owner,), _respond),
    Resolve: Transition(
        _RESPONSE | _REVIEW, (guards.may_decide, guards.not_own_response), _resolve
    ),
    Extend: Transition(
        _REVIEW, (guards.may_decide, guards.not_own_response, guards.extension_left), _extend
    ),
    Escalate: Transition(
        _RESPONSE | _REVIEW,
        (guards.may_decide_or_system, guards.not_own_response, guards.may_escalate_now),
        _escalate,
    ),
    Refer: Transition(_OPEN, (guards.is_raiser,), _refer),
    AlertImmediateHarm: Transition(_OPEN, (guards.is_raiser, guards.has_harm_route), _alert),
    Withdraw: Transition(_OPEN, (guards.is_raiser,), _withdraw),
    Conclude: Transition(
        _RESPONSE | _REVIEW | {Status.EXTERNAL}, (guards.may_close, guards.may_conclude), _conclude
    ),
    NoteOverdue: Transition(_RESPONSE | {Status.EXTERNAL}, (guards.is_overdue,), _note_overdue),
    Correct: Transition(frozenset(Status), (), _correct),  # governance.corrected checks who
    HandOver: Transition(_OPEN, (handover.hands_over_a_part,), handover.hand_over),
    # Tracked actions outlive the dispute's resolution: ticked and noted open or closed.
    TickAction: Transition(frozenset(Status), (), tracked.tick),
    NoteActionPassed: Transition(frozenset(Status), (), tracked.note_passed),
    Reopen: Transition(_CLOSED, (guards.is_raiser, tracked.may_reopen), tracked.reopen),
}


def decide(dispute: Dispute, command: Command, ctx: Context) -> Decision:
    """Apply one command to a dispute: the new dispute and its one event, or an error."""
    name = type(command).__name__
    transition = TRANSITIONS.get(type(command))
    if transition is None:
        raise CommandRejected(dispute.status, name, "not a command on an existing dispute")
    if dispute.status not in transition.sources:
        raise CommandRejected(dispute.status, name, f"the dispute is {dispute.status.label}")
    for guard in transition.guards:
        guard(dispute, command, ctx)
    change = transition.effect(dispute, command, ctx)
    return _record(dispute, change, command)


def raise_dispute(command: Raise, ctx: Context) -> Decision:
    """Open a new dispute: validate the form, then route it (or ask for agreement first)."""
    process, stage = _opening(command, ctx)
    today = ctx.calendar.local_date(command.at)
    draft = Dispute(
        reference=check.reference(command.reference),
        policy=ctx.policy.key,
        process=process.key,
        raised_by=command.actor.id,
        raiser_role=command.actor.role,
        raised_at=command.at,
        date_of_concern=check.not_future("date_of_concern", command.date_of_concern, today),
        children=check.children(command.children, today),
        team=check.text("team", command.team, max_length=200),
        concern=check.concern(command.concern, ctx.policy, today, command.at, ctx.calendar),
        status=Status.AWAITING_RESPONSE,
        stage="",
        practitioner=command.practitioner,
        raiser_team=command.raiser_team,
        child_on_plan=command.child_on_plan,
        plan_chair=command.plan_chair,
    )
    consulted = _consulted(stage, command.consulted)
    conference = _conference_date(process, command.conference_date, today)
    routed, awaiting = route(draft, stage, command, ctx)
    owner = "" if awaiting else tracked.stage_manager(routed)
    requested = draft.concern.requested_actions
    routed = tracked.track(routed, requested, owner, command.actor.id, command.at)
    late = _raised_late(command, ctx)
    raised = Raised(
        awaiting_approval=awaiting,
        to=stage.key,
        late=late,
        consulted=consulted,
        conference_date=conference,
    )
    change = Change(routed, raised)
    return _record(draft, change, command)


def _opening(command: Raise, ctx: Context) -> tuple[Process, Stage]:
    try:
        process = ctx.policy.process(command.process)
    except KeyError:
        raise InvalidInput("process", f"{command.process!r} is not in this policy") from None
    role = command.actor.role
    title = ctx.policy.role_title(role)
    if role not in process.raisers:
        raise NotPermitted("new", "Raise", f"a {title} may not raise a {process.title}")
    if not process.has_stage(command.stage):
        raise InvalidInput("stage", f"there is no stage {command.stage!r}")
    stage = process.stage(command.stage)
    if not stage.may_open(role):
        raise NotPermitted("new", "Raise", f"a {title} may not open at stage {stage.key}")
    return process, stage


ON_TIME, LATE = "on_time", "late"


def review_timing(dispute: Dispute, at: datetime) -> str:
    """The raiser's review of a response against the policy's review deadline (seed 003: 2
    calendar days): "on_time", "late", or "" where none was due."""
    if dispute.status != Status.AWAITING_REVIEW or dispute.review_due_at is None:
        return ""
    return ON_TIME if at <= dispute.review_due_at else LATE


def _consulted(stage: Stage | FinalStep, consulted: str) -> str:
    """Who the raiser consulted before the dispute goes to ``stage``: required where the stage
    names whom (seed 002: the CPCC's line manager before the formal stages)."""
    required = bool(stage.consult)
    return check.text("consulted", consulted, required=required, max_length=MAX_SHORT_TEXT)


def _conference_date(process: Process, day: date | None, today: date) -> str:
    """The conference the dispute follows, where the process asks (seed 002's form)."""
    if not process.conference_date:
        return ""
    if day is None:
        raise InvalidInput("conference_date", "is required")
    return check.not_future("conference_date", day, today).isoformat()


def _raised_late(command: Raise, ctx: Context) -> bool:
    limit = ctx.policy.raise_within
    if limit is None:
        return False
    aware = ctx.calendar.end_of_day(command.date_of_concern)
    return command.at > ctx.calendar.due(aware, limit)


def _record(before: Dispute, change: Change, command: Command) -> Decision:
    after = replace(change.dispute, version=before.version + 1)
    event = Event(
        reference=after.reference,
        sequence=after.version,
        actor=command.actor.id,
        actor_role=command.actor.role,
        at=command.at,
        from_stage=before.stage,
        to_stage=after.stage,
        payload=change.payload,
    )
    return Decision(after, event)
