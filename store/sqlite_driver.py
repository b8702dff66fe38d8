"""SQLAlchemy's aiosqlite driver with one thread hop per statement instead of four.

aiosqlite runs each call on its connection's own thread and hands the answer back to the event
loop. SQLAlchemy's adapter makes four such calls per statement: make a cursor, execute, fetch
every row, close the cursor. Each is a queue put, a thread wake-up and a loop wake-up; with
twenty statements to a card action they were the largest single cost of an action on SQLite
(issue 16: aiosqlite's hand-off was about a third of the sampled CPU of a raise). Here a
statement is one call on that thread: make the cursor, execute, fetch, close, and hand back the
rows with the description, row count and last row id that SQLAlchemy reads afterwards.

Everything else is aiosqlite's and SQLAlchemy's own: the connection, its thread, its
transactions (``BEGIN``/``COMMIT`` are statements or calls like any other), errors (raised in
the thread, adapted by SQLAlchemy's connection exactly as before) and server-side cursors
(``stream_results``: they fetch in batches, so they keep aiosqlite's cursor).

It relies on ``aiosqlite.Connection._execute(fn, *args)`` (queue a function on the connection's
thread) and ``_conn`` (the ``sqlite3`` connection): private, so the version is pinned in
``pyproject.toml`` and ``tests/store/test_sqlite_driver.py`` checks both are there.
"""

from __future__ import annotations

import collections
import sqlite3
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util import EMPTY_DICT
from sqlalchemy.util.concurrency import await_

# What one statement hands back from the connection's thread.
Outcome = tuple[Any, list[Any], int, int | None]


def _run(
    connection: sqlite3.Connection,
    begin: str | None,
    begun: list[bool],
    operation: str | None,
    parameters: Any,
    many: bool,
) -> Outcome:
    """On the connection's thread: the transaction's BEGIN if it is still owed (``begun``
    says whether it ran), then the whole of one statement."""
    cursor = connection.cursor()
    try:
        if begin is not None:
            cursor.execute(begin)
            begun.append(True)
        if operation is None:
            return None, [], -1, None
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else []
        return description, rows, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


async def _hop(
    adapted: OneHopConnection, operation: str | None, parameters: Any, many: bool
) -> Outcome:
    """One call on the connection's thread, taking along the BEGIN the transaction owes."""
    connection: aiosqlite.Connection = adapted._connection  # type: ignore[assignment]
    async with adapted._execute_mutex:
        begin, adapted.owed_begin = adapted.owed_begin, None
        begun: list[bool] = []
        try:
            outcome: Outcome = await connection._execute(
                _run, connection._conn, begin, begun, operation, parameters, many
            )
        except BaseException:
            if begin is not None and not begun:
                adapted.owed_begin = begin  # the BEGIN itself failed: still owed
            raise
    return outcome


class OneHopCursor(AsyncAdapt_aiosqlite_cursor):
    """A client-side cursor whose statement, rows and close are one call on the thread."""

    __slots__ = ("_description", "_lastrowid", "_rowcount")
    _awaitable_cursor_close = False
    arraysize = 1  # sqlite3's own default, for fetchmany()

    def __init__(self, adapt_connection: AsyncAdapt_aiosqlite_connection) -> None:
        # No aiosqlite cursor is made: _run makes and closes its own on the thread.
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None  # type: ignore[assignment]
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = collections.deque()
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> int:
        return self._lastrowid  # type: ignore[return-value]

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        try:
            return await_(self._one_hop(operation, parameters, many=False))
        except Exception as error:
            self._adapt_connection._handle_exception(error)

    def executemany(self, operation: Any, seq_of_parameters: Any) -> Any:
        try:
            return await_(self._one_hop(operation, seq_of_parameters, many=True))
        except Exception as error:
            self._adapt_connection._handle_exception(error)

    async def _one_hop(self, operation: str, parameters: Any, *, many: bool) -> None:
        adapted: OneHopConnection = self._adapt_connection  # type: ignore[assignment]
        outcome = await _hop(adapted, operation, parameters, many)
        self._description, rows, self._rowcount, self._lastrowid = outcome
        self._rows = collections.deque(rows)

    def nextset(self) -> None:
        self._rows.clear()  # sqlite3 has no further result sets

    def setinputsizes(self, *inputsizes: Any) -> None:
        return None


class OneHopConnection(AsyncAdapt_aiosqlite_connection):
    """aiosqlite's adapted connection, its client-side cursors ``OneHopCursor``, and its
    transactions begun in the same hop as their first statement.

    ``begin_with(sql)`` (the engine's ``begin`` event: ``BEGIN`` or ``BEGIN IMMEDIATE``) does
    not go to the thread on its own: the first statement takes it along, so the transaction
    still begins before anything in it is read (a writer still takes the write lock first).
    A transaction that ran no statement has nothing to commit or roll back: no hop at all.
    """

    __slots__ = ("owed_begin",)
    _cursor_cls = OneHopCursor  # type: ignore[assignment]  # a subclass: mypy reads the slot

    def __init__(self, dbapi: Any, connection: Any) -> None:
        super().__init__(dbapi, connection)
        self.owed_begin: str | None = None

    def begin_with(self, sql: str) -> None:
        """Begin the transaction with ``sql`` when its first statement runs."""
        self.owed_begin = sql

    def cursor(self, server_side: bool = False) -> Any:
        if server_side and self.owed_begin is not None:  # aiosqlite's own cursor: begin now
            try:
                await_(_hop(self, None, None, False))
            except Exception as error:
                self._handle_exception(error)
        return super().cursor(server_side)

    def commit(self) -> None:
        if self.owed_begin is not None:
            self.owed_begin = None  # never begun: nothing to commit
            return
        super().commit()

    def rollback(self) -> None:
        if self.owed_begin is not None:
            self.owed_begin = None
            return
        super().rollback()


class OneHopDBAPI(AsyncAdapt_aiosqlite_dbapi):
    """The DBAPI module SQLAlchemy's aiosqlite dialect is given (``create_engine(module=)``)."""

    def connect(self, *arg: Any, **kw: Any) -> OneHopConnection:
        adapted = super().connect(*arg, **kw)
        return OneHopConnection(self, adapted._connection)


def dbapi() -> OneHopDBAPI:
    return OneHopDBAPI(aiosqlite, sqlite3)
