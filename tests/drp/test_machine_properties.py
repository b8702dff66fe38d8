"""Property tests: no command sequence, by anyone, at any time, reaches an illegal dispute.

A hypothesis state machine per shipped profile drives one dispute with commands from a pool
of actors (the raiser, owners, the approver, strangers, the scheduler) while the clock moves
on. Every command either raises a domain error and changes nothing, or is accepted and adds
exactly one event whose sequence is the dispute's new version.
"""

from __future__ import annotations

import copy
import unittest
from datetime import date, datetime, timedelta
from typing import ClassVar

from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from drp.commands import (
    AlertImmediateHarm,
    Approve,
    Command,
    Conclude,
    Decline,
    Escalate,
    Extend,
    NoteOverdue,
    Raise,
    Refer,
    Resolve,
    Respond,
    Withdraw,
)
from drp.errors import DrpError
from drp.events import Event
from drp.machine import Context, Decision, decide, raise_dispute
from drp.model import MAX_TEXT, Action, Actor, Dispute, Status
from drp.policy import Move
from drp.roles import Role
from tests.drp.support import (
    CHAIR,
    CHAIRS_MANAGER,
    IRO,
    MON_21_DEC,
    SYSTEM,
    assert_legal,
    climbing_owners,
    concern,
    context,
    everyone,
    owners_for,
    raise_command,
)

POOL: tuple[Actor, ...] = tuple(everyone().values())
IDS: tuple[str, ...] = tuple(actor.id for actor in POOL)
RAISER_FOR = {actor.role: actor for actor in POOL if actor.id != "who-wes"} | {
    Role.CHAIR: CHAIR,
    Role.IRO: IRO,
}

# "raiser", "owner" and "approver" pick whoever holds that part in the dispute right now;
# they are drawn often so that sequences go deep, strangers and the scheduler less often.
who = st.sampled_from(["raiser"] * 6 + ["owner"] * 6 + ["approver"] * 3 + list(IDS))
# Closing commands rarely come from the raiser, or most disputes would end at once.
rarely_raiser = st.sampled_from(["raiser", *IDS])
GOOD = "Agreed actions with dates."
texts = st.sampled_from([GOOD] * 6 + ["", "   ", "x" * (MAX_TEXT + 1)])
owner_lists = st.lists(st.sampled_from(IDS), max_size=3).map(tuple)
due_offsets = st.sampled_from([None, None, None, 1, 2, 4, 7, 14, -1])
hours = st.sampled_from([1, 3, 7, 23, 24, 25, 49, 24 * 5, 24 * 9])

SETTINGS = settings(max_examples=30, stateful_step_count=50, deadline=None)


class DisputeMachine(RuleBasedStateMachine):
    """One dispute under one profile; subclasses name the profile."""

    profile: ClassVar[str] = "nottingham"

    def __init__(self) -> None:
        super().__init__()
        self.ctx: Context = context(self.profile)
        self.dispute: Dispute | None = None
        self.events: list[Event] = []
        self.now: datetime = MON_21_DEC

    # --- applying commands -------------------------------------------------------------------

    def apply(self, command: Command) -> None:
        """Apply a command; a rejection changes nothing, an acceptance adds exactly one event."""
        before = self.dispute
        snapshot = copy.deepcopy(before)
        try:
            decision = self._decide(before, command)
        except DrpError:
            assert self.dispute == snapshot
            return
        self._check_event(before, decision, command)
        event(f"reached {decision.dispute.status} after {decision.event.kind}")
        self.dispute = decision.dispute
        self.events.append(decision.event)

    def _decide(self, before: Dispute | None, command: Command) -> Decision:
        if before is None:
            assert isinstance(command, Raise)
            return raise_dispute(command, self.ctx)
        return decide(before, command, self.ctx)

    def _check_event(self, before: Dispute | None, decision: Decision, command: Command) -> None:
        event, after = decision.event, decision.dispute
        assert after.version == len(self.events) + 1
        assert event.sequence == after.version
        assert (event.actor, event.actor_role, event.at) == (
            command.actor.id,
            command.actor.role,
            command.at,
        )
        assert event.from_stage == (before.stage if before is not None else "")
        assert event.to_stage == after.stage

    def actor(self, choice: str) -> Actor:
        """The actor a drawn choice names, resolved against the dispute's current parts."""
        people = everyone()
        dispute = self.dispute
        if dispute is not None and choice == "raiser":
            return people.get(dispute.raised_by, CHAIR)
        if dispute is not None and choice == "owner" and dispute.owners:
            return people[dispute.owners[0]]
        if dispute is not None and choice == "approver" and dispute.approvers:
            return people.get(dispute.approvers[0], CHAIRS_MANAGER)
        return people.get(choice, SYSTEM)

    def due(self, offset: int | None) -> date | None:
        return None if offset is None else self.now.date() + timedelta(days=offset)

    # --- opening the dispute -------------------------------------------------------------------

    @initialize(data=st.data())
    def open_dispute(self, data: st.DataObject) -> None:
        """A random (often invalid) raise, then a valid one if that was refused."""
        self.apply(self._random_raise(data))
        if self.dispute is None:
            self.apply(self._valid_raise(data))
        assert self.dispute is not None

    def _random_raise(self, data: st.DataObject) -> Raise:
        policy = self.ctx.policy
        stages = [s.key for p in policy.processes for s in p.all_stages()] + ["5", "9"]
        categories = [c.key for c in policy.categories] + ["bogus"]
        return raise_command(
            self.actor(data.draw(who)),
            data.draw(st.sampled_from(stages)),
            at=self.now,
            process=data.draw(st.sampled_from([p.key for p in policy.processes] + ["x"])),
            concern=concern(
                data.draw(st.sampled_from(categories)),
                category_other=data.draw(texts),
                summary=data.draw(texts),
            ),
            owners=data.draw(owner_lists),
            approvers=(data.draw(st.sampled_from(["", *IDS])),),
            due=self.due(data.draw(due_offsets)),
        )

    def _valid_raise(self, data: st.DataObject) -> Raise:
        policy = self.ctx.policy
        process = data.draw(st.sampled_from(policy.processes))
        roles = [r for r in process.raisers if process.opening_stages(r) and r in RAISER_FOR]
        role = data.draw(st.sampled_from(roles))
        stage = data.draw(st.sampled_from(process.opening_stages(role)))
        needs_date = stage.raiser_sets_deadline and stage.timescale is None
        return raise_command(
            RAISER_FOR[role],
            stage.key,
            at=self.now,
            process=process.key,
            concern=concern(policy.categories[0].key),
            owners=owners_for(policy, stage.key, process.key),
            approvers=(CHAIRS_MANAGER.id,)
            if policy.needs_approval(process, stage.key, Move.RAISE)
            else (),
            due=self.now.date() + timedelta(days=1) if needs_date else None,
        )

    # --- the clock -----------------------------------------------------------------------------

    @rule(elapsed=hours)
    def time_passes(self, elapsed: int) -> None:
        self.now += timedelta(hours=elapsed)

    # --- commands ------------------------------------------------------------------------------

    @rule(
        choice=who,
        text=texts,
        on_behalf=st.sampled_from([""] * len(IDS) + list(IDS)),
        days=st.integers(min_value=-1, max_value=4),
    )
    def respond(self, choice: str, text: str, on_behalf: str, days: int) -> None:
        actions = (Action("Visit the child", self.now.date() + timedelta(days=days)),)
        self.apply(Respond(self.actor(choice), self.now, text, actions, on_behalf_of=on_behalf))

    @rule(kind=st.sampled_from([Resolve, Extend, Conclude]), choice=who, text=texts)
    def review(self, kind: type[Resolve | Extend | Conclude], choice: str, text: str) -> None:
        # A resolution closes the dispute: it comes from the raiser less often.
        actor = self.actor("owner" if kind is Resolve and choice == "raiser" else choice)
        self.apply(kind(actor, self.now, text))

    @rule(data=st.data(), choice=who, text=texts, owners=owner_lists, offset=due_offsets)
    def escalate(
        self,
        data: st.DataObject,
        choice: str,
        text: str,
        owners: tuple[str, ...],
        offset: int | None,
    ) -> None:
        assert self.dispute is not None
        process = self.ctx.policy.process(self.dispute.process)
        keys = [s.key for s in process.all_stages()]
        final = [process.final_step.key] if process.final_step else []
        to_stage = data.draw(st.sampled_from(["", "", "", "", *keys, *final, "9"]))
        here = self.dispute.stage
        following = process.next_stage(here) if process.has_stage(here) else None
        if following is not None and data.draw(st.booleans()):
            owners = climbing_owners(self.ctx.policy, self.dispute) or owners
        approver = data.draw(st.sampled_from([CHAIRS_MANAGER.id] * 8 + ["", *IDS]))
        command = Escalate(
            self.actor(choice),
            self.now,
            text,
            "",
            to_stage,
            owners,
            (approver,),
            due=self.due(offset),
        )
        self.apply(command)

    @rule(agree=st.booleans(), choice=who, owners=owner_lists, text=texts)
    def agreement(self, agree: bool, choice: str, owners: tuple[str, ...], text: str) -> None:
        actor = self.actor(choice)
        self.apply(Approve(actor, self.now, owners) if agree else Decline(actor, self.now, text))

    @rule(data=st.data(), choice=rarely_raiser, text=texts)
    def aside(self, data: st.DataObject, choice: str, text: str) -> None:
        """Commands open at any point: referral, immediate harm, withdrawal, overdue notes."""
        actor = self.actor(choice)
        route = data.draw(st.sampled_from(["lscb", "cafcass", "scb", "lado", "police"]))
        consulted = data.draw(st.sampled_from(["", "IRS team manager"]))
        concurrent = data.draw(st.sampled_from([True, True, True, False]))
        command = data.draw(
            st.sampled_from(
                [
                    Refer(actor, self.now, route, text, consulted, concurrent),
                    AlertImmediateHarm(actor, self.now, text),
                    Withdraw(actor, self.now, text),
                    NoteOverdue(actor, self.now),
                    NoteOverdue(SYSTEM, self.now),
                    raise_command(actor, at=self.now),
                ]
            )
        )
        self.apply(command)

    @rule(data=st.data())
    def sensible_move(self, data: st.DataObject) -> None:
        """A command that is likely valid now, so that sequences climb the ladder."""
        assert self.dispute is not None
        moves = self._moves(self.dispute)
        if moves:
            self.apply(data.draw(st.sampled_from(moves)))

    @rule(data=st.data())
    def another_sensible_move(self, data: st.DataObject) -> None:
        """The same again: drawn twice as often as any chaotic command."""
        self.sensible_move(data)

    def _moves(self, dispute: Dispute) -> list[Command]:
        people, now = everyone(), self.now
        raiser = people.get(dispute.raised_by, CHAIR)
        if dispute.status is Status.AWAITING_APPROVAL:
            owners = owners_for(self.ctx.policy, dispute.pending_stage, dispute.process)
            approver = people.get(dispute.approvers[0], CHAIRS_MANAGER)
            return [Approve(approver, now, owners), Decline(approver, now, "Not yet.")]
        if dispute.status is Status.EXTERNAL:
            return [Conclude(raiser, now, "Outcome recorded.")]
        moves: list[Command] = [*self._escalations(dispute, raiser)]
        if dispute.status is Status.AWAITING_RESPONSE and dispute.owners:
            moves.append(Respond(people.get(dispute.owners[0], SYSTEM), now, GOOD))
            moves.append(Conclude(raiser, now, "No reply at the last stage."))
        if dispute.status is Status.AWAITING_REVIEW:
            moves.append(Extend(raiser, now, "One more day."))
            moves.append(Conclude(raiser, now, "Unresolved at the last stage."))
        return moves

    def _escalations(self, dispute: Dispute, raiser: Actor) -> list[Command]:
        process = self.ctx.policy.process(dispute.process)
        following = process.next_stage(dispute.stage) if process.has_stage(dispute.stage) else None
        if following is None:
            return [Escalate(raiser, self.now, "To the final step.")]
        owners = climbing_owners(self.ctx.policy, dispute)
        due = self.now.date() + timedelta(days=3) if following.timescale is None else None
        return [
            Escalate(
                who_, self.now, "Not resolved.", "", "", owners, (CHAIRS_MANAGER.id,), due=due
            )
            for who_ in (raiser, SYSTEM)
        ]

    # --- invariants ----------------------------------------------------------------------------

    @invariant()
    def dispute_is_legal(self) -> None:
        if self.dispute is not None:
            assert_legal(self.dispute, self.ctx.policy)

    @invariant()
    def one_event_per_accepted_command(self) -> None:
        if self.dispute is not None:
            assert self.dispute.version == len(self.events)
            assert [e.sequence for e in self.events] == list(range(1, len(self.events) + 1))
            assert {e.reference for e in self.events} == {self.dispute.reference}


class NottinghamDisputes(DisputeMachine):
    profile = "nottingham"


class CpcStandardDisputes(DisputeMachine):
    profile = "cpc-standard"


class CalderdaleDisputes(DisputeMachine):
    profile = "calderdale"


class NewhamDisputes(DisputeMachine):
    profile = "newham"


class CityHackneyDisputes(DisputeMachine):
    profile = "city-hackney"


def as_test_case(machine: type[DisputeMachine]) -> type[unittest.TestCase]:
    """The machine as a unittest case with this module's budget."""
    case: type[unittest.TestCase] = machine.TestCase
    case.settings = SETTINGS  # type: ignore[attr-defined]
    return case


TestNottinghamDisputes = as_test_case(NottinghamDisputes)
TestCpcStandardDisputes = as_test_case(CpcStandardDisputes)
TestCalderdaleDisputes = as_test_case(CalderdaleDisputes)
TestNewhamDisputes = as_test_case(NewhamDisputes)
TestCityHackneyDisputes = as_test_case(CityHackneyDisputes)
