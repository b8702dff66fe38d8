"""``quarter 2026-Q4 ...``: the QA manager writes the quarter's comments and issues and keeps
the action log, which the report shows (seed 003 §10: "individual issues raised in the quarter
and any thematic issues ... an Action Log maintained ... progress recorded")."""

from __future__ import annotations

from datetime import datetime

from cards.quarter_notes import quarter_notes_card
from drp.errors import InvalidInput
from drp.quarter_notes import NoteRequest, parse_request, report_notes
from store.audit import REFUSED
from store.rows import Person
from store.store import Transaction
from teams_bot.deps import Deps
from teams_bot.router import Parsed
from teams_bot.turn import Reply, Turn

NOTE_ADDED = "quarter_note_added"
ONLY_WRITERS = "Only those who run the report write the quarter's notes."
USAGE = (
    "Type quarter 2026-Q4 to see the quarter's notes, or add one: quarter 2026-Q4 comment "
    "TEXT (also individual, thematic, action; progress A3 TEXT, done A3 TEXT)."
)
NO_ACTION = "There is no action A{number} in the log."


class QuarterNotesFlow:
    """The ``quarter`` command."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self.ctx = deps.ctx

    async def notes(self, turn: Turn, person: Person, parsed: Parsed) -> Reply:
        """Show the quarter's notes, or add one and show them."""
        now = self.deps.clock()
        async with self.deps.store.transaction() as tx:
            if not any(person.has_role(role) for role in self.ctx.policy.access.reports):
                await tx.audit.record(REFUSED, person.id, at=now, detail={"command": "quarter"})
                return Reply(texts=(ONLY_WRITERS,))
            try:
                # As typed (the router lower-cases its argument): the words after "quarter".
                request = parse_request(turn.text.strip()[len("quarter") :])
            except InvalidInput as wrong:
                return Reply(texts=(f"{wrong.reason}. {USAGE}",))
            added = await self._add(tx, person, request, now)
            if added.startswith("There is no"):
                return Reply(texts=(added,))
            policy, quarter = self.ctx.policy.key, request.quarter
            written = await tx.quarter_notes.up_to(policy, quarter)
        shown = report_notes(written, quarter.first_day, quarter.last_day)
        return Reply(cards=(quarter_notes_card(quarter, shown, added),))

    async def _add(
        self, tx: Transaction, person: Person, request: NoteRequest, now: datetime
    ) -> str:
        """Store the note asked for (if any); what to say about it."""
        kind, policy = request.kind, self.ctx.policy.key
        if kind is None:
            return ""
        named = request.action
        if named is not None and await tx.quarter_notes.action(policy, named) is None:
            return NO_ACTION.format(number=named)
        number = await tx.quarter_notes.add(
            policy,
            request.quarter,
            kind,
            request.text,
            author=person.id,
            at=now,
            action=request.action,
        )
        detail = {"quarter": str(request.quarter), "kind": kind.value, "number": number}
        await tx.audit.record(NOTE_ADDED, person.id, at=now, detail=detail)
        return f"Added {kind.value} {number} to {request.quarter}."
