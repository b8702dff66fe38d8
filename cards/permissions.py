"""Which buttons a viewer gets: asked of the state machine itself, never re-implemented here.

Each candidate command is tried with ``drp.machine.decide`` on the (immutable) dispute with
placeholder data: a ``CommandRejected`` means the viewer may not do it in this state; an
``InvalidInput`` means the guards passed and only the placeholder data was wrong, so the button
is offered and the real input is checked when it is pressed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from cards.verbs import Verb
from cards.views import Viewer, ViewerKind
from drp import tiers
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
    Refer,
    Reopen,
    Resolve,
    Respond,
    TickAction,
    Withdraw,
)
from drp.errors import DrpError, InvalidInput
from drp.machine import Context, current_stage, decide, escalation_target, process_of
from drp.model import Actor, Dispute
from drp.policy import FinalStep, Policy, Referral, Stage
from drp.roles import Role

_PLACEHOLDER = "placeholder"
# Two distinct owners: a two-sided stage (City & Hackney) needs a manager from each agency.
_OWNERS = (_PLACEHOLDER, f"{_PLACEHOLDER}-other-side")
# A viewer whose directory role is unknown can respond only as a named owner, never as a deputy.
_NO_ROLE = Role.MONITOR
Target = Stage | FinalStep


@dataclass(frozen=True, slots=True)
class Options:
    """What one viewer may do to one dispute now."""

    verbs: frozenset[Verb]
    referrals: tuple[Referral, ...] = ()
    next_step: Target | None = None
    bypass_targets: tuple[Target, ...] = ()
    # The tier of management within the stage an escalation climbs to first (0: none left).
    next_tier: int = 0
    tickable: frozenset[int] = frozenset()  # tracked actions the viewer may tick done


def options(
    dispute: Dispute,
    viewer: Viewer,
    policy: Policy,
    now: datetime,
    calendar: WorkingDayCalendar,
) -> Options:
    """The verbs the machine would accept from this viewer, with the escalation targets."""
    ctx = Context(policy, calendar)
    found = replace(
        _options(dispute, viewer, now, ctx), tickable=_tickable(dispute, viewer, now, ctx)
    )
    if found.tickable:
        found = replace(found, verbs=found.verbs | {Verb.ACTION_DONE})
    if _corrects(dispute, viewer, now, ctx):
        return replace(found, verbs=found.verbs | {Verb.CORRECT})
    return found


def _tickable(dispute: Dispute, viewer: Viewer, now: datetime, ctx: Context) -> frozenset[int]:
    """The open tracked actions the machine lets this viewer tick done (owner or chair),
    whatever their part in the dispute now (an owner's stage may be long over)."""
    actor = Actor(viewer.person_id, viewer.role or _NO_ROLE)
    return frozenset(
        a.number
        for a in dispute.actions
        if not a.done and _accepts(dispute, TickAction(actor, now, a.number), ctx)
    )


def _corrects(dispute: Dispute, viewer: Viewer, now: datetime, ctx: Context) -> bool:
    """Whether the machine accepts a correction from the viewer in a role they hold."""
    return any(
        _accepts(dispute, Correct(Actor(viewer.person_id, role), now, "child_1_name", "", ""), ctx)
        for role in sorted(viewer.held & set(ctx.policy.access.correct))
    )


def _options(dispute: Dispute, viewer: Viewer, now: datetime, ctx: Context) -> Options:
    """The verbs of the viewer's part in the dispute."""
    policy = ctx.policy
    if viewer.kind in (ViewerKind.RAISER, ViewerKind.DECIDER):
        return _reviewer(dispute, viewer, now, ctx)
    verbs: set[Verb] = set()
    if viewer.kind == ViewerKind.OWNER:
        actor = Actor(viewer.person_id, viewer.role or _NO_ROLE)
        respond = Respond(actor, now, _PLACEHOLDER, on_behalf_of=viewer.on_behalf_of)
        if _accepts(dispute, respond, ctx):
            verbs.add(Verb.RESPOND)
        if _accepts(dispute, Conclude(actor, now, _PLACEHOLDER), ctx):
            verbs.add(Verb.CONCLUDE)  # whoever acts at the final step records its outcome
    elif viewer.kind == ViewerKind.APPROVER:
        roles = policy.approvers(process_of(dispute, ctx), dispute.pending_stage or dispute.stage)
        actor = Actor(viewer.person_id, viewer.role or (roles[0] if roles else _NO_ROLE))
        if _accepts(dispute, Approve(actor, now, (_PLACEHOLDER,)), ctx):
            verbs.add(Verb.APPROVE)
        if _accepts(dispute, Decline(actor, now, _PLACEHOLDER), ctx):
            verbs.add(Verb.DECLINE)
    elif viewer.kind == ViewerKind.MONITOR:
        verbs.add(Verb.RECORD)
    return Options(frozenset(verbs))


def _reviewer(dispute: Dispute, viewer: Viewer, now: datetime, ctx: Context) -> Options:
    """The raiser's buttons, or a decider's (the review's share of them)."""
    raiser = viewer.kind == ViewerKind.RAISER
    stage = current_stage(dispute, ctx)
    deciding = stage.deciders[0] if stage is not None and stage.deciders else _NO_ROLE
    role = dispute.raiser_role if raiser else viewer.role or deciding
    actor = Actor(viewer.person_id, role)
    agree = (_PLACEHOLDER,)
    trials: dict[Verb, Command] = {
        Verb.RESPOND: Respond(actor, now, _PLACEHOLDER),
        Verb.RESOLVE: Resolve(actor, now, _PLACEHOLDER, approvers=agree),
        Verb.EXTEND: Extend(actor, now, _PLACEHOLDER),
        Verb.ESCALATE: Escalate(
            actor,
            now,
            _PLACEHOLDER,
            owners=_OWNERS,
            approvers=agree,
            due=_soon(now, ctx),
        ),
        Verb.HARM: AlertImmediateHarm(actor, now, _PLACEHOLDER),
        Verb.WITHDRAW: Withdraw(actor, now, _PLACEHOLDER),
        Verb.CONCLUDE: Conclude(actor, now, _PLACEHOLDER, approvers=agree),
        Verb.REOPEN: Reopen(actor, now, _PLACEHOLDER, owners=_OWNERS),
    }
    verbs = {verb for verb, command in trials.items() if _accepts(dispute, command, ctx)}
    referrals = tuple(
        referral
        for referral in ctx.policy.referrals
        if _accepts(dispute, Refer(actor, now, referral.key, _PLACEHOLDER, _PLACEHOLDER), ctx)
    )
    if referrals:
        verbs.add(Verb.REFER)
    if raiser:
        verbs.add(Verb.RECORD)  # the raiser reads the case record; others by the profile's access
    if Verb.ESCALATE not in verbs:
        return Options(frozenset(verbs), referrals)
    next_step = escalation_target(dispute, "", dispute.raiser_role, ctx)
    here = current_stage(dispute, ctx)
    tier = tiers.next_tier(here, dispute.tier) if here is not None else 0
    return Options(frozenset(verbs), referrals, next_step, _bypass_targets(dispute, ctx), tier)


def _soon(now: datetime, ctx: Context) -> date:
    """A deadline any raiser-set stage accepts (the next day), for trying Escalate."""
    return ctx.calendar.local_date(now) + timedelta(days=1)


def _bypass_targets(dispute: Dispute, ctx: Context) -> tuple[Target, ...]:
    """Every later step ``escalation_target`` accepts, when the process allows bypass."""
    process = process_of(dispute, ctx)
    if not process.bypass:
        return ()
    here = process.rank(dispute.stage)
    keys = [stage.key for stage in process.stages if process.rank(stage.key) > here]
    if process.final_step is not None:
        keys.append(process.final_step.key)
    targets = []
    for key in keys:
        try:
            targets.append(escalation_target(dispute, key, dispute.raiser_role, ctx))
        except DrpError:
            continue
    return tuple(targets)


def _accepts(dispute: Dispute, command: Command, ctx: Context) -> bool:
    try:
        decide(dispute, command, ctx)
    except InvalidInput:
        return True
    except (DrpError, KeyError, ValueError):
        return False
    return True
