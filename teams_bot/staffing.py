"""Who staffs a stage: its owners and deciders from the directory, and its approvers where the
policy asks for agreement. One function for raising, the card's Escalate, Approve, Resolve and
Conclude, and the scheduler's automatic escalation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from drp import tiers
from drp.commands import Escalate, Reopen
from drp.errors import InvalidInput
from drp.machine import Context, current_stage, escalation_target, process_of
from drp.model import Actor, Dispute
from drp.policy import FinalStep, Move, Stage
from store.store import Transaction
from teams_bot import parties


class Staffed(Protocol):
    """What staffing reads of a dispute (or of one being raised)."""

    @property
    def process(self) -> str: ...
    @property
    def team(self) -> str: ...
    @property
    def raiser_team(self) -> str: ...
    @property
    def practitioner(self) -> str: ...
    @property
    def raised_by(self) -> str: ...
    @property
    def plan_chair(self) -> str: ...


@dataclass(frozen=True, slots=True)
class Staffing:
    """The people a stage needs: who responds, who shares the review with the raiser, and who
    may agree first (any one of them; none if the stage needs no agreement)."""

    owners: tuple[str, ...]
    approvers: tuple[str, ...] = ()
    deciders: tuple[str, ...] = ()


async def staff_stage(tx: Transaction, ctx: Context, dispute: Staffed, stage: Stage) -> Staffing:
    """The stage's owners (both sides of a two-sided stage; the named practitioner, not every
    one in the team), its deciders, and its approvers if the policy needs agreement for it.
    No owners if nobody in the directory holds the responsible roles: the domain refuses that."""
    book = ctx.policy.roles
    owners = await parties.stage_owners(
        tx,
        stage,
        book,
        team=dispute.team,
        raiser_team=dispute.raiser_team,
        practitioner=dispute.practitioner,
        named=ctx.policy.practitioner_role,
        own=dispute.plan_chair,
    )
    deciders = await parties.role_holders(tx, stage.deciders, book, dispute.team)
    approvers: tuple[str, ...] = ()
    process = ctx.policy.process(dispute.process)
    if ctx.policy.needs_approval(process, stage.key):
        approvers = await agreeing(tx, ctx, dispute, stage)
    return Staffing(owners, approvers, tuple(d for d in deciders if d != dispute.raised_by))


async def agreeing(
    tx: Transaction, ctx: Context, dispute: Staffed, stage: Stage
) -> tuple[str, ...]:
    """Who may agree a move at ``stage``: the holders of its approver roles, those in the
    raiser's own team first (seed 001: the chair's own service manager), never the raiser."""
    raiser = await tx.directory.person(dispute.raised_by)
    if raiser is None:
        return ()
    roles = ctx.policy.approvers(ctx.policy.process(dispute.process), stage.key)
    return await parties.approvers_for(tx, roles, ctx.policy.roles, raiser)


async def staff_final_step(
    tx: Transaction, ctx: Context, dispute: Staffed, step: FinalStep
) -> tuple[str, ...]:
    """Whoever acts at the final step (write the report, record the panel's outcome)."""
    return await parties.role_holders(tx, step.acts, ctx.policy.roles, dispute.team)


async def escalation(
    tx: Transaction,
    ctx: Context,
    dispute: Dispute,
    actor: Actor,
    now: datetime,
    *,
    reason: str,
    updated_concerns: str = "",
    to_stage: str = "",
    due: date | None = None,
    consulted: str = "",
) -> Escalate:
    """The Escalate command to ``to_stage`` ("" = the next one), staffed; the chair's card and
    the scheduler's automatic escalation both ask for it here. Within a stage with tiers of
    management, the next tier that has a holder on each side comes first (seed 004 §2.10)."""
    skips: tuple[tiers.Skip, ...] = ()
    here = current_stage(dispute, ctx)
    if here is not None and here.tiers:
        skips, climbing = await _next_tier(tx, ctx, dispute, here)
        if climbing is not None:
            return Escalate(
                actor,
                now,
                reason,
                updated_concerns,
                to_stage=to_stage,
                owners=climbing.owners,
                deciders=climbing.deciders,
                due=due,
                consulted=consulted,
                skipped=skips,
            )
    target = escalation_target(dispute, to_stage, dispute.raiser_role, ctx)
    if isinstance(target, Stage):
        staffing = _required(await staff_stage(tx, ctx, dispute, target), target, ctx)
    else:
        staffing = Staffing(await staff_final_step(tx, ctx, dispute, target))
    return Escalate(
        actor,
        now,
        reason,
        updated_concerns,
        to_stage=to_stage,
        owners=staffing.owners,
        approvers=staffing.approvers,
        deciders=staffing.deciders,
        due=due,
        consulted=consulted,
        skipped=skips,
    )


async def _next_tier(
    tx: Transaction, ctx: Context, dispute: Dispute, stage: Stage
) -> tuple[tuple[tiers.Skip, ...], Staffing | None]:
    """The staffing of the lowest tier above the dispute's with a holder on each side (two
    people, one per agency), and the tiers passed over on the way with why; no staffing when
    none is left (the escalation goes on to the next stage)."""
    skips: list[tiers.Skip] = []
    for tier in tiers.remaining(stage, dispute.tier):
        view = tiers.at(stage, tier)
        why = await _unheld(tx, ctx, dispute, view)
        if not why:
            return tuple(skips), await staff_stage(tx, ctx, dispute, view)
        skips.append(tiers.Skip(tier, why))
    return tuple(skips), None


async def _unheld(tx: Transaction, ctx: Context, dispute: Dispute, view: Stage) -> str:
    """Why nobody can take this tier on, or "" when each side has its own holder."""
    book = ctx.policy.roles
    theirs = await parties.role_holders(tx, view.responsible, book, dispute.team)
    line = view.raiser_side if dispute.raiser_team else view.raiser_line
    ours = await parties.role_holders(tx, line, book, dispute.raiser_team)
    if not theirs:
        return f"nobody holds it in {dispute.team}"
    if not ours:
        if dispute.raiser_team:
            return f"nobody holds it in {dispute.raiser_team}"
        return "the raiser's own line has nobody at this tier"
    if len(set(theirs) | set(ours)) < 2:
        return "one person holds it for both agencies"
    return ""


async def reopening(
    tx: Transaction,
    ctx: Context,
    dispute: Dispute,
    actor: Actor,
    now: datetime,
    *,
    reason: str,
    escalate: bool,
) -> Reopen:
    """The chair's Reopen, staffed: the stage it was resolved at, or the next one up (as the
    card's Escalate is staffed)."""
    if escalate:
        up = await escalation(tx, ctx, dispute, actor, now, reason=reason)
        staffing = Staffing(up.owners, up.approvers, up.deciders)
    else:
        process = process_of(dispute, ctx)
        if not process.has_stage(dispute.stage):
            raise InvalidInput("reopen_to", "it was resolved outside the stages")
        stage = process.stage(dispute.stage)
        staffing = _required(await staff_stage(tx, ctx, dispute, stage), stage, ctx)
    return Reopen(
        actor,
        now,
        reason,
        escalate=escalate,
        owners=staffing.owners,
        approvers=staffing.approvers if escalate else (),
        deciders=staffing.deciders,
    )


async def pending_staffing(tx: Transaction, ctx: Context, dispute: Dispute) -> Staffing:
    """The owners and deciders of the stage waiting for agreement (what Approve sends it to);
    none when what waits is a close."""
    process = process_of(dispute, ctx)
    if not process.has_stage(dispute.pending_stage):
        return Staffing(())
    stage = process.stage(dispute.pending_stage)
    return _required(await staff_stage(tx, ctx, dispute, stage), stage, ctx)


async def close_approvers(tx: Transaction, ctx: Context, dispute: Dispute) -> tuple[str, ...]:
    """Who may agree closing the dispute where it stands, where its stage needs that."""
    process = process_of(dispute, ctx)
    if not process.has_stage(dispute.stage):
        return ()
    stage = process.stage(dispute.stage)
    if not stage.needs_approval(Move.CONCLUDE):
        return ()
    return await agreeing(tx, ctx, dispute, stage)


def _required(staffing: Staffing, stage: Stage, ctx: Context) -> Staffing:
    """A card's step names the stage's roles when nobody holds them (before the domain would)."""
    if not staffing.owners:
        roles = ctx.policy.roles.titles(stage.responsible)
        raise InvalidInput("owners", f"nobody in the directory holds {roles} for this team")
    return staffing
