"""Who hears of each step: pure routing from the policy, the dispute and its latest event.

The service resolves a ``Notice`` to people through the directory: a role on the
``RESPONDENT`` side is looked up in the dispute's team, on the ``RAISER`` side in the
raiser's team (City & Hackney's two-sided stages), and ``ORG`` roles organisation-wide. The
profile's scope of a role says which: team roles in the child's team, agency roles in each
agency of the dispute (both sides), the rest organisation-wide.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from drp import tiers
from drp.events import ActionDone, ActionPassed, Event, EventKind, HandedOver, Referred
from drp.model import Dispute, Status
from drp.policy import Mailbox, Policy, Stage
from drp.roles import Role, Scope


class Audience(StrEnum):
    """Why someone is told."""

    ACT = "act"
    COPY = "copy"
    ALERT = "alert"
    INFORM = "inform"


class Side(StrEnum):
    """Where a role is looked up."""

    RESPONDENT = "respondent"
    RAISER = "raiser"
    ORG = "org"


@dataclass(frozen=True, slots=True)
class Notice:
    """Tell a named person, or every holder of a role on one side, about an event."""

    audience: Audience
    person: str = ""
    role: Role | None = None
    side: Side = Side.ORG


@dataclass(frozen=True, slots=True)
class StageOwners:
    """The roles that must respond at a stage, on each side."""

    respondent: tuple[Role, ...]
    raiser_side: tuple[Role, ...]


def stage_owners(stage: Stage) -> StageOwners:
    """Who the service must name as owners when a dispute enters this stage."""
    return StageOwners(stage.responsible, stage.raiser_side)


def sides_of(policy: Policy, role: Role) -> tuple[Side, ...]:
    """Where a role is looked up: team roles in the dispute's team, agency roles in each
    agency of the dispute, the rest organisation-wide."""
    scope = policy.roles.scope(role)
    if scope is Scope.TEAM:
        return (Side.RESPONDENT,)
    if scope is Scope.AGENCY:
        return (Side.RESPONDENT, Side.RAISER)
    return (Side.ORG,)


def _roles(policy: Policy, roles: tuple[Role, ...], audience: Audience) -> list[Notice]:
    return [
        Notice(audience, role=role, side=side) for role in roles for side in sides_of(policy, role)
    ]


def _raisers_agency(notices: list[Notice]) -> list[Notice]:
    """The same notices, team roles looked up in the raiser's team instead."""
    return [
        Notice(n.audience, n.person, n.role, Side.RAISER if n.side == Side.RESPONDENT else n.side)
        for n in notices
    ]


def _people(people: tuple[str, ...], audience: Audience) -> list[Notice]:
    return [Notice(audience, person=person) for person in people if person]


def _entered_stage(policy: Policy, dispute: Dispute) -> list[Notice]:
    stage = policy.process(dispute.process).stage(dispute.stage)
    if dispute.tier > tiers.FIRST:
        # A higher tier of management within the stage: its holders respond, so a copy of the
        # stage to the same roles (City & Hackney copies the heads of service) is not sent.
        tier = tiers.at(stage, dispute.tier)
        answering = {*tier.responsible, *tier.raiser_side, *tier.raiser_line}
        stage = replace(stage, copied=tuple(r for r in stage.copied if r not in answering))
    notices = _people(dispute.owners, Audience.ACT)
    notices += _copied(policy, stage, dispute, Audience.COPY)
    notices += _roles(policy, stage.alerts, Audience.ALERT)
    if dispute.child_on_plan:
        notices += _on_plan(policy, stage, dispute)
    return notices


def _on_plan(policy: Policy, stage: Stage, dispute: Dispute) -> list[Notice]:
    """Those told because the child has a plan: seed 004's "the Child Protection Chair and/or
    IRO" is the child's own (named on the form, or the raiser if they are one), never every
    holder; roles found by team or agency are the dispute's own holders."""
    roles = stage.notify_if_on_plan
    if not roles:
        return []
    own = dispute.plan_chair or (dispute.raised_by if dispute.raiser_role in roles else "")
    local = tuple(r for r in roles if policy.roles.per_team(r))
    return _people((own,), Audience.INFORM) + _roles(policy, local, Audience.INFORM)


def _routed(policy: Policy, dispute: Dispute) -> list[Notice]:
    if dispute.status == Status.AWAITING_APPROVAL:
        return _people(dispute.approvers, Audience.ACT)
    if dispute.status == Status.AWAITING_RESPONSE:
        return _entered_stage(policy, dispute)
    if dispute.status == Status.EXTERNAL:
        final = policy.process(dispute.process).final_step
        told = _roles(policy, final.told, Audience.ALERT) if final else []
        return _people(dispute.owners, Audience.ACT) + told
    return []


def _told_of_step(policy: Policy, before: Dispute | None) -> list[Notice]:
    """Those copied on or alerted to the step the dispute was at, to hear how it ended."""
    if before is None:
        return []
    process = policy.process(before.process)
    final = process.final_step
    if final is not None and before.stage == final.key:
        return _roles(policy, final.told, Audience.INFORM)
    if not process.has_stage(before.stage):
        return []
    stage = process.stage(before.stage)
    told = _copied(policy, stage, before, Audience.INFORM)
    return told + _roles(policy, stage.alerts, Audience.INFORM)


def _copied(policy: Policy, stage: Stage, dispute: Dispute, audience: Audience) -> list[Notice]:
    """The stage's copied roles; the practitioner copied is the one named on the dispute, not
    every practitioner."""
    named = policy.practitioner_role
    found = _roles(policy, tuple(role for role in stage.copied if role != named), audience)
    if named in stage.copied:
        found += _people((dispute.practitioner,), audience)
    return found


def notices(policy: Policy, before: Dispute | None, after: Dispute, event: Event) -> list[Notice]:
    """Everyone to tell about ``event``, the actor excluded, each person once."""
    kind = event.kind
    # Those who decide with the raiser hear what the raiser hears.
    deciding = (after.raised_by, *(before.deciders if before else ()), *after.deciders)
    if kind in {EventKind.RAISED, EventKind.ESCALATED, EventKind.APPROVED, EventKind.REOPENED}:
        found = _routed(policy, after)  # reopened (issue 14.4): as entering the stage again
        if kind in {EventKind.APPROVED, EventKind.REOPENED}:
            found += _people(deciding, Audience.INFORM)
    elif kind == EventKind.CORRECTED:
        found = []  # the posted cards are updated in place; nobody needs a message
    elif kind == EventKind.CLOSE_PROPOSED:
        found = _routed(policy, after) + _people(deciding, Audience.INFORM)
    elif kind == EventKind.RESPONDED:
        found = _people(deciding, Audience.ACT)
    elif kind in {EventKind.EXTENDED, EventKind.OVERDUE}:
        found = _people(after.owners, Audience.ACT) + _people(deciding, Audience.INFORM)
        found += _overdue_alerts(policy, after) if kind == EventKind.OVERDUE else []
    elif kind == EventKind.IMMEDIATE_HARM:
        found = _harm(policy, after)
    elif isinstance(event.payload, HandedOver):
        # The successor gets the dispute's card (what they can now do); the chair hears of it.
        found = _people((event.payload.successor,), Audience.ACT)
        found += _people(deciding, Audience.INFORM)
    elif isinstance(event.payload, Referred):
        target = event.payload.target
        alerts = policy.referral(target).alerts if target else ()
        found = _roles(policy, alerts, Audience.ALERT) + _ended(before, deciding)
    elif kind in {EventKind.CONCLUDED, EventKind.RESOLVED}:
        found = _outcome(policy, before, deciding, kind)
    elif kind in {EventKind.DECLINED, EventKind.ACTION_DONE, EventKind.ACTION_PASSED}:
        found = _people(deciding, Audience.INFORM) + _action_owner(after, event)
    else:  # withdrawn: those who were working on it or deciding it
        found = _ended(before, deciding)
    return _dedupe(found, event.actor)


def _action_owner(after: Dispute, event: Event) -> list[Notice]:
    """A tracked action done or passed undone (issue 14.4): its owner hears, as the chair."""
    payload = event.payload
    if not isinstance(payload, ActionDone | ActionPassed):
        return []
    owner = next((a.owner for a in after.actions if a.number == payload.number), "")
    return _people((owner,), Audience.INFORM)


def _outcome(
    policy: Policy, before: Dispute | None, deciding: tuple[str, ...], kind: EventKind
) -> list[Notice]:
    """Who hears how a dispute ended, resolved or concluded."""
    found = _ended(before, deciding) + _took_part(policy, before)
    if kind == EventKind.CONCLUDED:
        # The outcome of a panel or external step goes to all who were told of it (seed 002).
        found += _told_of_step(policy, before)
    return found


def _took_part(policy: Policy, before: Dispute | None) -> list[Notice]:
    """Where the stage closed at says its outcome goes to everyone who took part (seed 002's
    panel): the named practitioner and all copied on or alerted to it or an earlier stage."""
    if before is None:
        return []
    process = policy.process(before.process)
    if not process.has_stage(before.stage) or not process.stage(before.stage).outcome_to_all:
        return []
    rank = process.rank(before.stage)
    found = _people((before.practitioner,), Audience.INFORM)
    for stage in process.all_stages():
        if process.rank(stage.key) <= rank:
            found += _copied(policy, stage, before, Audience.INFORM)
            found += _roles(policy, stage.alerts, Audience.INFORM)
    return found


def _overdue_alerts(policy: Policy, after: Dispute) -> list[Notice]:
    process = policy.process(after.process)
    if not process.has_stage(after.stage):
        return []
    return _roles(policy, process.stage(after.stage).overdue_alerts, Audience.ALERT)


def _ended(before: Dispute | None, deciding: tuple[str, ...]) -> list[Notice]:
    """Those who were working on the step that ended, and those deciding it."""
    owners = before.owners if before else ()
    approvers = before.approvers if before else ()
    return _people((*owners, *approvers, *deciding), Audience.INFORM)


def _harm(policy: Policy, after: Dispute) -> list[Notice]:
    found = _roles(policy, policy.immediate_harm_alerts, Audience.ALERT)
    if policy.immediate_harm_in_raisers_agency:
        found = _raisers_agency(found)  # City & Hackney: "the DSL in your agency"
    return found + _people(after.owners, Audience.INFORM)


def _dedupe(found: list[Notice], actor: str) -> list[Notice]:
    seen: set[tuple[str, Role | None, Side]] = set()
    unique: list[Notice] = []
    for notice in found:
        key = (notice.person, notice.role, notice.side)
        if notice.person == actor or key in seen:
            continue
        seen.add(key)
        unique.append(notice)
    return unique


def mailbox_copies(policy: Policy, event: Event) -> tuple[Mailbox, ...]:
    """The policy's mailboxes that get a copy of this event (its step is one they follow)."""
    return tuple(m for m in policy.mailboxes if m.copies(event.from_stage, event.to_stage))
