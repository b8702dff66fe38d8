"""Who staffs a stage: its owners from the directory, and the raiser's approver where the policy
asks for agreement. One function for raising, the card's Escalate and Approve, and the
scheduler's automatic escalation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from drp.commands import Escalate
from drp.errors import InvalidInput
from drp.machine import Context, escalation_target, process_of
from drp.model import Actor, Dispute
from drp.policy import Stage
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


@dataclass(frozen=True, slots=True)
class Staffing:
    """The people a stage needs: who responds, and who must agree first ("" if nobody)."""

    owners: tuple[str, ...]
    approver: str = ""


async def staff_stage(tx: Transaction, ctx: Context, dispute: Staffed, stage: Stage) -> Staffing:
    """The stage's owners (both sides of a two-sided stage; the named practitioner, not every
    one in the team) and the raiser's approver if the policy needs agreement for it. No owners
    if nobody in the directory holds the responsible roles: the domain refuses that."""
    owners = await parties.stage_owners(
        tx,
        stage,
        team=dispute.team,
        raiser_team=dispute.raiser_team,
        practitioner=dispute.practitioner,
    )
    approver = ""
    process = ctx.policy.process(dispute.process)
    if ctx.policy.needs_approval(process, stage.key):
        raiser = await tx.directory.person(dispute.raised_by)
        if raiser is not None:
            roles = ctx.policy.approvers(process, stage.key)
            approver = await parties.approver_for(tx, roles, raiser)
    return Staffing(owners, approver)


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
) -> Escalate:
    """The Escalate command to ``to_stage`` ("" = the next one), staffed; the chair's card and
    the scheduler's automatic escalation both ask for it here."""
    target = escalation_target(dispute, to_stage, dispute.raiser_role, ctx)
    staffing = Staffing(())
    if isinstance(target, Stage):
        staffing = _required(await staff_stage(tx, ctx, dispute, target), target)
    return Escalate(
        actor,
        now,
        reason,
        updated_concerns,
        to_stage=to_stage,
        owners=staffing.owners,
        approver=staffing.approver,
        due=due,
    )


async def pending_owners(tx: Transaction, ctx: Context, dispute: Dispute) -> tuple[str, ...]:
    """The owners of the stage waiting for agreement (what Approve sends it to)."""
    process = process_of(dispute, ctx)
    if not process.has_stage(dispute.pending_stage):
        return ()
    stage = process.stage(dispute.pending_stage)
    return _required(await staff_stage(tx, ctx, dispute, stage), stage).owners


def _required(staffing: Staffing, stage: Stage) -> Staffing:
    """A card's step names the stage's roles when nobody holds them (before the domain would)."""
    if not staffing.owners:
        roles = ", ".join(role.label for role in stage.responsible)
        raise InvalidInput("owners", f"nobody in the directory holds {roles} for this team")
    return staffing
