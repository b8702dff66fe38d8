"""Idempotency keys: a retried or double-clicked command returns its first result, unchanged."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Row, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from store.errors import DuplicateCommand, InvalidRecord
from store.rows import Json, StoredResult
from store.schema import idempotency_keys

MAX_KEY = 200


class Idempotency:
    """The idempotency repository of one transaction.

    Call ``get`` before doing the command's work and ``put`` in the same transaction after it.
    ``get`` also holds the key until commit (PostgreSQL: an advisory lock; SQLite: the single
    writer), so a concurrent replay waits and then finds the stored result.
    """

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn
        self._postgres = conn.dialect.name == "postgresql"

    async def get(self, key: str) -> StoredResult | None:
        """The stored result of an earlier command with this key, or None."""
        _check(key)
        if self._postgres:
            lock = func.pg_advisory_xact_lock(func.hashtextextended(key, 0))
            await self._conn.execute(select(lock))
        return await self._find(key)

    async def put(
        self, key: str, result: Json, *, at: datetime, reference: str | None = None
    ) -> None:
        """Keep a command's result under its key; DuplicateCommand if the key was used."""
        _check(key)
        values = {"key": key, "result": dict(result), "reference": reference, "created_at": at}
        maker = pg_insert if self._postgres else sqlite_insert
        statement = (
            maker(idempotency_keys)
            .values(values)
            .on_conflict_do_nothing(index_elements=[idempotency_keys.c.key])
        )
        if (await self._conn.execute(statement)).rowcount != 1:
            stored = await self._find(key)
            raise DuplicateCommand(key, stored.result if stored else {})

    async def _find(self, key: str) -> StoredResult | None:
        statement = select(idempotency_keys).where(idempotency_keys.c.key == key)
        row = (await self._conn.execute(statement)).first()
        return None if row is None else _stored(row)


def _check(key: str) -> None:
    if not key or len(key) > MAX_KEY:
        raise InvalidRecord("idempotency_key", f"must be 1 to {MAX_KEY} characters")


def _stored(row: Row[Any]) -> StoredResult:
    m = row._mapping
    return StoredResult(m["key"], m["result"], m["reference"], m["created_at"])
