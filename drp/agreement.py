"""Agreement: an approver agrees (or not) a pending move, which is either sending the dispute to
a stage or closing it where the stage needs agreement to close (``approval_for = ["conclude"]``).
"""

from __future__ import annotations

from dataclasses import replace

from drp import validation as check
from drp.commands import Approve, Conclude, Decline, Resolve
from drp.context import Change, Context, close, current_stage, process_of
from drp.events import Approved, CloseProposed, Concluded, Declined, Resolved
from drp.model import Dispute, Outcome, Status
from drp.policy import Move
from drp.stage_entry import enter, needs_agreement


def needs_close_agreement(dispute: Dispute, ctx: Context) -> bool:
    """Whether closing the dispute where it stands first needs an approver's agreement."""
    stage = current_stage(dispute, ctx)
    return stage is not None and stage.needs_approval(Move.CONCLUDE)


def propose_close(
    dispute: Dispute, command: Resolve | Conclude, outcome: Outcome, text: str, ctx: Context
) -> Change:
    """The close waits for one of ``command.approvers``; the proposer's words are kept."""
    stage = current_stage(dispute, ctx)
    assert stage is not None  # needs_close_agreement: only a stage needs agreement to close
    approvers = needs_agreement(dispute, stage, command.approvers, ctx)
    waiting = replace(
        dispute,
        status=Status.AWAITING_APPROVAL,
        approvers=approvers,
        pending_outcome=outcome,
        pending_note=text,
        resume_status=dispute.status,
    )
    return Change(waiting, CloseProposed(outcome=outcome.value, text=text))


def approve(dispute: Dispute, command: Approve, ctx: Context) -> Change:
    """The pending move happens: the dispute closes as proposed, or enters the stage."""
    comments = check.text("comments", command.comments, required=False)
    if dispute.pending_outcome is not None:
        closed = close(dispute, command.at, dispute.pending_outcome)
        note = dispute.pending_note
        if dispute.pending_outcome == Outcome.RESOLVED:
            return Change(closed, Resolved(comments=note, agreed=True))
        return Change(closed, Concluded(outcome=note, agreed=True))
    stage = process_of(dispute, ctx).stage(dispute.pending_stage)
    entered = enter(
        dispute,
        stage,
        command.at,
        owners=command.owners,
        deciders=command.deciders,
        due=dispute.pending_due,
        ctx=ctx,
    )
    return Change(entered, Approved(comments=comments))


def decline(dispute: Dispute, command: Decline, ctx: Context) -> Change:
    """The pending move does not happen: back where it was (a new dispute is not sent)."""
    reason = check.text("reason", command.reason)
    if dispute.resume_status is None:
        return Change(close(dispute, command.at, Outcome.NOT_AGREED), Declined(reason=reason))
    back = replace(
        dispute,
        status=dispute.resume_status,
        approvers=(),
        pending_stage="",
        pending_due=None,
        pending_outcome=None,
        pending_note="",
        resume_status=None,
    )
    return Change(back, Declined(reason=reason))
