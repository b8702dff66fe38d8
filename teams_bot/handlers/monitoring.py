"""The monitoring channel: ``monitor here`` makes a team channel the board of open escalations."""

from __future__ import annotations

from typing import Any

from store.rows import Person
from teams_bot.deps import Deps
from teams_bot.notifier import Notifier
from teams_bot.router import Parsed
from teams_bot.turn import ConversationKind, Reply, Turn, Where

ONLY_IN_CHANNEL = "Type **monitor here** in a team channel (mentioning me) to make it the board."
ONLY_CSM = "Only a chairs' service manager can choose the monitoring channel. Nothing was changed."
NOW_MONITORING = (
    "This channel is now the DRP monitoring channel: one card per open formal dispute, "
    "kept up to date, showing initials and local IDs only."
)


class Monitoring:
    """Choosing the channel and filling it with the open disputes' cards."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    async def monitor_here(self, turn: Turn, person: Person, parsed: Parsed) -> Reply:
        """Make this channel the monitoring channel (chairs' service managers only)."""
        if turn.where.kind != ConversationKind.CHANNEL:
            return Reply(texts=(ONLY_IN_CHANNEL,))
        now = self.deps.clock()
        async with self.deps.store.transaction() as tx:
            if not any(person.has_role(r) for r in self.deps.ctx.policy.access.monitoring):
                detail = {"command": "monitor here", "conversation": turn.where.conversation_id}
                await tx.audit.record("refused", person.id, at=now, detail=detail)
                return Reply(texts=(ONLY_CSM,))
            await tx.directory.set_monitoring_channel(channel_reference(turn.where), at=now)
            await tx.audit.record(
                "monitoring_channel",
                person.id,
                at=now,
                detail={"conversation": turn.where.conversation_id},
            )
            # The refresh posts a board card for each open formal dispute.
            await Notifier(tx, self.deps.ctx).board(await tx.disputes.open_all(), turn.where, now)
        self.deps.wake()
        return Reply(texts=(NOW_MONITORING,))


def channel_reference(where: Where) -> dict[str, Any]:
    """The channel itself, not the thread ``monitor here`` was posted in: Teams gives a new
    post's conversation id as ``<channel>;messageid=<post>``, and cards sent there would be
    replies in that thread rather than posts on the board."""
    reference = dict(where.reference)
    conversation = dict(reference.get("conversation") or {})
    conversation["id"] = str(conversation.get("id", "")).split(";messageid=", 1)[0]
    reference["conversation"] = conversation
    return reference
