"""Disputes full of sentinel values, made by the real domain, for the retention and privacy tests.

Every identifying value an erased dispute holds starts with ``ERASE`` and is unique, so a search
of the raw database for each one proves it is gone; the kept dispute's values start with
``KEEP`` and must still be found (the search works). One child (``SHARED``) is on an erased and
a kept dispute in the same quarter: the report must count it once before and after.

Timeline (retention "2 years", applied on 1 June 2026): everything ``ERASE`` was raised and
closed in January 2024; the kept dispute (same policy as the shared child's erased one) was
raised in January 2024 and is still open.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from drp.calendar import LONDON, WorkingDayCalendar
from drp.commands import (
    AlertImmediateHarm,
    Approve,
    Command,
    Correct,
    Decline,
    Escalate,
    Extend,
    Raise,
    Refer,
    Resolve,
    Respond,
    Withdraw,
)
from drp.governance import RetentionPeriod
from drp.machine import Context, Decision, decide, raise_dispute
from drp.model import Action, Actor, Child, Concern
from drp.policy import load_policy
from drp.roles import Role
from store.store import Store

NOTTINGHAM = Context(load_policy("nottingham"), WorkingDayCalendar())
CPC = Context(load_policy("cpc-standard"), WorkingDayCalendar())
CHAIR = Actor("chair-ann", Role.CHAIR)
TM = Actor("tm-tom", Role.TEAM_MANAGER)
SM = Actor("sm-sue", Role.SERVICE_MANAGER)
CSM = Actor("csm-cat", Role.CHAIRS_SERVICE_MANAGER)
TEAM = "Riverside Family Support"
PERIOD = RetentionPeriod.parse("2 years")
AS_OF = date(2026, 6, 1)
NOW = datetime(2026, 6, 1, 2, 0, tzinfo=LONDON)
SHARED = Child("SHARED Sibling Name", "SHARED-ID-777", date(2012, 1, 2))
KEEP_CHILD = Child("KEEP Kept Childname", "KEEP-ID-555", date(2010, 10, 10))
KEPT = "DRP-2024-000009"


@dataclass
class Seeded:
    """The stories, and the sentinels that must go and that must stay."""

    stories: dict[str, list[Decision]] = field(default_factory=dict)
    erased: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)


def _at(day: int, hour: int = 10) -> datetime:
    return datetime(2024, 1, 8, hour, 0, tzinfo=LONDON) + timedelta(days=day)


def _raise(
    ref: str,
    ctx: Context,
    children: tuple[Child, ...],
    tag: str,
    *,
    at: datetime,
    stage: str = "1",
) -> Decision:
    concern = Concern(
        category=next(c.key for c in ctx.policy.categories),
        summary=f"{tag}-SUMMARY-TEXT",
        impact=f"{tag}-IMPACT-TEXT",
        requested_actions=(Action(f"{tag}-REQUESTED-ACTION", (at + timedelta(days=3)).date()),),
        evidence=f"{tag}-EVIDENCE-TEXT",
    )
    command = Raise(
        actor=CHAIR,
        at=at,
        reference=ref,
        process="drp",
        stage=stage,
        children=children,
        team=TEAM,
        concern=concern,
        date_of_concern=(at - timedelta(days=2)).date(),
        owners=(TM.id,),
        approvers=(CSM.id,) if stage != "1" else (),
        practitioner="sw-pat",
        raiser_team="Safeguarding Standards",
    )
    return raise_dispute(command, ctx)


def _walk(first: Decision, ctx: Context, commands: list[Command]) -> list[Decision]:
    found = [first]
    for command in commands:
        found.append(decide(found[-1].dispute, command, ctx))
    return found


def _respond(tag: str, at: datetime, actor: Actor = TM) -> Respond:
    action = Action(f"{tag}-SMART-ACTION", (at + timedelta(days=5)).date())
    return Respond(actor, at, f"{tag}-RESPONSE-TEXT", (action,), f"{tag}-PRACTICE-ISSUES")


def _nottingham_story() -> list[Decision]:
    children = (
        Child("ERASE Wrongname Alpha Muchlonger Surname", "ERASE-ID-A1", date(2011, 7, 13)),
        Child("ERASE Beta Sibling", "ERASE-ID-A2", date(2009, 2, 17)),
    )
    first = _raise("DRP-2024-000001", NOTTINGHAM, children, "ERASE-A", at=_at(0))
    return _walk(
        first,
        NOTTINGHAM,
        [
            Correct(CSM, _at(0, 11), "child_1_name", "ERASE Fixedname Alpha", "ERASE-A-FIX-WHY"),
            _respond("ERASE-A1", _at(1)),
            Escalate(CHAIR, _at(2), "ERASE-A-ESCALATE-WHY", "ERASE-A-UPDATED", owners=(SM.id,)),
            AlertImmediateHarm(CHAIR, _at(3), "ERASE-A-HARM-DETAILS"),
            Refer(CHAIR, _at(3, 12), "lscb", "ERASE-A-REFER-WHY", "ERASE-A-CONSULTED"),
            _respond("ERASE-A2", _at(4), SM),
            Resolve(CHAIR, _at(5), "ERASE-A-RESOLVED-COMMENTS"),
        ],
    )


def _cpc_stories() -> list[list[Decision]]:
    shared = (Child("ERASE Gamma Kid", "ERASE-ID-B1", date(2013, 5, 30)), SHARED)
    first = _raise("DRP-2024-000002", CPC, shared, "ERASE-B", at=_at(7))
    extended = _walk(
        first,
        CPC,
        [
            _respond("ERASE-B1", _at(8)),
            Extend(CHAIR, _at(8, 12), "ERASE-B-AGREED-WORK"),
            Withdraw(CHAIR, _at(9), "ERASE-B-WITHDRAW-WHY"),
        ],
    )
    declined = _walk(
        _raise(
            "DRP-2024-000003",
            CPC,
            (Child("ERASE Delta", "ERASE-ID-C1"),),
            "ERASE-C",
            at=_at(10),
            stage="2",
        ),
        CPC,
        [Decline(CSM, _at(10, 12), "ERASE-C-DECLINE-WHY")],
    )
    approved = _walk(
        _raise(
            "DRP-2024-000004",
            CPC,
            (Child("ERASE Epsilon", "ERASE-ID-D1"),),
            "ERASE-D",
            at=_at(11),
            stage="2",
        ),
        CPC,
        [
            Approve(CSM, _at(11, 12), (SM.id,), "ERASE-D-APPROVE-COMMENTS"),
            Withdraw(CHAIR, _at(12), "ERASE-D-WITHDRAW-WHY"),
        ],
    )
    return [extended, declined, approved]


def _kept_story() -> list[Decision]:
    first = _raise(KEPT, CPC, (KEEP_CHILD, SHARED), "KEEP-K", at=_at(14))
    return _walk(first, CPC, [_respond("KEEP-K1", _at(15))])


def seeded() -> Seeded:
    """Four disputes to erase, one to keep, and their sentinels."""
    found = Seeded()
    for story in [_nottingham_story(), *_cpc_stories(), _kept_story()]:
        found.stories[story[0].dispute.reference] = story
    found.erased = [
        *(f"ERASE-{n}" for n in ("ID-A1", "ID-A2", "ID-B1", "ID-C1", "ID-D1")),
        "ERASE Wrongname Alpha Muchlonger Surname", "ERASE Fixedname Alpha",
        "ERASE Beta Sibling", "ERASE Gamma Kid", "ERASE Delta", "ERASE Epsilon",
        "2011-07-13", "2009-02-17", "2013-05-30",
        *(f"ERASE-A-{t}" for t in ("SUMMARY-TEXT", "IMPACT-TEXT", "REQUESTED-ACTION")),
        "ERASE-B-IMPACT-TEXT",
        *(f"ERASE-A-{t}" for t in ("EVIDENCE-TEXT", "FIX-WHY", "ESCALATE-WHY", "UPDATED")),
        *(f"ERASE-A-{t}" for t in ("HARM-DETAILS", "REFER-WHY", "CONSULTED", "RESOLVED-COMMENTS")),
        *(f"ERASE-A{n}-{t}" for n in (1, 2) for t in ("RESPONSE-TEXT", "SMART-ACTION")),
        "ERASE-A1-PRACTICE-ISSUES", "ERASE-A2-PRACTICE-ISSUES",
        "ERASE-B-SUMMARY-TEXT", "ERASE-B1-RESPONSE-TEXT", "ERASE-B-AGREED-WORK",
        "ERASE-B-WITHDRAW-WHY", "ERASE-C-DECLINE-WHY", "ERASE-C-SUMMARY-TEXT",
        "ERASE-D-APPROVE-COMMENTS", "ERASE-D-WITHDRAW-WHY",
    ]  # fmt: skip
    found.kept = [
        "KEEP Kept Childname", "KEEP-ID-555", "2010-10-10", "KEEP-K-SUMMARY-TEXT",
        "KEEP-K1-RESPONSE-TEXT", "KEEP-K1-SMART-ACTION", "SHARED Sibling Name", "SHARED-ID-777",
    ]  # fmt: skip
    return found


async def save(store: Store, stories: dict[str, list[Decision]]) -> None:
    """Each story through the store as the service writes it: add, then one save per step."""
    for decisions in stories.values():
        async with store.transaction() as tx:
            await tx.disputes.add(decisions[0])
        for decision in decisions[1:]:
            async with store.transaction() as tx:
                version = decision.dispute.version - 1
                await tx.disputes.save(decision, expected_version=version)
