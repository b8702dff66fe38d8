"""How many SQL statements each card action costs (issue 16): a regression guard.

Each statement is a round trip to the database (with SQLite, a hop to aiosqlite's thread and
back), and that, not rendering, is most of a click's server time. The counts are exact and the
same on every run, unlike a time, so they can be held here: a change that adds a statement to a
click fails this test and must say why in its figure. Counted: every statement SQLAlchemy runs
for one invoke, from the caller's lookup to the card answered, not the deliveries it causes
(they run after, from the outbox). Not counted: BEGIN, which neither engine runs as a statement
of its own any more (SQLite: it goes with the transaction's first statement; PostgreSQL:
asyncpg begins, a read as BEGIN READ ONLY), and COMMIT.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from tests.support.cards import action, text_of, verbs
from tests.teams_bot.bot_harness import Walk, running_bot
from tests.teams_bot.test_walk import MONDAY, form_data, latest_card

# The most statements each action may take (main before issue 16's round-trip work: raise 31,
# refresh 13, respond 29, resolve 29 on both engines).
# Agreed actions are tracked (issue 14.4): raising writes its requested actions as rows (one
# INSERT more), loading a dispute reads its actions (one SELECT more, e.g. a refresh) and a
# response with actions rewrites them (a DELETE and an INSERT); each card after it reads them.
# Later in issue 16, BEGIN left the count (see above): 18/6/15/15 on SQLite, 19/6/16/16 on
# PostgreSQL (its idempotency lock is a statement of its own).
MOST = {"raise": 19, "refresh": 6, "respond": 16, "resolve": 16}


class Statements:
    """Counts the statements the store's driver runs while ``during`` is awaited."""

    def __init__(self, walk: Walk) -> None:
        self.seen: list[str] = []
        self.counting = False
        walk.bot.store.on_statement(self._before)

    def _before(self, _conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        if self.counting:
            self.seen.append(" ".join(statement.split())[:80])

    async def during(self, act: Callable[[], Awaitable[dict[str, Any]]]) -> dict[str, Any]:
        self.seen, self.counting = [], True
        try:
            return await act()
        finally:
            self.counting = False


async def test_each_card_action_takes_no_more_statements_than_its_figure(
    tmp_path: Path, walk_database_url: str
) -> None:
    async with running_bot(tmp_path, "nottingham", MONDAY, walk_database_url) as walk:
        counted = Statements(walk)
        found: dict[str, list[str]] = {}

        status, _ = await walk.say("alex", "new")
        assert status in {200, 201}
        form = walk.cards_in(walk.chat("alex"))[-1]
        raised = await counted.during(lambda: walk.press("alex", "drp.raise", form_data(form)))
        found["raise"] = counted.seen
        assert "DRP-2026-000001" in text_of(raised)
        await walk.deliver()

        chat, card = latest_card(walk, "megan")
        refresh = dict(card["refresh"]["action"]["data"])
        shown = await counted.during(
            lambda: walk.press("megan", "drp.refresh", refresh, conversation_id=chat)
        )
        found["refresh"] = counted.seen
        assert "drp.respond" in verbs(shown)

        respond = action(card, "drp.respond")
        respond.update(response="Booked.", action_1_text="Visit", action_1_date="2026-11-26")
        answered = await counted.during(
            lambda: walk.press("megan", "drp.respond", respond, conversation_id=chat)
        )
        found["respond"] = counted.seen
        assert "drp.respond" not in verbs(answered)
        await walk.deliver()

        status, _ = await walk.say("alex", "show DRP-2026-000001")
        review = walk.cards_in(walk.chat("alex"))[-1]
        resolve = action(review, "drp.resolve")
        resolve["resolve_comments"] = "Resolved."
        closed = await counted.during(lambda: walk.press("alex", "drp.resolve", resolve))
        found["resolve"] = counted.seen
        assert "Resolved" in text_of(closed)

        over = {
            verb: (len(statements), MOST[verb], statements)
            for verb, statements in found.items()
            if len(statements) > MOST[verb]
        }
        assert not over, over
        # Counting works: each action wrote or read something.
        assert all(found.values()), found
