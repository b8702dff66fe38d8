"""A seeded quarter with known answers for the quarterly report (Newham's profile).

Every dispute is made by the real domain (``raise_dispute`` / ``decide``) at fixed London
instants; the figures each test expects are worked out by hand below (``EXPECTED``), from the
story of each dispute, not from the code under test. Q1 2026 is reported on; Q1 2025 is its
"same period last year"; D0 was raised in December 2025 and acts inside the quarter.

Working days: 1 Jan 2026 (Thu), 25-26 Dec 2025 are bank holidays; Easter 2026 is in April.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from functools import lru_cache

from drp.calendar import LONDON, WorkingDayCalendar
from drp.commands import (
    AlertImmediateHarm,
    Command,
    Conclude,
    Escalate,
    Raise,
    Refer,
    Resolve,
    Respond,
    Withdraw,
)
from drp.events import Event
from drp.figures import quarterly_report
from drp.machine import Context, Decision, decide, raise_dispute
from drp.model import Action, Actor, Child, Concern, Dispute
from drp.overdue import open_deadline
from drp.policy import load_policy
from drp.report import Period, PeriodActivity, QuarterlyReport
from drp.roles import Role
from drp.tally import tally

NEWHAM = Context(load_policy("newham"), WorkingDayCalendar())
QUARTER = Period(date(2026, 1, 1), date(2026, 3, 31))
NOW = datetime(2026, 4, 1, 12, 0, tzinfo=LONDON)

ASSESSMENT = "Assessment"
CLA = "Children Looked After"
EAST = "Intervention East"


def at(y: int, m: int, d: int, hh: int = 10) -> datetime:
    """An instant on the London wall clock."""
    return datetime(y, m, d, hh, 0, tzinfo=LONDON)


@dataclass(frozen=True)
class Cast:
    """Who acts (directory ids): tests with a store pass the ids its directory gave people."""

    chair: str = "chair-ann"
    iro: str = "iro-ike"
    tm: str = "tm-tom"
    sm: str = "sm-sue"
    hos: str = "hos-hal"
    director: str = "dir-dee"


@dataclass
class Story:
    """One dispute's decisions, in order."""

    decisions: list[Decision] = field(default_factory=list)

    @property
    def dispute(self) -> Dispute:
        return self.decisions[-1].dispute

    @property
    def events(self) -> list[Event]:
        return [d.event for d in self.decisions]

    def do(self, command: Command) -> Story:
        self.decisions.append(decide(self.dispute, command, NEWHAM))
        return self


def _raise(
    reference: str,
    actor: Actor,
    when: datetime,
    *,
    stage: str,
    team: str,
    category: str,
    kids: tuple[Child, ...],
    owners: tuple[str, ...],
    due: date | None = None,
    other: str = "",
    issue_type: str = "",
) -> Story:
    concern = Concern(
        category=category,
        summary=f"{reference}: the plan has not progressed.\nSecond line of the summary.",
        impact="The child waits without the support the plan promised.",
        requested_actions=(Action(f"{reference} requested action", when.date()),),
        evidence="Minutes on the file.",
        category_other=other,
        issue_type=issue_type,
    )
    command = Raise(
        actor=actor,
        at=when,
        reference=reference,
        process="drp",
        stage=stage,
        children=kids,
        team=team,
        concern=concern,
        date_of_concern=when.date(),
        owners=owners,
        due=due,
        practitioner="",
    )
    return Story([raise_dispute(command, NEWHAM)])


def _respond(
    who: str, when: datetime, note: str = "Done", role: Role = Role.TEAM_MANAGER
) -> Respond:
    return Respond(
        actor=Actor(who, role),
        at=when,
        response=f"Response: {note}.",
        actions=(Action(f"SMART action: {note}", when.date()),),
        practice_issues=f"Practice issue: {note}.",
    )


def current(cast: Cast = Cast()) -> dict[str, Story]:
    """The disputes that act in Q1 2026 (D0 raised in December 2025)."""
    chair, iro = Actor(cast.chair, Role.CHAIR), Actor(cast.iro, Role.IRO)
    tm, sm, hos = cast.tm, cast.sm, cast.hos
    kid = {n: Child(f"Child {n}", f"LL-{n}", date(2015, 1, n)) for n in range(1, 8)}
    stories: dict[str, Story] = {}
    d0 = _raise(
        "DRP-2025-000900",
        iro,
        at(2025, 12, 15),
        stage="1",
        team=ASSESSMENT,
        category="staying-put",
        kids=(kid[7],),
        owners=(tm,),
    )
    d0.do(_respond(tm, at(2025, 12, 18), "D0 stage 1"))
    d0.do(Escalate(iro, at(2026, 1, 5), "D0 still drifting", "Concerns updated", owners=(sm,)))
    d0.do(_respond(sm, at(2026, 1, 9), "D0 stage 2", Role.SERVICE_MANAGER))
    d0.do(Resolve(iro, at(2026, 1, 12), "D0 resolved"))
    stories["D0"] = d0
    d1 = _raise(
        "DRP-2026-000001",
        chair,
        at(2026, 1, 5),
        stage="1",
        team=ASSESSMENT,
        category="placement",
        kids=(kid[1],),
        owners=(tm,),
        issue_type="Practice",
    )
    d1.do(_respond(tm, at(2026, 1, 7), "D1"))
    d1.do(Resolve(chair, at(2026, 1, 8), "D1 resolved"))
    stories["D1"] = d1
    d2 = _raise(
        "DRP-2026-000002",
        iro,
        at(2026, 1, 12),
        stage="1",
        team=CLA,
        category="health",
        kids=(kid[2], kid[3]),
        owners=(tm,),
    )
    d2.do(_respond(tm, at(2026, 1, 20), "D2 late"))
    d2.do(Escalate(iro, at(2026, 1, 21), "D2 no health assessment", owners=(sm,)))
    d2.do(_respond(sm, at(2026, 1, 27), "D2 stage 2", Role.SERVICE_MANAGER))
    d2.do(Escalate(iro, at(2026, 1, 28), "D2 breach of rights", to_stage="5"))
    d2.do(Refer(iro, at(2026, 2, 4), "cafcass", "D2 CAFCASS consulted"))
    d2.do(Conclude(iro, at(2026, 2, 16), "D2 CAFCASS advised; concluded"))
    stories["D2"] = d2
    d3 = _raise(
        "DRP-2026-000003",
        chair,
        at(2026, 2, 3),
        stage="informal",
        team=ASSESSMENT,
        category="placement",
        kids=(kid[1],),
        owners=(tm,),
        due=date(2026, 2, 10),
    )
    d3.do(_respond(tm, at(2026, 2, 5), "D3 informal"))
    d3.do(Escalate(chair, at(2026, 2, 6), "D3 go formal", owners=(tm,)))
    d3.do(_respond(tm, at(2026, 2, 16), "D3 stage 1 late"))
    d3.do(Resolve(chair, at(2026, 2, 17), "D3 resolved"))
    stories["D3"] = d3
    d4 = _raise(
        "DRP-2026-000004",
        iro,
        at(2026, 3, 2),
        stage="3",
        team=EAST,
        category="other",
        kids=(kid[4],),
        owners=(hos,),
        other="Court timetable",
    )
    d4.do(AlertImmediateHarm(iro, at(2026, 3, 3), "D4 child seen with injuries"))
    stories["D4"] = d4
    d5 = _raise(
        "DRP-2026-000005",
        chair,
        at(2026, 3, 20),
        stage="1",
        team=CLA,
        category="health",
        kids=(kid[5],),
        owners=(tm,),
    )
    d5.do(Withdraw(chair, at(2026, 3, 23), "D5 raised in error"))
    stories["D5"] = d5
    d6 = _raise(
        "DRP-2026-000006",
        chair,
        at(2026, 3, 9),
        stage="informal",
        team=EAST,
        category="voice-of-child",
        kids=(kid[6],),
        owners=(tm,),
        due=date(2026, 3, 12),
    )
    d6.do(_respond(tm, at(2026, 3, 11), "D6 informal"))
    stories["D6"] = d6
    return stories


def last_year(cast: Cast = Cast()) -> dict[str, Story]:
    """Q1 2025: two disputes, both resolved."""
    chair, iro = Actor(cast.chair, Role.CHAIR), Actor(cast.iro, Role.IRO)
    l1 = _raise(
        "DRP-2025-000001",
        chair,
        at(2025, 1, 13),
        stage="1",
        team=ASSESSMENT,
        category="placement",
        kids=(Child("Child H", "LL-8"),),
        owners=(cast.tm,),
    )
    l1.do(_respond(cast.tm, at(2025, 1, 15), "L1"))
    l1.do(Resolve(chair, at(2025, 1, 16), "L1 resolved"))
    l2 = _raise(
        "DRP-2025-000002",
        iro,
        at(2025, 2, 3),
        stage="1",
        team=CLA,
        category="health",
        kids=(Child("Child I", "LL-9"),),
        owners=(cast.tm,),
    )
    l2.do(_respond(cast.tm, at(2025, 2, 10, 16), "L2"))
    l2.do(Resolve(iro, at(2025, 2, 12), "L2 resolved"))
    return {"L1": l1, "L2": l2}


# --- a generated history: the templates above and below, moved in time ------------------------

HISTORY_TEAMS = tuple(f"Team {n:02d}" for n in range(30))
CATEGORIES = tuple(c.key for c in NEWHAM.policy.categories)
_MOVED = (
    "raised_at",
    "date_of_concern",
    "due_at",
    "review_due_at",
    "overall_due_at",
    "formal_started_at",
    "pending_due",
    "closed_at",
)


def up_the_ladder(people: Cast, iro: bool, external: bool) -> Story:
    """Informal, then stages 1 to 4 each answered and escalated, an alert and (an IRO) a
    CAFCASS referral on the way; resolved at stage 4, or taken to the external step."""
    who = Actor(people.iro if iro else people.chair, Role.IRO if iro else Role.CHAIR)
    owners = {"1": people.tm, "2": people.sm, "3": people.hos, "4": people.director}
    start = at(2026, 1, 5)
    story = _raise(
        "DRP-2026-000999",
        who,
        start,
        stage="informal",
        team="Team",
        category="placement",
        kids=(Child("A Child", "LL-0", date(2015, 1, 1)),),
        owners=(people.tm,),
        due=date(2026, 1, 9),
    )
    story.do(AlertImmediateHarm(who, start + timedelta(hours=2), "Seen with a bruise."))
    for week, stage in enumerate(("informal", "1", "2", "3", "4")):
        answered = start + timedelta(days=7 * week + 1)
        story.do(_respond(story.dispute.owners[0], answered, "A considered SMART plan " * 12))
        if stage == "4":
            break
        after = "1" if stage == "informal" else str(int(stage) + 1)
        later = answered + timedelta(days=1)
        story.do(Escalate(who, later, "Not resolved.", owners=(owners[after],)))
        if stage == "2" and iro:
            story.do(Refer(who, answered + timedelta(days=2), "cafcass", "Consulted CAFCASS."))
    end = start + timedelta(days=30)
    if external:
        story.do(Escalate(who, end, "Continuing failure.", to_stage="5"))
        return story.do(Conclude(who, end + timedelta(days=3), "CAFCASS advised."))
    return story.do(Resolve(who, end, "Resolved at stage 4."))


@lru_cache(maxsize=1)
def templates() -> tuple[list[Story], list[Story], list[Story]]:
    """(short and closed, long and closed, open) stories, made by the domain (Newham)."""
    short: list[Story] = []
    long: list[Story] = []
    for n in range(4):
        people = Cast(chair=f"chair-{n}", iro=f"iro-{n}")
        short += [*current(people).values(), *last_year(people).values()]
        long += [up_the_ladder(people, iro, ext) for iro in (False, True) for ext in (False, iro)]
    closed = [s for s in short if not s.dispute.is_open]
    return closed, long, [s for s in short if s.dispute.is_open]


def clone(story: Story, n: int, raised: datetime, rng: random.Random) -> list[Decision]:
    """The story moved whole weeks (weekdays kept) to start near ``raised``, as dispute ``n``
    with its own children, team and category: every decision moved alike."""
    first = story.decisions[0].dispute
    delta = timedelta(weeks=round((raised - first.raised_at).total_seconds() / 604800))
    reference = f"DRP-{(first.raised_at + delta).year}-{n:06d}"
    kids = tuple(
        Child(f"Child {n} {k}", f"LL-{n - 1}-0" if rng.random() < 0.1 else f"LL-{n}-{k}", c.dob)
        for k, c in enumerate(first.children)
    )
    team, category = rng.choice(HISTORY_TEAMS), rng.choice(CATEGORIES)
    moved = []
    for decision in story.decisions:
        d = decision.dispute
        times = {name: _shift(getattr(d, name), delta) for name in _MOVED}
        concern = replace(
            d.concern,
            category=category,
            category_other="Other",
            more_categories=_more(n, category),
        )
        d = replace(d, reference=reference, children=kids, team=team, concern=concern, **times)
        event = replace(decision.event, reference=reference, at=decision.event.at + delta)
        moved.append(Decision(d, event))
    return moved


def _more(n: int, category: str) -> tuple[str, ...]:
    """Every third dispute ticks the next category too (seed 003's grid), every ninth two
    more: not drawn from the generator, so the history is otherwise as before."""
    if n % 3:
        return ()
    at = CATEGORIES.index(category)
    more = [CATEGORIES[(at + k) % len(CATEGORIES)] for k in (1, 2)]
    return tuple(more if n % 9 == 0 else more[:1])


def _shift(value: object, delta: timedelta) -> object:
    return value + delta if isinstance(value, datetime | date) else value


def history(
    count: int, seed: int, now: datetime, years: int = 3, long_share: float = 0.7
) -> Iterator[list[Decision]]:
    """``count`` disputes raised over ``years`` before ``now``; those of the last 40 days
    are open. ~10 events per dispute on average."""
    rng = random.Random(seed)
    closed, long, still_open = templates()
    start = now - timedelta(days=365 * years)
    span = (now - start).total_seconds()
    for n in range(1, count + 1):
        raised = start + timedelta(seconds=span * rng.random())
        if now - raised < timedelta(days=40):
            pool = still_open
        else:
            pool = long if rng.random() < long_share else closed
        yield clone(rng.choice(pool), n, raised, rng)


# The answers, worked out by hand from the stories above.
EXPECTED = {
    "raised": 6,
    "raised_by_group": {"chair": 4, "iro": 2},
    "informal": 2,
    "formal": 4,
    "informal_went_formal": 1,
    "children": 6,
    "families": 5,
    # group -> month -> column -> count (zeros left out)
    "entries": {
        "iro": {
            # The stage-5 escalation is the IRO's contact with CAFCASS too (issue 14).
            "2026-01": {"1": 1, "2": 2, "5": 1, "referral:cafcass": 1},
            "2026-02": {"referral:cafcass": 1},
            "2026-03": {"3": 1},
            "total": {"1": 1, "2": 2, "3": 1, "5": 1, "referral:cafcass": 2},
        },
        "chair": {
            "2026-01": {"1": 1},
            "2026-02": {"informal": 1, "1": 1},
            "2026-03": {"informal": 1, "1": 1},
            "total": {"informal": 2, "1": 3},
        },
    },
    "teams": [
        (ASSESSMENT, 2, 1, 1, (("placement", 2),)),
        (CLA, 2, 3, 2, (("health", 2),)),
        (EAST, 2, 2, 2, (("other", 1), ("voice-of-child", 1))),
    ],
    "categories": {
        "placement": (2, "33.3"),
        "health": (2, "33.3"),
        "other": (1, "16.7"),
        "voice-of-child": (1, "16.7"),
    },
    "issue_types": {"Practice": (1, "16.7")},
    # stage -> (responses, on time, percent)
    "timeliness": {"informal": (2, 2, "100.0"), "1": (3, 1, "33.3"), "2": (2, 2, "100.0")},
    "responses_total": (7, 5, "71.4"),
    "resolved": 3,
    "median": 10.0,  # D1 3, D3 10, D0 17 working days
    "outcomes": (("resolved", 3), ("withdrawn", 1), ("concluded", 1)),
    "immediate_harm_alerts": 1,
    # reference, stage, group, working days over at NOW
    # D6's informal response waits for the chair with no deadline (seed 003: stages 2-4 only).
    "overdue": [("DRP-2026-000004", "3", "iro", 17)],
    "last_year": {
        "raised": 2,
        "entries": {"chair": {"2025-01": {"1": 1}}, "iro": {"2025-02": {"1": 1}}},
        "responses_total": (2, 2, "100.0"),
        "median": 5.0,  # L1 3, L2 7 working days
    },
}


def seeded_report(stories: dict[str, Story]) -> QuarterlyReport:
    """The quarterly report of ``stories`` (``current()`` and ``last_year()`` together) as it
    stands at ``NOW``."""
    activity = PeriodActivity(
        [s.dispute for s in stories.values()], [e for s in stories.values() for e in s.events]
    )
    deadlines = [d for s in stories.values() if (d := open_deadline(s.dispute)) is not None]
    cal = NEWHAM.calendar
    return quarterly_report(
        QUARTER,
        tally(QUARTER, activity, cal),
        tally(QUARTER.last_year(), activity, cal),
        deadlines,
        policy=NEWHAM.policy,
        calendar=cal,
        now=NOW,
    )
