"""Disputes built through the real domain (profiles, machine, calendar) at fixed instants."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from itertools import count

from cards.verbs import KeyFactory
from cards.views import DisputeView, Viewer, ViewerKind
from drp.calendar import LONDON, WorkingDayCalendar
from drp.commands import Command, Escalate, Raise, Respond
from drp.events import Event
from drp.machine import Context, decide, raise_dispute
from drp.model import Action, Actor, Child, Concern, Dispute
from drp.policy import Policy, Process, load_policy
from drp.roles import Role

CALENDAR = WorkingDayCalendar()
T0 = datetime(2026, 12, 14, 10, 0, tzinfo=LONDON)  # a Monday, clear of bank holidays
TODAY = T0.date()

CHAIR = "chair-1"
IRO = "iro-1"
PRACTITIONER = "sw-1"
CSM = "csm-1"
STRANGER = "stranger-1"
MONITOR = "monitor-1"
OWNERS = {"informal": "tm-1", "1": "tm-1", "2": "sm-1", "3": "hos-1", "4": "dir-1"}
NAMES = {
    CHAIR: "Chris Chair",
    IRO: "Indira Reviewing",
    PRACTITIONER: "Sam Worker",
    CSM: "Casey Manager",
    "tm-1": "Terry Teamlead",
    "sm-1": "Sasha Service",
    "hos-1": "Harper Head",
    "dir-1": "Dana Director",
}
CHILD_NAME = "Zephyrine Quenby-Oduya"
CHILD = Child(CHILD_NAME, "LL-204518", date(2015, 3, 2))


def keys() -> count[int]:
    """A counter for deterministic idempotency keys."""
    return count(1)


def key_factory() -> KeyFactory:
    """A deterministic ``key_factory``: ``k1``, ``k2``, ..."""
    numbers = keys()
    return lambda: f"k{next(numbers)}"


@dataclass(frozen=True)
class Story:
    """A dispute and its events so far, under one policy."""

    policy: Policy
    dispute: Dispute
    events: tuple[Event, ...]
    team_title: str = "Children's Services East"

    @property
    def ctx(self) -> Context:
        return Context(self.policy, CALENDAR)

    def then(self, command: Command) -> Story:
        """The story after one more accepted command."""
        decision = decide(self.dispute, command, self.ctx)
        return replace(self, dispute=decision.dispute, events=(*self.events, decision.event))

    def view(self) -> DisputeView:
        return DisputeView(self.dispute, self.events, NAMES, self.team_title)

    def raiser(self) -> Actor:
        return Actor(self.dispute.raised_by, self.dispute.raiser_role)

    def respond(self, at: datetime | None = None, text: str = "We will meet.") -> Story:
        owner = self.dispute.owners[0]
        action = Action("Core group meeting held", TODAY + timedelta(days=4))
        when = at or T0 + timedelta(hours=2)
        return self.then(
            Respond(Actor(owner, Role.TEAM_MANAGER), when, text, (action,), "Supervision notes")
        )

    def escalate(self, to_stage: str = "", at: datetime | None = None) -> Story:
        process = self.policy.process(self.dispute.process)
        target = to_stage or (process.next_stage(self.dispute.stage) or process.stages[-1]).key
        return self.then(
            Escalate(
                self.raiser(),
                at or T0 + timedelta(hours=3),
                "No plan in place",
                "Still no core group",
                to_stage=to_stage,
                owners=(OWNERS.get(target, "dir-1"),),
                approvers=(CSM,),
                consulted=_consulted(process, target),
            )
        )


def raise_story(
    policy_name: str,
    *,
    stage: str = "1",
    role: Role = Role.CHAIR,
    raiser: str = CHAIR,
    children: tuple[Child, ...] = (CHILD,),
    summary: str = "The child protection plan has not been reviewed.",
    due: date | None = None,
    process: str = "",
) -> Story:
    """A dispute raised at ``stage`` at ``T0`` by ``raiser`` in ``role``."""
    policy = load_policy(policy_name)
    chosen = policy.process(process) if process else policy.main
    command = Raise(
        actor=Actor(raiser, role),
        at=T0,
        reference="DRP-2026-000123",
        process=process or policy.main.key,
        stage=stage,
        children=children,
        team="team-east",
        concern=Concern(
            category=policy.categories[0].key,
            summary=summary,
            impact="She is not being seen by her social worker.",
            requested_actions=(Action("Hold a core group", TODAY + timedelta(days=3)),),
            evidence="Minutes of the core group.",
        ),
        date_of_concern=TODAY - timedelta(days=1),
        owners=(OWNERS.get(stage, "tm-1"),),
        approvers=(CSM,),
        due=due,
        practitioner=PRACTITIONER,
        consulted=_consulted(chosen, stage),
        conference_date=TODAY - timedelta(days=3),
    )
    decision = raise_dispute(command, Context(policy, CALENDAR))
    return Story(policy, decision.dispute, (decision.event,))


def _consulted(process: Process, stage: str) -> str:
    """Whom the raiser consulted, where the stage asks (seed 002: the CPCC's line manager)."""
    asks = process.has_stage(stage) and process.stage(stage).consult
    return "The raiser's line manager, the day before" if asks else ""


def viewer(kind: ViewerKind, person: str) -> Viewer:
    return Viewer(person, kind)
