"""The **Correct details** button (issue 21.3): the chairs' service manager corrects a child's
name, local ID or date of birth with a reason (``teams_bot.corrections`` does the work).

Anyone else who sends the verb is refused and audited; someone who may not see the dispute gets
a card without its details. Wrong input shows the card again with the inputs kept and the
error under the one at fault; a click on an out-of-date card gets the current one.
"""

from __future__ import annotations

from datetime import datetime

from cards import correction
from cards.verbs import Verb
from drp.errors import CommandRejected, InvalidInput, NotPermitted
from drp.model import Actor
from drp.roles import Role
from store.errors import StaleVersion
from store.rows import Person
from teams_bot import gate, messages, parties
from teams_bot.corrections import Correction, NoSuchDispute, correct
from teams_bot.deps import Deps
from teams_bot.gate import Attempt
from teams_bot.outbox_kinds import Origin
from teams_bot.turn import Card, Reply, Turn

NOT_YOURS = "only the chairs' service manager corrects a child's details. Nothing was changed."


class Corrections:
    """Runs the Correct details button for the person who pressed it, behind the gate."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    async def correct(self, turn: Turn, person: Person) -> Reply:
        """Correct the chosen detail, or say why not."""
        reference = str(turn.data.get("reference") or "")
        now = self.deps.clock()
        verb = Verb.CORRECT.value
        async with self.deps.store.transaction() as tx:
            sight = await gate.look(tx, self.deps.ctx, person, reference, now)
            if sight is None:
                return Reply(invoke_card=messages.no_such_dispute(reference))
            if not sight.sees:
                await gate.record(tx, sight, verb, Attempt.ACT, now)
                return Reply(invoke_card=messages.outsider(reference, NOT_YOURS))
            if _version(turn.data.get("version")) not in (None, sight.dispute.version):
                await gate.record(tx, sight, verb, Attempt.STALE, now)
                card = await self.deps.render.dispute(tx, sight, now)
                return Reply(invoke_card=messages.stale(card))
        field, value, reason = correction.read(turn.data)
        actor = _actor(person, self.deps.ctx.policy.access.correct)
        asked = Correction(reference, actor, field, value, reason, now)
        try:
            await correct(self.deps.store, self.deps.ctx, asked, Origin.of(turn.where))
        except NoSuchDispute:
            return Reply(invoke_card=messages.no_such_dispute(reference))
        except StaleVersion:  # someone else changed it between the check and the save
            return Reply(invoke_card=messages.stale(await self._card(reference, person, now)))
        except NotPermitted:
            card = await self._card(reference, person, now)
            return Reply(invoke_card=messages.refusal(NOT_YOURS, card))
        except InvalidInput as wrong:
            values = {correction.FIELD: field, correction.VALUE: value, correction.REASON: reason}
            errors = {correction.INPUTS.get(wrong.field, correction.VALUE): wrong.reason}
            return Reply(invoke_card=await self._card(reference, person, now, values, errors))
        except CommandRejected as rejected:
            card = await self._card(reference, person, now)
            return Reply(invoke_card=messages.problem(rejected.reason, card))
        self.deps.wake()
        return Reply(invoke_card=await self._card(reference, person, now))

    async def _card(
        self,
        reference: str,
        person: Person,
        now: datetime,
        values: dict[str, str] | None = None,
        errors: dict[str, str] | None = None,
    ) -> Card:
        """The card as the gate lets this person see it now."""
        async with self.deps.store.transaction(readonly=True) as tx:
            sight = await gate.look(tx, self.deps.ctx, person, reference, now)
            if sight is None or not sight.sees:
                return messages.outsider(reference, NOT_YOURS)
            return await self.deps.render.dispute(tx, sight, now, values=values, errors=errors)


def _actor(person: Person, correctors: tuple[Role, ...]) -> Actor:
    """The person in the correcting role they hold, else in one the domain refuses."""
    held = parties.acting_role(person, correctors)
    return Actor(person.id, held or (person.roles[0].role if person.roles else Role.PRACTITIONER))


def _version(value: object) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(str(value))
    except ValueError:
        return -1  # a garbled version is never current
