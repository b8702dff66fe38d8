"""Builders for dispute tests: a cast of actors, fixed instants, and a trail that checks events.

Every instant is fixed (never ``now()``); the clock only moves when a test says so.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time
from typing import Any

import pytest

from drp import tiers
from drp.calendar import LONDON, Nation, WorkingDayCalendar
from drp.commands import Command, Raise
from drp.errors import DrpError
from drp.events import Event, EventKind
from drp.machine import Context, Decision, decide, raise_dispute
from drp.model import Actor, Child, Concern, Dispute, Status
from drp.policy import Policy, load_policy
from drp.roles import Role

# Monday 21 December 2026, 10:00 London: Christmas and New Year fall in the first stages.
MON_21_DEC = datetime(2026, 12, 21, 10, 0, tzinfo=LONDON)

CONSULTED = "The raiser's line manager, the day before"
CHAIR = Actor("chair-ann", Role.CHAIR)
IRO = Actor("iro-ike", Role.IRO)
PRACTITIONER = Actor("sw-pat", Role.PRACTITIONER)
TEAM_MANAGER = Actor("tm-tom", Role.TEAM_MANAGER)
SERVICE_MANAGER = Actor("sm-sue", Role.SERVICE_MANAGER)
HEAD_OF_SERVICE = Actor("hos-hal", Role.HEAD_OF_SERVICE)
DIRECTOR = Actor("dir-dee", Role.DIRECTOR)
CHAIRS_MANAGER = Actor("csm-cat", Role.CHAIRS_SERVICE_MANAGER)
SCB_MANAGER = Actor("scb-sam", Role.SCB_MANAGER)
ISCC = Actor("iscc-ida", Role.ISCC)
DSL = Actor("dsl-dan", Role.DESIGNATED_SAFEGUARDING_LEAD)
BOARD_MEMBER = Actor("board-bea", Role.BOARD_MEMBER)
STRANGER = Actor("who-wes", Role.PRACTITIONER)
SYSTEM = Actor.system()

# Who holds each responding role in the tests' one-team directory.
HOLDERS: dict[Role, Actor] = {
    actor.role: actor
    for actor in (
        PRACTITIONER,
        TEAM_MANAGER,
        SERVICE_MANAGER,
        HEAD_OF_SERVICE,
        DIRECTOR,
        CHAIRS_MANAGER,
        SCB_MANAGER,
        ISCC,
        DSL,
        BOARD_MEMBER,
        # The child's own chair, where a stage is answered by them (Calderdale's plan dissent).
        CHAIR,
    )
}
# City & Hackney: the other agency's equivalents on two-sided stages.
OTHER_SIDE: dict[Role, Actor] = {
    Role.PRACTITIONER: Actor("police-pc-paul", Role.PRACTITIONER),
    Role.TEAM_MANAGER: Actor("police-sgt-sara", Role.TEAM_MANAGER),
    Role.SERVICE_MANAGER: Actor("police-di-dave", Role.SERVICE_MANAGER),
    Role.HEAD_OF_SERVICE: Actor("police-supt-sam", Role.HEAD_OF_SERVICE),
    Role.DIRECTOR: Actor("police-cc-cleo", Role.DIRECTOR),
    Role.BOARD_MEMBER: Actor("police-board-bob", Role.BOARD_MEMBER),
}

AMY = Child("Amy Example", "LL-1001", date(2015, 3, 1))
BEN = Child("Ben Example", "LL-1002", date(2017, 6, 9))

_CONTEXTS: dict[tuple[str, Nation], Context] = {}


def context(policy: str, nation: Nation = Nation.ENG) -> Context:
    """The shipped profile and a working-day calendar for one nation (cached)."""
    key = (policy, nation)
    if key not in _CONTEXTS:
        _CONTEXTS[key] = Context(load_policy(policy), WorkingDayCalendar(nation))
    return _CONTEXTS[key]


def london(y: int, m: int, d: int, hh: int = 10, mm: int = 0) -> datetime:
    """An instant on the London wall clock."""
    return datetime(y, m, d, hh, mm, tzinfo=LONDON)


def end_of(y: int, m: int, d: int) -> datetime:
    """The last second of a London day: when a day-based deadline expires."""
    return datetime.combine(date(y, m, d), time(23, 59, 59), tzinfo=LONDON)


def concern(category: str = "drift-delay", **changes: Any) -> Concern:
    """A complete concern as the raising form records it."""
    base = Concern(
        category=category,
        summary="No core group since the initial conference; the plan has drifted.",
        impact="Amy is still exposed to the risks the plan was meant to reduce.",
        evidence="Core group held and minuted; plan updated.",
    )
    return replace(base, **changes)


def raise_command(
    actor: Actor = CHAIR,
    stage: str = "1",
    at: datetime = MON_21_DEC,
    **changes: Any,
) -> Raise:
    """A Raise with sensible defaults; ``changes`` override any field."""
    fields: dict[str, Any] = {
        "actor": actor,
        "at": at,
        "reference": "DRP-2026-000042",
        "process": "drp",
        "stage": stage,
        "children": (AMY,),
        "team": "Assessment East",
        "concern": concern("other", category_other="No core group"),
        "date_of_concern": at.date(),
        "owners": (TEAM_MANAGER.id,),
        # Seeds 002 and 004 ask whom the raiser consulted before some stages; seed 002 the
        # date of the conference (read only where the process asks).
        "consulted": CONSULTED,
        "conference_date": at.date(),
    }
    fields.update(changes)
    return Raise(**fields)


def owners_for(
    policy: Policy, stage_key: str, process: str = "drp", tier: int = 1
) -> tuple[str, ...]:
    """The ids of the people who respond at a stage (at ``tier`` of its tiers of management):
    one per responsible role, both sides."""
    stage = tiers.at(policy.process(process).stage(stage_key), tier)
    ours = tuple(HOLDERS[role].id for role in stage.responsible)
    theirs = tuple(OTHER_SIDE[role].id for role in stage.raiser_side)
    return ours + theirs


def climbing_owners(policy: Policy, dispute: Dispute) -> tuple[str, ...]:
    """Who an escalation from where the dispute is reaches: the next tier of management in its
    stage while one is left (seed 004 §2.10), else the next stage's owners (none after it)."""
    process = policy.process(dispute.process)
    if not process.has_stage(dispute.stage):
        return ()
    here = process.stage(dispute.stage)
    tier = tiers.next_tier(here, dispute.tier)
    if tier:
        return owners_for(policy, here.key, process.key, tier)
    following = process.next_stage(dispute.stage)
    return owners_for(policy, following.key, process.key) if following is not None else ()


def everyone() -> dict[str, Actor]:
    """Every actor in the cast, by id."""
    cast = [*HOLDERS.values(), *OTHER_SIDE.values(), CHAIR, IRO, STRANGER, SYSTEM]
    return {actor.id: actor for actor in cast}


def first_owner(dispute: Dispute) -> Actor:
    """The first person named to respond at the dispute's current stage."""
    return everyone()[dispute.owners[0]]


class Trail:
    """A dispute and its events; each step checks the one-command-one-event contract."""

    def __init__(self, ctx: Context, decision: Decision) -> None:
        self.ctx = ctx
        self.dispute = decision.dispute
        self.events: list[Event] = [decision.event]
        _check_event(decision, None, decision.event.actor)

    @classmethod
    def open(cls, policy: str, command: Raise, nation: Nation = Nation.ENG) -> Trail:
        """Raise a dispute under a shipped profile."""
        ctx = context(policy, nation)
        return cls(ctx, raise_dispute(command, ctx))

    @property
    def policy(self) -> Policy:
        """The policy the dispute follows."""
        return self.ctx.policy

    @property
    def last(self) -> Event:
        """The most recent event."""
        return self.events[-1]

    def do(self, command: Command) -> Event:
        """Apply an accepted command: exactly one new event, sequence == version."""
        before = self.dispute
        decision = decide(before, command, self.ctx)
        _check_event(decision, before, command.actor.id)
        self.dispute = decision.dispute
        self.events.append(decision.event)
        return decision.event

    def refuses(self, command: Command, error: type[DrpError] = DrpError) -> DrpError:
        """Apply a command that must be rejected: the error, and nothing changed."""
        before = self.dispute
        with pytest.raises(error) as caught:
            decide(before, command, self.ctx)
        assert self.dispute == before
        assert len(self.events) == before.version
        return caught.value


def _check_event(decision: Decision, before: Dispute | None, actor: str) -> None:
    after, event = decision.dispute, decision.event
    version = before.version if before is not None else 0
    assert after.version == version + 1
    assert event.sequence == after.version
    assert event.reference == after.reference
    assert event.actor == actor
    assert event.from_stage == (before.stage if before is not None else "")
    assert event.to_stage == after.stage
    if before is None:
        assert event.kind is EventKind.RAISED


def assert_legal(dispute: Dispute, policy: Policy) -> None:
    """The invariants every reachable dispute satisfies."""
    process = policy.process(dispute.process)
    closed = dispute.status is Status.CLOSED
    assert closed == (dispute.outcome is not None), dispute
    assert closed == (dispute.closed_at is not None), dispute
    if dispute.status is Status.AWAITING_RESPONSE:
        assert dispute.owners, dispute
        assert dispute.due_at is not None, dispute
        assert process.has_stage(dispute.stage), dispute
    if dispute.status is Status.AWAITING_REVIEW:
        assert process.has_stage(dispute.stage), dispute
        assert dispute.responded_by, dispute
    if dispute.status is Status.AWAITING_APPROVAL:
        assert dispute.pending_stage, dispute
        assert dispute.approvers, dispute
        assert dispute.raised_by not in dispute.approvers, dispute
        assert policy.approvers(process, dispute.pending_stage), dispute
    else:
        assert (dispute.pending_stage, dispute.pending_due) == ("", None), dispute
        assert dispute.resume_status is None, dispute
    if dispute.status is Status.EXTERNAL:
        assert process.final_step is not None, dispute
        assert dispute.stage == process.final_step.key, dispute
        assert dispute.raiser_role in process.final_step.roles, dispute
        assert (dispute.owners, dispute.due_at) == ((), None), dispute
    if closed:
        assert dispute.owners == (), dispute
    rule = policy.extension
    assert dispute.extensions_used >= 0, dispute
    if rule is None or rule.max_extensions is not None:
        assert dispute.extensions_used <= (rule.max_extensions if rule else 0), dispute
    if dispute.formal_started_at is not None and process.overall_limit is not None:
        assert dispute.overall_due_at is not None, dispute
    assert set(dispute.referrals) <= {r.key for r in policy.referrals}, dispute
