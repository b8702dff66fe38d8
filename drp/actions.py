"""Agreed actions are tracked (issue 14.4): requested and agreed actions become records with an
owner and a complete-by date; the owner (or the chair) ticks one done; the scheduler notes one
passing undone, once; the chair may reopen a resolved dispute whose actions were not done
within the profile's ``reopen_within`` (seed 001: "if the agreed actions are not implemented
effectively, the DRP will need to escalate").

Who owns an action: whoever promised it in a response; a requested action (raising, or the
chair's review) the stage's responsible manager (the one who responded, else the first owner;
until someone owns the stage, nobody: the first to respond takes it on).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

from drp import validation as check
from drp.calendar import WorkingDayCalendar
from drp.commands import NoteActionPassed, Reopen, TickAction
from drp.context import Change, Context, process_of
from drp.errors import CommandRejected, InvalidInput, NotPermitted
from drp.events import ActionDone, ActionPassed, Reopened
from drp.model import MAX_TRACKED, SYSTEM, Action, Dispute, Outcome, Status, TrackedAction
from drp.policy import FinalStep
from drp.stage_entry import enter, enter_final, escalation_target, route


def track(
    dispute: Dispute, actions: tuple[Action, ...], owner: str, by: str, at: datetime
) -> Dispute:
    """The dispute with ``actions`` added to its tracked ones, numbered on from the last."""
    if len(dispute.actions) + len(actions) > MAX_TRACKED:
        raise InvalidInput("actions", f"at most {MAX_TRACKED} actions on one dispute")
    start = len(dispute.actions) + 1
    added = tuple(
        TrackedAction(n, a.text, a.complete_by, owner, by, at, dispute.stage)
        for n, a in enumerate(actions, start=start)
    )
    return replace(dispute, actions=dispute.actions + added)


def taken_on(dispute: Dispute, owner: str) -> Dispute:
    """Requested actions nobody owned yet, taken on by ``owner`` (who responded)."""
    owned = tuple(a if a.owner else replace(a, owner=owner) for a in dispute.actions)
    return replace(dispute, actions=owned)


def stage_manager(dispute: Dispute) -> str:
    """Who owns what the chair requests at this step: who responded, else the first owner."""
    return dispute.responded_by or (dispute.owners[0] if dispute.owners else "")


def within_limit(
    field: str, actions: tuple[Action, ...], at: datetime, ctx: Context
) -> tuple[Action, ...]:
    """Actions with dates not past, each within the profile's ``requested_action_limit``."""
    cal = ctx.calendar
    found = check.actions(field, actions, cal.local_date(at))
    limit = ctx.policy.requested_action_limit
    if limit is None:
        return found
    latest = cal.local_date(cal.due(at, limit))
    for number, action in enumerate(found, start=1):
        if action.complete_by > latest:
            raise InvalidInput(
                f"{field}[{number}].complete_by",
                f"must be within {limit} (by {latest:%d %b %Y})",
            )
    return found


def action_of(dispute: Dispute, number: int) -> TrackedAction:
    """The tracked action with this number; InvalidInput if the dispute has none."""
    for action in dispute.actions:
        if action.number == number:
            return action
    raise InvalidInput("action", f"there is no action {number} on this dispute")


def tick(dispute: Dispute, command: TickAction, ctx: Context) -> Change:
    """The owner, or the chair, ticks an open action done."""
    action = action_of(dispute, command.number)
    if command.actor.id not in (action.owner, dispute.raised_by):
        raise NotPermitted(dispute.status, "TickAction", "only its owner or the chair may")
    if action.done:
        raise CommandRejected(dispute.status, "TickAction", "this action is already done")
    ticked = replace(action, done_by=command.actor.id, done_at=command.at)
    return Change(_with(dispute, ticked), ActionDone(number=action.number))


def note_passed(dispute: Dispute, command: NoteActionPassed, ctx: Context) -> Change:
    """The scheduler notes an action passed undone, once (the chair is told)."""
    if command.actor.id != SYSTEM:
        raise NotPermitted(dispute.status, "NoteActionPassed", "only the scheduler notes this")
    action = action_of(dispute, command.number)
    if not action.passed(ctx.calendar.local_date(command.at)) or action.passed_noted:
        raise CommandRejected(dispute.status, "NoteActionPassed", "the action has not passed")
    noted = replace(action, passed_noted=True)
    return Change(_with(dispute, noted), ActionPassed(number=action.number))


def _with(dispute: Dispute, action: TrackedAction) -> Dispute:
    kept = tuple(action if a.number == action.number else a for a in dispute.actions)
    return replace(dispute, actions=kept)


def reopen_until(dispute: Dispute, ctx: Context) -> datetime | None:
    """Until when its chair may reopen this resolved dispute; None if it may not be."""
    limit = ctx.policy.reopen_within
    if limit is None or dispute.outcome != Outcome.RESOLVED or dispute.closed_at is None:
        return None
    return ctx.calendar.due(dispute.closed_at, limit)


def may_reopen(dispute: Dispute, command: Reopen, ctx: Context) -> None:
    """Resolved, within the profile's period, an agreed action undone, at an internal stage."""
    until = reopen_until(dispute, ctx)
    if until is None:
        raise CommandRejected(dispute.status, "Reopen", "this dispute cannot be reopened")
    if command.at > until:
        until_day = ctx.calendar.local_date(until)
        raise CommandRejected(
            dispute.status, "Reopen", f"it could be reopened until {until_day:%d %b %Y}"
        )
    if all(action.done for action in dispute.actions):
        raise CommandRejected(dispute.status, "Reopen", "every agreed action was done")
    if not process_of(dispute, ctx).has_stage(dispute.stage):
        raise CommandRejected(dispute.status, "Reopen", "it was resolved outside the stages")


def reopen(dispute: Dispute, command: Reopen, ctx: Context) -> Change:
    """Back to the stage it was resolved at, or escalated from it; fresh timescales (the
    overall limit, long past, no longer caps them)."""
    reason = check.text("reason", command.reason)
    opened = replace(
        dispute,
        status=Status.AWAITING_REVIEW,
        outcome=None,
        closed_at=None,
        overall_due_at=None,
        reopened=dispute.reopened + 1,
    )
    stage = process_of(dispute, ctx).stage(dispute.stage)
    if not command.escalate:
        entered = enter(
            opened,
            stage,
            command.at,
            owners=command.owners,
            deciders=command.deciders,
            due=None,
            ctx=ctx,
        )
        return Change(entered, Reopened(reason=reason, to=stage.key))
    target = escalation_target(opened, "", dispute.raiser_role, ctx)
    if isinstance(target, FinalStep):
        external = enter_final(opened, target, command.at, command.owners, ctx)
        payload = Reopened(reason=reason, to=target.key, escalated=True, final_step=True)
        return Change(external, payload)
    routed, awaiting = route(opened, target, command, ctx)
    payload = Reopened(reason=reason, to=target.key, escalated=True, awaiting_approval=awaiting)
    return Change(routed, payload)


def reminder_day(complete_by: date, calendar: WorkingDayCalendar) -> date:
    """The working day before an action's complete-by date, when its owner is reminded."""
    day = complete_by - timedelta(days=1)
    while not calendar.is_working_day(day):
        day -= timedelta(days=1)
    return day
