"""Someone the directory does not know: told so, and audited when they named a dispute."""

from __future__ import annotations

from datetime import datetime

from teams_bot import gate, inputs, messages
from teams_bot.deps import Deps
from teams_bot.router import TextCommand, parse_text
from teams_bot.turn import ConversationKind, Reply, Turn, TurnKind

STRANGER = "unknown:"  # the audit actor of a Teams user not in the directory, before their id


class Strangers:
    """The reply to a turn from a Teams user who is nobody the bot acts for."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    async def reply(self, turn: Turn) -> Reply:
        """Not in the directory: a card (a text in a channel); nothing of any dispute."""
        reference = _named(turn)
        if reference:
            await self._audit(turn, reference, self.deps.clock())
        if turn.kind == TurnKind.ACTION:
            return Reply(invoke_card=messages.not_in_directory())
        if turn.where.kind != ConversationKind.PERSONAL:
            return Reply(texts=(messages.NOT_IN_DIRECTORY,))
        return Reply(cards=(messages.not_in_directory(),))

    async def _audit(self, turn: Turn, reference: str, now: datetime) -> None:
        actor = (STRANGER + (turn.user.aad_object_id or turn.user.id))[:100]
        verb = turn.verb or "show"
        detail = {"verb": verb, "attempt": "not_in_directory"}
        async with self.deps.store.transaction() as tx:
            await tx.audit.record(gate.REFUSED, actor, at=now, reference=reference, detail=detail)


def _named(turn: Turn) -> str:
    """The dispute reference the turn names, if it has the shape of one."""
    if turn.kind == TurnKind.ACTION:
        reference = turn.data.get("reference")
        return reference if isinstance(reference, str) and inputs.is_reference(reference) else ""
    parsed = parse_text(turn.text)
    if parsed.command == TextCommand.SHOW and inputs.is_reference(parsed.argument):
        return parsed.argument
    return ""
