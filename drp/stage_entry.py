"""Moving a dispute to a stage: where an escalation goes, the stage's deadline, entering it (with
its owners and deciders), the final step, or waiting for an approver's agreement first."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from drp import tiers
from drp.commands import Escalate, Raise, Reopen
from drp.context import Context, process_of
from drp.errors import CommandRejected, InvalidInput, NotPermitted
from drp.model import Dispute, Status
from drp.policy import FinalStep, Move, Process, Stage
from drp.roles import Role


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


def capped(due: datetime, overall: datetime | None, process: Process) -> datetime:
    """The deadline, brought forward to the overall limit where the profile caps stages by it."""
    if process.overall_limit_caps_stages and overall is not None and due > overall:
        return overall
    return due


def enter(
    dispute: Dispute,
    stage: Stage,
    at: datetime,
    *,
    owners: tuple[str, ...],
    deciders: tuple[str, ...],
    due: date | None,
    ctx: Context,
) -> Dispute:
    """The dispute at ``stage``, awaiting its owners' response."""
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
        tier=tiers.FIRST,
        owners=owners,
        approvers=(),
        deciders=tuple(d for d in deciders if d != dispute.raised_by) if stage.deciders else (),
        due_at=capped(stage_due(stage, at, due, ctx), overall, process),
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


def climb(dispute: Dispute, stage: Stage, tier: int, command: Escalate, ctx: Context) -> Dispute:
    """The dispute at the next ``tier`` of management within its stage (seed 004 §2.10): the
    tier's owners on each side respond by a deadline of their own (the stage's timescale, or
    the raiser's date within it, restarts), with the stage's copies and deciders."""
    entered = enter(
        dispute,
        tiers.at(stage, tier),
        command.at,
        owners=command.owners,
        deciders=command.deciders,
        due=command.due,
        ctx=ctx,
    )
    return replace(entered, tier=tier)


def enter_final(
    dispute: Dispute, step: FinalStep, at: datetime, owners: tuple[str, ...], ctx: Context
) -> Dispute:
    """The dispute at the final step: whoever acts there owns it (the raiser if nobody does),
    by the step's timescale if it has one."""
    if step.acts and not owners:
        who = ctx.policy.roles.titles(step.acts)
        raise InvalidInput("owners", f"nobody is named to act at {step.title} ({who})")
    due = ctx.calendar.due(at, step.timescale) if step.timescale is not None else None
    return replace(
        dispute,
        status=Status.EXTERNAL,
        stage=step.key,
        tier=tiers.FIRST,
        owners=owners if step.acts else (),
        approvers=(),
        deciders=(),
        due_at=due,
        review_due_at=None,
        responded_by="",
        overdue_noted=False,
    )


def needs_agreement(
    dispute: Dispute, stage: Stage, approvers: tuple[str, ...], ctx: Context
) -> tuple[str, ...]:
    """The approvers who may agree a move at ``stage``, or InvalidInput naming who must."""
    found = tuple(a for a in approvers if a and a != dispute.raised_by)
    if not found:
        roles = ctx.policy.approvers(process_of(dispute, ctx), stage.key)
        who = ctx.policy.roles.titles(roles)
        if approvers and not any(a != dispute.raised_by for a in approvers):
            raise InvalidInput("approver", "the raiser cannot agree their own dispute")
        raise InvalidInput("approver", f"stage {stage.key} first needs agreement ({who})")
    return found


def route(
    dispute: Dispute, stage: Stage, command: Raise | Escalate | Reopen, ctx: Context
) -> tuple[Dispute, bool]:
    """The dispute entered at ``stage``, or awaiting agreement first (then True)."""
    process = process_of(dispute, ctx)
    move = Move.RAISE if isinstance(command, Raise) else Move.ESCALATE
    if ctx.policy.needs_approval(process, stage.key, move):
        approvers = needs_agreement(dispute, stage, command.approvers, ctx)
        stage_due(stage, command.at, command.due, ctx)  # a bad deadline is refused now
        waiting = replace(
            dispute,
            status=Status.AWAITING_APPROVAL,
            approvers=approvers,
            pending_stage=stage.key,
            pending_due=command.due,
            resume_status=dispute.status if dispute.stage else None,
        )
        return waiting, True
    entered = enter(
        dispute,
        stage,
        command.at,
        owners=command.owners,
        deciders=command.deciders,
        due=command.due,
        ctx=ctx,
    )
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
