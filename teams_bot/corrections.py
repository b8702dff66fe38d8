"""Correcting a child's identifying details (issue 21.3), for ``drp-bot correct`` and the
chairs' service manager's **Correct details** button.

One transaction: the corrected dispute (its children rewritten, a ``corrected`` event whose
history says which detail was corrected and why, never the old or the new value), a refresh of
every posted card (the cards update in place) and an audit entry (the field, never a value).
A refusal is audited in a transaction of its own. After the commit the SQLite file and its log
are scrubbed, so the wrong value is not left on disk (``store.erasure.scrub``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from cards.verbs import Verb
from drp.commands import Correct
from drp.errors import NotPermitted
from drp.events import JsonValue
from drp.machine import Context, decide
from drp.model import Actor, Dispute
from store.store import Store
from teams_bot.notifier import Notifier
from teams_bot.outbox_kinds import Origin

CORRECTED = "corrected"
REFUSED = "refused"


class NoSuchDispute(LookupError):
    """There is no dispute with the reference asked for."""

    def __init__(self, reference: str) -> None:
        super().__init__(reference)
        self.reference = reference


@dataclass(frozen=True, slots=True)
class Correction:
    """Who corrects which detail of which dispute, to what, and why."""

    reference: str
    actor: Actor
    field: str
    value: str
    reason: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Corrected:
    """The corrected dispute, and whether the old value has left the SQLite file too."""

    dispute: Dispute
    scrubbed: bool


async def correct(
    store: Store, ctx: Context, correction: Correction, origin: Origin | None = None
) -> Corrected:
    """Apply the correction; DrpError (naming the field) or NoSuchDispute if it cannot be."""
    try:
        async with store.transaction() as tx:
            dispute = await tx.disputes.find(correction.reference)
            if dispute is None:
                raise NoSuchDispute(correction.reference)
            command = Correct(
                correction.actor,
                correction.at,
                correction.field,
                correction.value,
                correction.reason,
            )
            decision = decide(dispute, command, ctx)
            await tx.disputes.save(decision, expected_version=dispute.version, before=dispute)
            await Notifier(tx, ctx).fan_out(
                dispute, decision, origin or Origin("", ""), correction.at
            )
            detail: dict[str, JsonValue] = {
                "field": correction.field,
                "sequence": decision.event.sequence,
            }
            await tx.audit.record(
                CORRECTED,
                correction.actor.id,
                at=correction.at,
                reference=dispute.reference,
                detail=detail,
            )
    except NotPermitted:
        async with store.transaction() as tx:
            refused: dict[str, JsonValue] = {"verb": Verb.CORRECT.value, "command": "correct"}
            await tx.audit.record(
                REFUSED,
                correction.actor.id,
                at=correction.at,
                reference=correction.reference,
                detail=refused,
            )
        raise
    return Corrected(decision.dispute, await store.scrub())
