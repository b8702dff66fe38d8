"""A leaver's part in an open dispute handed to their successor (``HandOver``): the guard and
the effect the transition table registers. Only the system hands over (the directory sync or
``drp-bot directory import --replace`` / ``hand-over``); the dispute's status, stage and
deadlines stay as they are."""

from __future__ import annotations

from dataclasses import replace

from drp.commands import HandOver
from drp.context import Change, Context
from drp.errors import CommandRejected, InvalidInput, NotPermitted
from drp.events import HandedOver
from drp.model import SYSTEM, Dispute


def parts(dispute: Dispute, person: str) -> tuple[str, ...]:
    """What a person holds in a dispute: raiser, owner, approver, decider, practitioner, the
    child's own chair or IRO."""
    held = (
        ("raiser", dispute.raised_by == person),
        ("owner", person in dispute.owners),
        ("approver", person in dispute.approvers),
        ("decider", person in dispute.deciders),
        ("practitioner", dispute.practitioner == person),
        ("plan_chair", dispute.plan_chair == person),
    )
    return tuple(part for part, holds in held if holds)


def hands_over_a_part(dispute: Dispute, command: HandOver, ctx: Context) -> None:
    """The system hands a part the leaver holds to someone else."""
    if command.actor.id != SYSTEM:
        raise NotPermitted(dispute.status, "HandOver", "only the directory sync hands over")
    if not command.successor or command.successor in (command.leaver, SYSTEM):
        raise InvalidInput("successor", "must be someone other than the leaver")
    if not parts(dispute, command.leaver):
        raise CommandRejected(dispute.status, "HandOver", "the leaver holds no part in it")


def hand_over(dispute: Dispute, command: HandOver, ctx: Context) -> Change:
    """Every part the leaver holds, now the successor's (listed once where they held it too)."""
    leaver, successor = command.leaver, command.successor

    def swap(person: str) -> str:
        return successor if person == leaver else person

    def swapped(people: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(swap(person) for person in people))

    handed = replace(
        dispute,
        raised_by=swap(dispute.raised_by),
        owners=swapped(dispute.owners),
        approvers=swapped(dispute.approvers),
        deciders=swapped(dispute.deciders),
        practitioner=swap(dispute.practitioner),
        plan_chair=swap(dispute.plan_chair),
    )
    payload = HandedOver(leaver=leaver, successor=successor, parts=parts(dispute, leaver))
    return Change(handed, payload)
