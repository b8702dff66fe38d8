"""``serve``'s daily directory sync (``DRP_DIRECTORY_SYNC``): once a day at a set Europe/London
time; a bot that was down at that time syncs when it starts. The last sync's time lives in the
store, so replicas and restarts agree; the sync's lease keeps two replicas from both syncing."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta

from drp.calendar import LONDON
from store.store import Store
from teams_bot.graph.sync import SOURCE, DirectorySync, SyncError, SyncReport

log = logging.getLogger(__name__)

CHECK_SECONDS = 60.0
RETRY_AFTER_FAILURE = timedelta(hours=1)  # a refused sync (403, sign-in) is not hammered


def last_due(now: datetime, at: time) -> datetime:
    """The latest daily sync instant at or before ``now``."""
    local = now.astimezone(LONDON)
    instant = datetime.combine(local.date(), at, tzinfo=LONDON)
    if instant > local:
        instant = datetime.combine(local.date() - timedelta(days=1), at, tzinfo=LONDON)
    return instant.astimezone(UTC)


class SyncSchedule:
    """Runs ``sync`` when today's sync instant has passed and nobody has synced since."""

    def __init__(
        self,
        store: Store,
        sync: DirectorySync,
        at: time,
        clock: Callable[[], datetime],
        check_seconds: float = CHECK_SECONDS,
    ) -> None:
        self.store = store
        self.sync = sync
        self.at = at
        self.clock = clock
        self.check_seconds = check_seconds
        self._failed_at: datetime | None = None

    async def run(self) -> None:
        """Check every ``check_seconds`` until cancelled."""
        while True:
            try:
                await self.run_once()
            except Exception:
                log.exception("directory sync check failed; trying again at the next check")
            await asyncio.sleep(self.check_seconds)

    async def run_once(self) -> SyncReport | None:
        """Sync if one is due now; the report, or None if none was due."""
        now = self.clock()
        async with self.store.transaction(readonly=True) as tx:
            last = (await tx.directory_sync.state(SOURCE)).synced_at
        if last is not None and last >= last_due(now, self.at):
            return None
        if self._failed_at is not None and now - self._failed_at < RETRY_AFTER_FAILURE:
            return None
        try:
            report = await self.sync.run()
        except SyncError as error:
            self._failed_at = now
            log.error("directory sync failed (next try in an hour): %s", error)
            return None
        self._failed_at = None
        return report
