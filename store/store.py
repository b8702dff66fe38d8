"""The store and its unit of work: one command, one transaction, all of it or nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from sqlalchemy import event, text
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, StatementError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from store import migrate
from store.audit import Audit
from store.compliments import Compliments
from store.directory import Directory
from store.directory_sync import DirectorySync
from store.disputes import Disputes
from store.engine import BUSY_TIMEOUT_SECONDS, READONLY, create_engine, parse_url, redact
from store.erasure import Erasure, scrub
from store.errors import StoreError, StoreUnavailable
from store.idempotency import Idempotency
from store.outbox import Outbox
from store.posted_cards import PostedCards
from store.quarter_notes import QuarterNotes
from store.reporting import ReportReader
from store.respond_links import RespondLinks
from store.schedule import Schedule
from store.writers import WriterQueue, WriterTimeout

StatementHook = Callable[..., None]


class Transaction:
    """One unit of work and its repositories; it commits when the ``async with`` block ends."""

    __slots__ = (
        "audit",
        "compliments",
        "connection",
        "directory",
        "directory_sync",
        "disputes",
        "erasure",
        "idempotency",
        "outbox",
        "posted_cards",
        "quarter_notes",
        "reports",
        "respond_links",
        "schedule",
    )

    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection
        self.disputes = Disputes(connection)
        self.outbox = Outbox(connection)
        self.directory = Directory(connection)
        self.directory_sync = DirectorySync(connection)
        self.idempotency = Idempotency(connection)
        self.posted_cards = PostedCards(connection)
        self.audit = Audit(connection)
        self.compliments = Compliments(connection)
        self.schedule = Schedule(connection)
        self.reports = ReportReader(connection)
        self.quarter_notes = QuarterNotes(connection)
        self.erasure = Erasure(connection)
        self.respond_links = RespondLinks(connection)


class Store:
    """The database behind the bot, the scheduler and the CLI."""

    def __init__(self, engine: AsyncEngine, display_url: str) -> None:
        self._engine = engine
        self.display_url = display_url
        sqlite = engine.dialect.name == "sqlite"
        self._writers = WriterQueue(BUSY_TIMEOUT_SECONDS) if sqlite else None
        # PostgreSQL begins a read-only transaction as one statement (BEGIN READ ONLY), not
        # BEGIN then SET TRANSACTION READ ONLY: one round trip fewer a read.
        self._readonly = (
            {READONLY: True} if sqlite else {READONLY: True, "postgresql_readonly": True}
        )

    @classmethod
    async def open(cls, url: str) -> Store:
        """Connect to ``url`` (``sqlite+aiosqlite:///file`` or ``postgresql+asyncpg://...``)."""
        parsed = parse_url(url)
        try:
            engine = create_engine(parsed)
        except OSError as error:
            raise StoreUnavailable(f"cannot create {redact(parsed)}: {error.strerror}") from error
        store = cls(engine, redact(parsed))
        try:
            async with store._connect() as conn:
                await conn.execute(text("SELECT 1"))
        except StoreError:
            await store.close()
            raise
        return store

    @property
    def backend(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self._engine.dialect.name

    async def close(self) -> None:
        """Close every pooled connection."""
        await self._engine.dispose()

    async def upgrade(self, revision: str = "head") -> str:
        """Apply the shipped migrations up to ``revision``; returns the database's revision."""
        async with self._connect() as conn, conn.begin():
            await conn.run_sync(migrate.upgrade, revision)
            found = await conn.run_sync(migrate.current)
        assert found is not None
        return found

    async def current_revision(self) -> str | None:
        """The database's schema revision, or None before the first upgrade."""
        async with self._connect() as conn, conn.begin():
            return await conn.run_sync(migrate.current)

    async def scrub(self) -> bool:
        """After erasing: leave no copy of what was erased in the SQLite file or its log
        (``store.erasure.scrub``); False if a reader kept the log busy (run it again)."""
        async with self._connect() as conn:
            return await scrub(conn)

    @asynccontextmanager
    async def transaction(
        self, *, readonly: bool = False, urgent: bool = False
    ) -> AsyncIterator[Transaction]:
        """A unit of work: commits on normal exit, rolls back on any exception. ``urgent``: a
        short write that goes before other waiting writers (SQLite)."""
        async with self._write_turn(readonly, urgent), self._connect() as pooled:
            conn = await pooled.execution_options(**self._readonly) if readonly else pooled
            async with conn.begin():
                yield Transaction(conn)

    @asynccontextmanager
    async def scratch(self) -> AsyncIterator[AsyncConnection]:
        """A connection in a transaction that is always rolled back: for benchmarks that drop
        indexes or write to measure, and must leave nothing behind."""
        async with self._connect() as conn:
            await conn.begin()
            try:
                yield conn
            finally:
                await conn.rollback()

    def on_statement(self, before: StatementHook, after: StatementHook | None = None) -> None:
        """Call ``before`` (and ``after``) around every statement the driver executes, with
        SQLAlchemy's cursor-event arguments: for benchmarks that count or time statements."""
        engine = self._engine.sync_engine
        event.listen(engine, "before_cursor_execute", before)
        if after is not None:
            event.listen(engine, "after_cursor_execute", after)

    @asynccontextmanager
    async def _write_turn(self, readonly: bool, urgent: bool) -> AsyncIterator[None]:
        if self._writers is None or readonly:
            yield
            return
        try:
            async with self._writers.turn(urgent=urgent):
                yield
        except WriterTimeout:
            raise StoreUnavailable(f"database busy: no write turn at {self.display_url}") from None

    @asynccontextmanager
    async def _connect(self) -> AsyncIterator[AsyncConnection]:
        try:
            async with self._engine.connect() as conn:
                yield conn
        except (OperationalError, InterfaceError, OSError) as error:
            kind = _kind(error)
            raise StoreUnavailable(
                f"database unavailable ({kind}) at {self.display_url}"
            ) from error
        except DBAPIError as error:
            raise StoreError(f"database error ({_kind(error)}) at {self.display_url}") from error
        except StatementError as error:
            # A value refused before it reached the database (e.g. a naive datetime).
            if isinstance(error.orig, StoreError):
                raise error.orig from None
            raise


def _kind(error: BaseException) -> str:
    """The driver's own error class (e.g. ``InvalidCatalogNameError``), never its message,
    which may quote row values."""
    found: BaseException = getattr(error, "orig", None) or error
    return type(found.__cause__ or found).__name__
