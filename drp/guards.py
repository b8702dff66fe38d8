"""The transition table's guards: typed checks that raise ``CommandRejected`` (or its
``NotPermitted``) when a command may not be applied, and change nothing."""

from __future__ import annotations

from drp.commands import (
    AlertImmediateHarm,
    Command,
    Conclude,
    Escalate,
    Extend,
    NoteOverdue,
    Respond,
)
from drp.context import Context, current_stage, process_of
from drp.errors import CommandRejected, NotPermitted
from drp.model import SYSTEM, Dispute, Status
from drp.policy import INFORMAL


def is_raiser(dispute: Dispute, command: Command, ctx: Context) -> None:
    """Only the person who raised the dispute."""
    if command.actor.id != dispute.raised_by:
        raise NotPermitted(
            dispute.status, type(command).__name__, "only the person who raised it may do this"
        )


def may_decide(dispute: Dispute, command: Command, ctx: Context) -> None:
    """The raiser, or one of the stage's deciders in a role the stage names (the review)."""
    if command.actor.id == dispute.raised_by:
        return
    stage = current_stage(dispute, ctx)
    named = command.actor.id in dispute.deciders
    if not (named and stage is not None and command.actor.role in stage.deciders):
        raise NotPermitted(
            dispute.status, type(command).__name__, "only the raiser or a decider may do this"
        )


def may_decide_or_system(dispute: Dispute, command: Escalate, ctx: Context) -> None:
    """The scheduler's automatic escalation, or the review's own."""
    if command.actor.id != SYSTEM:
        may_decide(dispute, command, ctx)


def may_close(dispute: Dispute, command: Conclude, ctx: Context) -> None:
    """At the final step: whoever acts there (the raiser if nobody does); else the review."""
    if dispute.status != Status.EXTERNAL:
        may_decide(dispute, command, ctx)
        return
    final = process_of(dispute, ctx).final_step
    acting = dispute.owners if final is not None and final.acts else (dispute.raised_by,)
    if command.actor.id not in acting:
        raise NotPermitted(
            dispute.status, "Conclude", "only whoever acts at the final step may record it"
        )


def is_owner(dispute: Dispute, command: Respond, ctx: Context) -> None:
    """The stage's owners, a deputy in a responding role, or the raiser of a meeting stage."""
    stage = current_stage(dispute, ctx)
    meeting_note = stage is not None and stage.meeting and command.actor.id == dispute.raised_by
    # A deputy answers for a named owner and must hold one of the stage's responding roles.
    roles = (*stage.responsible, *stage.raiser_side, *stage.raiser_line) if stage else ()
    deputy = command.actor.role in roles
    if command.actor.id in dispute.owners or (deputy and command.on_behalf_of in dispute.owners):
        return
    if not meeting_note:
        raise NotPermitted(
            dispute.status, "Respond", "only the stage's responsible manager (or deputy) may"
        )


def is_approver(dispute: Dispute, command: Command, ctx: Context) -> None:
    """One of the named approvers, in a role the pending move's stage names."""
    process = process_of(dispute, ctx)
    at = dispute.pending_stage or dispute.stage
    roles = ctx.policy.approvers(process, at)
    named = command.actor.id in dispute.approvers
    if not named or (roles and command.actor.role not in roles):
        raise NotPermitted(dispute.status, type(command).__name__, "only the approver may")


def not_own_response(dispute: Dispute, command: Command, ctx: Context) -> None:
    """A manager does not review their own response (a meeting's note is the raiser's)."""
    stage = current_stage(dispute, ctx)
    if command.actor.id == dispute.responded_by and not (stage and stage.meeting):
        raise NotPermitted(
            dispute.status, type(command).__name__, "a manager cannot review their own response"
        )


def may_escalate_now(dispute: Dispute, command: Escalate, ctx: Context) -> None:
    """An unanswered stage escalates only once overdue (or by bypass); the scheduler's rules."""
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
    own = process_of(dispute, ctx).auto_escalate
    if not ((ctx.policy.auto_escalate if own is None else own) and overdue):
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
    if following.consult:
        # Only the raiser can say whom they consulted first (Stage.consult).
        raise CommandRejected(dispute.status, "Escalate", "the raiser consults first")


def has_harm_route(dispute: Dispute, command: AlertImmediateHarm, ctx: Context) -> None:
    """The policy names whom to alert on immediate harm."""
    if not ctx.policy.harm_route:
        raise CommandRejected(
            dispute.status, "AlertImmediateHarm", "this policy names no immediate-harm route"
        )


def extension_left(dispute: Dispute, command: Extend, ctx: Context) -> None:
    """The policy has an extension and it is not used up."""
    rule = ctx.policy.extension
    if rule is None:
        raise CommandRejected(dispute.status, "Extend", "this policy has no extension")
    if rule.used_up(dispute.extensions_used):
        raise CommandRejected(dispute.status, "Extend", "the extension has already been used")


def is_overdue(dispute: Dispute, command: NoteOverdue, ctx: Context) -> None:
    """Only the scheduler notes a passed deadline, once."""
    if command.actor.id != SYSTEM:
        raise NotPermitted(dispute.status, "NoteOverdue", "only the scheduler notes deadlines")
    if dispute.due_at is None or command.at <= dispute.due_at or dispute.overdue_noted:
        raise CommandRejected(dispute.status, "NoteOverdue", "nothing is overdue")


def may_conclude(dispute: Dispute, command: Conclude, ctx: Context) -> None:
    """Conclude the final step, or the last stage when its response is due or in."""
    if dispute.status == Status.EXTERNAL:
        return
    unanswered = dispute.status == Status.AWAITING_RESPONSE
    if unanswered and (dispute.due_at is None or command.at <= dispute.due_at):
        raise CommandRejected(dispute.status, "Conclude", "the response is not yet due")
    process = process_of(dispute, ctx)
    last = process.next_stage(dispute.stage) is None and dispute.stage != INFORMAL
    if not last:
        raise CommandRejected(dispute.status, "Conclude", "escalate or resolve it instead")
    final = process.final_step
    if final is not None and dispute.raiser_role in final.roles:
        raise CommandRejected(dispute.status, "Conclude", f"escalate to: {final.title}")
