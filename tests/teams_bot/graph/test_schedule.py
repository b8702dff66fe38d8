"""``serve``'s daily directory sync: due once a day at the set London time, caught up at start,
not hammered after a refusal."""

from __future__ import annotations

from datetime import UTC, datetime, time
from pathlib import Path

from teams_bot.graph.client import GraphClient
from teams_bot.graph.mapping import parse_mapping
from teams_bot.graph.schedule import SyncSchedule, last_due
from teams_bot.graph.sync import DirectorySync
from teams_bot.leavers import Leavers
from tests.support.bot import DrivenClock
from tests.support.graph import MEMBERS_READ, LoopbackGraph
from tests.support.graph_tenant import CLIENT_ID, large_tenant, register
from tests.teams_bot.graph.test_sync import CTX, opened


def test_the_last_due_instant_is_today_after_the_time_and_yesterday_before_it() -> None:
    two_thirty = time(2, 30)
    # 1 June: British Summer Time, 02:30 London is 01:30 UTC.
    assert last_due(datetime(2026, 6, 1, 9, 0, tzinfo=UTC), two_thirty) == datetime(
        2026, 6, 1, 1, 30, tzinfo=UTC
    )
    assert last_due(datetime(2026, 6, 1, 1, 0, tzinfo=UTC), two_thirty) == datetime(
        2026, 5, 31, 1, 30, tzinfo=UTC
    )
    assert last_due(datetime(2026, 12, 1, 2, 30, tzinfo=UTC), two_thirty) == datetime(
        2026, 12, 1, 2, 30, tzinfo=UTC
    )


async def test_the_sync_runs_once_a_day_and_waits_an_hour_after_a_refusal(
    graph: LoopbackGraph, tmp_path: Path
) -> None:
    tenant = large_tenant(graph, users=10, teams=1)
    clock = DrivenClock(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    async with opened(f"sqlite+aiosqlite:///{tmp_path / 'drp.sqlite3'}") as store:
        client = GraphClient(register(graph))
        sync = DirectorySync(
            store, client, parse_mapping(tenant.mapping, "m"), Leavers(store, CTX, clock), clock
        )
        schedule = SyncSchedule(store, sync, time(2, 30), clock)
        try:
            first = await schedule.run_once()  # the bot starts after 02:30: it catches up
            assert first is not None
            assert first.added == 10
            clock.advance(hours=12)
            assert await schedule.run_once() is None  # 21:00: done today
            clock.advance(hours=6)  # 03:00 next day
            assert (await schedule.run_once()) is not None
            graph.apps[CLIENT_ID].permissions.discard(MEMBERS_READ)
            clock.advance(days=1)
            calls = graph.count()
            assert await schedule.run_once() is None  # refused: logged
            tried = graph.count()
            assert tried > calls
            clock.advance(minutes=30)
            assert await schedule.run_once() is None
            assert graph.count() == tried  # not tried again within the hour
            graph.apps[CLIENT_ID].permissions.add(MEMBERS_READ)
            clock.advance(minutes=31)
            assert await schedule.run_once() is not None
        finally:
            await client.close()
