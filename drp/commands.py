"""Commands: what someone asks of a dispute. Each accepted command yields exactly one event."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from drp.model import Action, Actor, Child, Concern
from drp.tiers import Skip


@dataclass(frozen=True, slots=True)
class Command:
    """Who asks, and when."""

    actor: Actor
    at: datetime


@dataclass(frozen=True, slots=True)
class Raise(Command):
    """Open a dispute at a stage the policy lets the raiser open."""

    reference: str
    process: str
    stage: str
    children: tuple[Child, ...]
    team: str
    concern: Concern
    date_of_concern: date
    owners: tuple[str, ...] = ()
    approvers: tuple[str, ...] = ()
    deciders: tuple[str, ...] = ()
    due: date | None = None
    practitioner: str = ""
    raiser_team: str = ""
    child_on_plan: bool = False
    plan_chair: str = ""  # the child's own CP chair or IRO (seed 004 §2.6)
    conference_date: date | None = None  # where the process asks it (seed 002)
    consulted: str = ""  # whom the raiser consulted first, where the stage asks (Stage.consult)


@dataclass(frozen=True, slots=True)
class Approve(Command):
    """An approver agrees the pending move: the dispute goes to the stage (with ``owners`` and
    ``deciders``), or closes as proposed."""

    owners: tuple[str, ...] = ()
    comments: str = ""
    deciders: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Decline(Command):
    """An approver does not agree: the dispute is not sent (or not closed)."""

    reason: str


@dataclass(frozen=True, slots=True)
class Respond(Command):
    """The responsible manager's response with a SMART action plan."""

    response: str
    actions: tuple[Action, ...] = ()
    practice_issues: str = ""
    on_behalf_of: str = ""
    answer: str = ""  # to the stage's question, where it asks one (Stage.response_asks)


@dataclass(frozen=True, slots=True)
class Resolve(Command):
    """The chair (or a decider) ticks resolved: the dispute closes, or waits for ``approvers``
    where the stage needs agreement to close."""

    comments: str
    approvers: tuple[str, ...] = ()
    actions: tuple[Action, ...] = ()  # agreed with the responder, tracked to their dates


@dataclass(frozen=True, slots=True)
class Extend(Command):
    """Not resolved, but further work agreed within the policy's short extension."""

    agreed_work: str
    due: date | None = None  # the date the raiser sets, where the policy lets them
    actions: tuple[Action, ...] = ()  # agreed with the responder, tracked to their dates


@dataclass(frozen=True, slots=True)
class Escalate(Command):
    """Not resolved (or no response): move up to the next stage, or a later one if allowed."""

    reason: str
    updated_concerns: str = ""
    to_stage: str = ""
    owners: tuple[str, ...] = ()
    approvers: tuple[str, ...] = ()
    deciders: tuple[str, ...] = ()
    due: date | None = None
    consulted: str = ""  # whom the raiser consulted first, where the target stage asks
    # Tiers of the stage passed over on the way up, for want of holders (seed 004 §2.10).
    skipped: tuple[Skip, ...] = ()


@dataclass(frozen=True, slots=True)
class Refer(Command):
    """An external referral at any point (LSCB, CAFCASS, SCB, LADO...)."""

    target: str
    reason: str
    consulted: str = ""
    concurrent: bool = True


@dataclass(frozen=True, slots=True)
class AlertImmediateHarm(Command):
    """A child is thought to be at immediate harm: alert the named seniors at once."""

    details: str


@dataclass(frozen=True, slots=True)
class Withdraw(Command):
    """The raiser withdraws the dispute."""

    reason: str


@dataclass(frozen=True, slots=True)
class Conclude(Command):
    """Record the outcome of the final step, or close unresolved at the last stage (waiting
    for ``approvers`` where the stage needs agreement to close)."""

    outcome: str
    approvers: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class NoteOverdue(Command):
    """The scheduler notes that the response deadline has passed (policy: no auto-escalation)."""


@dataclass(frozen=True, slots=True)
class Correct(Command):
    """Correct a child's identifying detail (``child_1_name``...), with the reason recorded."""

    field: str
    value: str
    reason: str


@dataclass(frozen=True, slots=True)
class HandOver(Command):
    """The system hands everything a leaver holds in an open dispute (raiser, owner, approver,
    named practitioner) to their successor, usually the deputy the directory names."""

    leaver: str
    successor: str


@dataclass(frozen=True, slots=True)
class TickAction(Command):
    """The owner of a tracked action (or the chair) ticks it done."""

    number: int


@dataclass(frozen=True, slots=True)
class NoteActionPassed(Command):
    """The scheduler notes that a tracked action's complete-by date passed undone."""

    number: int


@dataclass(frozen=True, slots=True)
class Reopen(Command):
    """The chair reopens a resolved dispute whose agreed actions were not done: back to the
    stage it was resolved at (``owners``), or up (``escalate``: as an escalation is staffed)."""

    reason: str
    escalate: bool = False
    owners: tuple[str, ...] = ()
    approvers: tuple[str, ...] = ()
    deciders: tuple[str, ...] = ()
    due: date | None = None
