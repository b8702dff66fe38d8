"""The dispute state machine: a declared transition table over states and commands.

``decide`` checks the command against the table (source states, then typed guards), applies
its effect and returns the new dispute with exactly one event. A rejected command raises a
``CommandRejected`` (or ``InvalidInput``) and changes nothing: disputes are immutable.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, Generic, TypeVar

from drp import governance
from drp import validation as check
from drp.calendar import WorkingDayCalendar
from drp.commands import (
    AlertImmediateHarm,
    Approve,
    Command,
    Conclude,
    Correct,
    Decline,
    Escalate,
    Extend,
    NoteOverdue,
    Raise,
    Refer,
    Resolve,
    Respond,
    Withdraw,
)
from drp.errors import CommandRejected, InvalidInput, NotPermitted
from drp.events import (
    Approved,
    Concluded,
    Declined,
    Escalated,
    Event,
    Extended,
    HarmAlerted,
    OverdueNoted,
    Payload,
    Raised,
    Referred,
    Resolved,
    Responded,
    Withdrawn,
)
from drp.model import SYSTEM, Dispute, Outcome, Status
from drp.policy import INFORMAL, FinalStep, Move, Policy, Process, Stage
from drp.roles import Role

C = TypeVar("C", bound=Command)


@dataclass(frozen=True, slots=True)
class Context:
    """What every decision needs besides the dispute: the policy and the working-day clock."""

    policy: Policy
    calendar: WorkingDayCalendar


@dataclass(frozen=True, slots=True)
class Decision:
    """The dispute after an accepted command, and the one event that records it."""

    dispute: Dispute
    event: Event


@dataclass(frozen=True, slots=True)
class Change:
    """What an effect produces: the new dispute and the event's payload."""

    dispute: Dispute
    payload: Payload


Guard = Callable[[Dispute, C, Context], None]
Effect = Callable[[Dispute, C, Context], Change]


@dataclass(frozen=True, slots=True)
class Transition(Generic[C]):
    """A row of the table: the states a command is allowed in, its guards and its effect."""

    sources: frozenset[Status]
    guards: tuple[Guard[C], ...]
    effect: Effect[C]


def process_of(dispute: Dispute, ctx: Context) -> Process:
    """The policy process this dispute follows."""
    return ctx.policy.process(dispute.process)


def current_stage(dispute: Dispute, ctx: Context) -> Stage | None:
    """The internal stage the dispute is at, or None (awaiting agreement to open, external)."""
    process = process_of(dispute, ctx)
    return process.stage(dispute.stage) if process.has_stage(dispute.stage) else None


# --- guards ----------------------------------------------------------------------------------


def _is_raiser(dispute: Dispute, command: Command, ctx: Context) -> None:
    if command.actor.id != dispute.raised_by:
        raise NotPermitted(
            dispute.status, type(command).__name__, "only the person who raised it may do this"
        )


def _is_owner(dispute: Dispute, command: Respond, ctx: Context) -> None:
    stage = current_stage(dispute, ctx)
    meeting_note = stage is not None and stage.meeting and command.actor.id == dispute.raised_by
    # A deputy answers for a named owner and must hold one of the stage's responding roles.
    deputy = stage is not None and command.actor.role in (*stage.responsible, *stage.raiser_side)
    if command.actor.id in dispute.owners or (deputy and command.on_behalf_of in dispute.owners):
        return
    if not meeting_note:
        raise NotPermitted(
            dispute.status, "Respond", "only the stage's responsible manager (or deputy) may"
        )


def _is_approver(dispute: Dispute, command: Command, ctx: Context) -> None:
    roles = ctx.policy.approvers(process_of(dispute, ctx), dispute.pending_stage)
    named = command.actor.id == dispute.approver
    if not named or (roles and command.actor.role not in roles):
        raise NotPermitted(dispute.status, type(command).__name__, "only the approver may")


def _not_own_response(dispute: Dispute, command: Command, ctx: Context) -> None:
    stage = current_stage(dispute, ctx)
    if command.actor.id == dispute.responded_by and not (stage and stage.meeting):
        raise NotPermitted(
            dispute.status, type(command).__name__, "a manager cannot review their own response"
        )


def _may_escalate_now(dispute: Dispute, command: Escalate, ctx: Context) -> None:
    if command.actor.id == SYSTEM:
        _may_auto_escalate(dispute, command, ctx)
        return
    if dispute.status != Status.AWAITING_RESPONSE:
        return
    overdue = dispute.due_at is not None and command.at > dispute.due_at
    if not overdue and not process_of(dispute, ctx).bypass:
        raise CommandRejected(
            dispute.status, "Escalate", "the response is not yet due; review it when it arrives"
        )


def _may_auto_escalate(dispute: Dispute, command: Escalate, ctx: Context) -> None:
    """The scheduler only moves an unanswered, overdue dispute up one internal stage."""
    awaiting = dispute.status == Status.AWAITING_RESPONSE
    overdue = awaiting and dispute.due_at is not None and command.at > dispute.due_at
    if not (ctx.policy.auto_escalate and overdue):
        raise CommandRejected(dispute.status, "Escalate", "no automatic escalation is due")
    if dispute.stage == INFORMAL:
        # Calderdale: going formal follows consultation with the chair's line manager.
        raise CommandRejected(dispute.status, "Escalate", "the raiser decides to go formal")
    following = process_of(dispute, ctx).next_stage(dispute.stage)
    if following is None:
        # The external step (legal advice, appeals panel, CAFCASS) is the raiser's judgement.
        raise CommandRejected(dispute.status, "Escalate", "only the raiser may go further")
    if command.to_stage and command.to_stage != following.key:
        raise CommandRejected(dispute.status, "Escalate", "automatic escalation skips no stage")


def _is_raiser_or_system(dispute: Dispute, command: Escalate, ctx: Context) -> None:
    if command.actor.id != SYSTEM:
        _is_raiser(dispute, command, ctx)


def _has_harm_route(dispute: Dispute, command: AlertImmediateHarm, ctx: Context) -> None:
    if not ctx.policy.harm_route:
        raise CommandRejected(
            dispute.status, "AlertImmediateHarm", "this policy names no immediate-harm route"
        )


def _extension_left(dispute: Dispute, command: Extend, ctx: Context) -> None:
    rule = ctx.policy.extension
    if rule is None:
        raise CommandRejected(dispute.status, "Extend", "this policy has no extension")
    if dispute.extensions_used >= rule.max_extensions:
        raise CommandRejected(dispute.status, "Extend", "the extension has already been used")


def _is_overdue(dispute: Dispute, command: NoteOverdue, ctx: Context) -> None:
    if command.actor.id != SYSTEM:
        raise NotPermitted(dispute.status, "NoteOverdue", "only the scheduler notes deadlines")
    if dispute.due_at is None or command.at <= dispute.due_at or dispute.overdue_noted:
        raise CommandRejected(dispute.status, "NoteOverdue", "nothing is overdue")


def _may_conclude(dispute: Dispute, command: Conclude, ctx: Context) -> None:
    if dispute.status == Status.EXTERNAL:
        return
    unanswered = dispute.status == Status.AWAITING_RESPONSE
    if unanswered and (dispute.due_at is None or command.at <= dispute.due_at):
        raise CommandRejected(dispute.status, "Conclude", "the response is not yet due")
    process = process_of(dispute, ctx)
    last = process.next_stage(dispute.stage) is None and dispute.stage != "informal"
    if not last:
        raise CommandRejected(dispute.status, "Conclude", "escalate or resolve it instead")
    final = process.final_step
    if final is not None and dispute.raiser_role in final.roles:
        raise CommandRejected(dispute.status, "Conclude", f"escalate to: {final.title}")


# --- stage entry -----------------------------------------------------------------------------


def stage_due(stage: Stage, at: datetime, requested: date | None, ctx: Context) -> datetime:
    """The deadline for a stage entered at ``at``; a raiser-set date must fit the policy."""
    cal = ctx.calendar
    limit = cal.due(at, stage.timescale) if stage.timescale is not None else None
    if requested is None:
        if limit is None:
            raise InvalidInput("due", f"stage {stage.key} needs a deadline set by the raiser")
        return limit
    if not stage.raiser_sets_deadline:
        raise InvalidInput("due", f"stage {stage.key}'s deadline is fixed by the policy")
    if requested < cal.local_date(at):
        raise InvalidInput("due", "the deadline cannot be in the past")
    due = cal.end_of_day(requested)
    if limit is not None and due > limit:
        raise InvalidInput("due", f"must be no later than {limit:%d %b %Y} ({stage.timescale})")
    return due


def _enter(
    dispute: Dispute,
    stage: Stage,
    at: datetime,
    *,
    owners: tuple[str, ...],
    due: date | None,
    ctx: Context,
) -> Dispute:
    if not owners:
        raise InvalidInput("owners", f"nobody is named to respond at stage {stage.key}")
    if stage.two_sided and len(set(owners)) < 2:
        # City & Hackney: each agency's manager, with the other agency's equivalent.
        raise InvalidInput("owners", f"stage {stage.key} needs a manager from each agency")
    process = process_of(dispute, ctx)
    starts_formal = stage.formal and dispute.formal_started_at is None
    overall = dispute.overall_due_at
    if starts_formal and process.overall_limit is not None:
        overall = ctx.calendar.due(at, process.overall_limit)
    return replace(
        dispute,
        status=Status.AWAITING_RESPONSE,
        stage=stage.key,
        owners=owners,
        due_at=stage_due(stage, at, due, ctx),
        review_due_at=None,
        overall_due_at=overall,
        formal_started_at=at if starts_formal else dispute.formal_started_at,
        pending_stage="",
        pending_due=None,
        resume_status=None,
        extensions_used=0,
        responded_by="",
        overdue_noted=False,
    )


def _await_approval(
    dispute: Dispute, stage: Stage, command: Raise | Escalate, ctx: Context
) -> Dispute:
    approver, due = command.approver, command.due
    if not approver:
        roles = ctx.policy.approvers(process_of(dispute, ctx), stage.key)
        who = ctx.policy.roles.titles(roles)
        raise InvalidInput("approver", f"stage {stage.key} first needs agreement ({who})")
    if approver == dispute.raised_by:
        raise InvalidInput("approver", "the raiser cannot agree their own dispute")
    stage_due(stage, command.at, due, ctx)  # a bad deadline is refused now, not at Approve
    return replace(
        dispute,
        status=Status.AWAITING_APPROVAL,
        approver=approver,
        pending_stage=stage.key,
        pending_due=due,
        resume_status=dispute.status if dispute.stage else None,
    )


def _route(
    dispute: Dispute, stage: Stage, command: Raise | Escalate, ctx: Context
) -> tuple[Dispute, bool]:
    """The dispute entered at ``stage``, or awaiting agreement first (then True)."""
    process = process_of(dispute, ctx)
    move = Move.RAISE if isinstance(command, Raise) else Move.ESCALATE
    if ctx.policy.needs_approval(process, stage.key, move):
        return _await_approval(dispute, stage, command, ctx), True
    entered = _enter(dispute, stage, command.at, owners=command.owners, due=command.due, ctx=ctx)
    return entered, False


def escalation_target(
    dispute: Dispute, to_stage: str, role: Role, ctx: Context
) -> Stage | FinalStep:
    """Where an escalation from the current stage goes: the next stage, or a later one."""
    process = process_of(dispute, ctx)
    final = process.final_step
    if to_stage and final is not None and to_stage == final.key:
        target: Stage | FinalStep | None = final
    elif to_stage:
        target = _later_stage(dispute, to_stage, process)
    else:
        target = process.next_stage(dispute.stage) or final
    if target is None:
        raise CommandRejected(dispute.status, "Escalate", "this is the last stage; conclude it")
    if isinstance(target, FinalStep):
        if process.next_stage(dispute.stage) is not None and not process.bypass:
            raise CommandRejected(dispute.status, "Escalate", "the final step comes last")
        if role not in target.roles:
            raise NotPermitted(dispute.status, "Escalate", f"{target.title} is not open to you")
    elif not target.admits(role):
        only = ctx.policy.roles.titles(target.admitted)
        raise NotPermitted(dispute.status, "Escalate", f"stage {target.key} is for: {only}")
    return target


def _later_stage(dispute: Dispute, to_stage: str, process: Process) -> Stage:
    if not process.has_stage(to_stage):
        raise InvalidInput("to_stage", f"there is no stage {to_stage!r}")
    here, there = process.rank(dispute.stage), process.rank(to_stage)
    if there <= here:
        raise InvalidInput("to_stage", "a dispute can only move up the ladder")
    if there > here + 1 and not process.bypass:
        raise CommandRejected(dispute.status, "Escalate", "this policy does not allow bypass")
    return process.stage(to_stage)


# --- effects ---------------------------------------------------------------------------------


def _approve(dispute: Dispute, command: Approve, ctx: Context) -> Change:
    stage = process_of(dispute, ctx).stage(dispute.pending_stage)
    entered = _enter(
        dispute, stage, command.at, owners=command.owners, due=dispute.pending_due, ctx=ctx
    )
    comments = check.text("comments", command.comments, required=False)
    return Change(entered, Approved(comments=comments))


def _decline(dispute: Dispute, command: Decline, ctx: Context) -> Change:
    reason = check.text("reason", command.reason)
    if dispute.resume_status is None:
        closed = _close(dispute, command.at, Outcome.NOT_AGREED)
        return Change(closed, Declined(reason=reason))
    back = replace(
        dispute,
        status=dispute.resume_status,
        pending_stage="",
        pending_due=None,
        resume_status=None,
    )
    return Change(back, Declined(reason=reason))


def _respond(dispute: Dispute, command: Respond, ctx: Context) -> Change:
    text = check.text("response", command.response)
    actions = check.actions("actions", command.actions, ctx.calendar.local_date(command.at))
    review = ctx.policy.chair_review
    answered = replace(
        dispute,
        status=Status.AWAITING_REVIEW,
        responded_by=command.actor.id,
        review_due_at=ctx.calendar.due(command.at, review) if review else None,
    )
    on_time = dispute.due_at is None or command.at <= dispute.due_at
    payload = Responded(
        response=text,
        actions=actions,
        practice_issues=check.text("practice_issues", command.practice_issues, False),
        on_behalf_of=command.on_behalf_of,
        on_time=on_time,
        due_at=dispute.due_at,
    )
    return Change(answered, payload)


def _resolve(dispute: Dispute, command: Resolve, ctx: Context) -> Change:
    comments = check.text("comments", command.comments)
    closed = _close(dispute, command.at, Outcome.RESOLVED)
    return Change(closed, Resolved(comments=comments))


def _extend(dispute: Dispute, command: Extend, ctx: Context) -> Change:
    work = check.text("agreed_work", command.agreed_work)
    rule = ctx.policy.extension
    assert rule is not None  # guarded by _extension_left
    due = ctx.calendar.due(command.at, rule.timescale)
    extended = replace(
        dispute,
        status=Status.AWAITING_RESPONSE,
        due_at=due,
        review_due_at=None,
        extensions_used=dispute.extensions_used + 1,
        responded_by="",
        overdue_noted=False,
    )
    return Change(extended, Extended(agreed_work=work, due_at=due))


def _escalate(dispute: Dispute, command: Escalate, ctx: Context) -> Change:
    reason = check.text("reason", command.reason)
    concerns = check.text("updated_concerns", command.updated_concerns, False)
    automatic = command.actor.id == SYSTEM
    role = dispute.raiser_role
    target = escalation_target(dispute, command.to_stage, role, ctx)
    if isinstance(target, FinalStep):
        external = replace(
            dispute,
            status=Status.EXTERNAL,
            stage=target.key,
            owners=(),
            due_at=None,
            review_due_at=None,
            responded_by="",
        )
        final = Escalated(
            reason=reason, updated_concerns=concerns, automatic=automatic, final_step=True
        )
        return Change(external, final)
    routed, awaiting = _route(dispute, target, command, ctx)
    payload = Escalated(
        reason=reason,
        updated_concerns=concerns,
        automatic=automatic,
        awaiting_approval=awaiting,
        to=target.key,
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
        referred = _close(referred, command.at, Outcome.REFERRED)
    payload = Referred(
        target=referral.key, reason=reason, consulted=consulted, concurrent=concurrent
    )
    return Change(referred, payload)


def _alert(dispute: Dispute, command: AlertImmediateHarm, ctx: Context) -> Change:
    details = check.text("details", command.details)
    return Change(dispute, HarmAlerted(details=details))


def _withdraw(dispute: Dispute, command: Withdraw, ctx: Context) -> Change:
    reason = check.text("reason", command.reason)
    closed = _close(dispute, command.at, Outcome.WITHDRAWN)
    return Change(closed, Withdrawn(reason=reason))


def _conclude(dispute: Dispute, command: Conclude, ctx: Context) -> Change:
    outcome = check.text("outcome", command.outcome)
    closed = _close(dispute, command.at, Outcome.CONCLUDED)
    return Change(closed, Concluded(outcome=outcome))


def _note_overdue(dispute: Dispute, command: NoteOverdue, ctx: Context) -> Change:
    noted = replace(dispute, overdue_noted=True)
    return Change(noted, OverdueNoted(due_at=dispute.due_at))


def _correct(dispute: Dispute, command: Correct, ctx: Context) -> Change:
    fixed, payload = governance.corrected(dispute, command, ctx.calendar.local_date(command.at))
    return Change(fixed, payload)


def _close(dispute: Dispute, at: datetime, outcome: Outcome) -> Dispute:
    return replace(
        dispute,
        status=Status.CLOSED,
        outcome=outcome,
        closed_at=at,
        owners=(),
        review_due_at=None,
        pending_stage="",
        pending_due=None,
        resume_status=None,
    )


# --- the table -------------------------------------------------------------------------------

_OPEN = frozenset(s for s in Status if s != Status.CLOSED)
_RESPONSE = frozenset({Status.AWAITING_RESPONSE})
_REVIEW = frozenset({Status.AWAITING_REVIEW})
_APPROVAL = frozenset({Status.AWAITING_APPROVAL})

TRANSITIONS: Mapping[type[Command], Transition[Any]] = {
    Approve: Transition(_APPROVAL, (_is_approver,), _approve),
    Decline: Transition(_APPROVAL, (_is_approver,), _decline),
    Respond: Transition(_RESPONSE, (_is_owner,), _respond),
    Resolve: Transition(_RESPONSE | _REVIEW, (_is_raiser, _not_own_response), _resolve),
    Extend: Transition(_REVIEW, (_is_raiser, _not_own_response, _extension_left), _extend),
    Escalate: Transition(
        _RESPONSE | _REVIEW,
        (_is_raiser_or_system, _not_own_response, _may_escalate_now),
        _escalate,
    ),
    Refer: Transition(_OPEN, (_is_raiser,), _refer),
    AlertImmediateHarm: Transition(_OPEN, (_is_raiser, _has_harm_route), _alert),
    Withdraw: Transition(_OPEN, (_is_raiser,), _withdraw),
    Conclude: Transition(
        _RESPONSE | _REVIEW | {Status.EXTERNAL}, (_is_raiser, _may_conclude), _conclude
    ),
    NoteOverdue: Transition(_RESPONSE, (_is_overdue,), _note_overdue),
    Correct: Transition(frozenset(Status), (), _correct),  # governance.corrected checks who
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
    )
    routed, awaiting = _route(draft, stage, command, ctx)
    raised = Raised(awaiting_approval=awaiting, to=stage.key, late=_raised_late(command, ctx))
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
