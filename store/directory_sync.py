"""The directory sync's side of the store: its delta links and lease, the mapped groups' members,
and people written in bulk from what the directory source says now.

People are matched on their Entra object id, then their e-mail; only what changed is written,
so a daily sync of a few thousand unchanged people reads them and writes nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import Row, delete, insert, or_, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from drp.roles import Role
from store.rows import RoleGrant, SyncedPerson, SyncState
from store.schema import directory_members, directory_sync, people, person_roles, teams

CHUNK = 500  # rows per IN list or insert batch (well under both engines' parameter limits)
T = TypeVar("T")


@dataclass
class Applied:
    """What writing a batch of synced people changed (directory ids), and what it could not."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Stored:
    """A stored person as the sync compares them."""

    id: str
    email: str
    name: str
    team: str
    aad_object_id: str | None
    deputy_id: str | None
    source: str
    left: bool
    roles: frozenset[RoleGrant]


class DirectorySync:
    """The directory sync repository of one transaction."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn
        self._postgres = conn.dialect.name == "postgresql"

    # --- state and lease ----------------------------------------------------------------------

    async def claim(self, source: str, owner: str, now: datetime, seconds: float) -> bool:
        """Take the sync's lease unless another owner holds an unexpired one."""
        await self._ensure(source)
        free = or_(
            directory_sync.c.lease_owner.is_(None),
            directory_sync.c.lease_owner == owner,
            directory_sync.c.lease_expires_at < now,
        )
        statement = (
            update(directory_sync)
            .where(directory_sync.c.source == source, free)
            .values(lease_owner=owner, lease_expires_at=now + timedelta(seconds=seconds))
        )
        return (await self._conn.execute(statement)).rowcount == 1

    async def release(self, source: str, owner: str) -> None:
        """Give the lease back (only the owner can)."""
        statement = (
            update(directory_sync)
            .where(directory_sync.c.source == source, directory_sync.c.lease_owner == owner)
            .values(lease_owner=None, lease_expires_at=None)
        )
        await self._conn.execute(statement)

    async def state(self, source: str) -> SyncState:
        """Where the last sync of ``source`` left off (empty before the first)."""
        statement = select(directory_sync).where(directory_sync.c.source == source)
        row = (await self._conn.execute(statement)).first()
        if row is None:
            return SyncState(source)
        m = row._mapping
        return SyncState(
            source, m["users_delta"], m["groups_delta"], m["mapping_digest"], m["synced_at"]
        )

    async def save(self, state: SyncState) -> None:
        """Keep the delta links a sync ended with (the next sync reads only what changed)."""
        await self._ensure(state.source)
        values = {
            "users_delta": state.users_delta,
            "groups_delta": state.groups_delta,
            "mapping_digest": state.mapping_digest,
            "synced_at": state.synced_at,
        }
        statement = update(directory_sync).where(directory_sync.c.source == state.source)
        await self._conn.execute(statement.values(values))

    async def _ensure(self, source: str) -> None:
        maker = pg_insert if self._postgres else sqlite_insert
        statement = maker(directory_sync).values(source=source)
        await self._conn.execute(statement.on_conflict_do_nothing())

    # --- the mapped groups' members -----------------------------------------------------------

    async def replace_members(self, members: Mapping[str, Iterable[str]]) -> None:
        """Forget every stored membership and keep these (group id → member object ids)."""
        await self._conn.execute(delete(directory_members))
        await self.add_members((g, a) for g, ids in members.items() for a in ids)

    async def add_members(self, pairs: Iterable[tuple[str, str]]) -> None:
        """Record (group id, member object id) pairs; ones already recorded are kept."""
        rows = [{"group_id": g, "aad_object_id": a} for g, a in dict.fromkeys(pairs)]
        maker = pg_insert if self._postgres else sqlite_insert
        for batch in _chunks(rows):
            await self._conn.execute(maker(directory_members).on_conflict_do_nothing(), batch)

    async def remove_members(self, pairs: Iterable[tuple[str, str]]) -> None:
        """Forget (group id, member object id) pairs."""
        key = tuple_(directory_members.c.group_id, directory_members.c.aad_object_id)
        for batch in _chunks(list(dict.fromkeys(pairs))):
            await self._conn.execute(delete(directory_members).where(key.in_(batch)))

    async def groups_of(self, aad_ids: Iterable[str] | None = None) -> dict[str, set[str]]:
        """The mapped groups each member is in (everyone's, if no ids are given)."""
        found: dict[str, set[str]] = {}
        column = directory_members.c.aad_object_id
        batches = [None] if aad_ids is None else list(_chunks(sorted(set(aad_ids))))
        for batch in batches:
            statement = select(directory_members)
            if batch is not None:
                statement = statement.where(column.in_(batch))
            for row in await self._conn.execute(statement):
                found.setdefault(row.aad_object_id, set()).add(row.group_id)
        return found

    # --- people -------------------------------------------------------------------------------

    async def active_ids(self, source: str) -> dict[str, str]:
        """Directory id by Entra object id of everyone ``source`` keeps who has not left."""
        statement = select(people.c.aad_object_id, people.c.id).where(
            people.c.source == source, people.c.left_at.is_(None)
        )
        return {row.aad_object_id: row.id for row in await self._conn.execute(statement)}

    async def ids_by_aad(self, aad_ids: Iterable[str]) -> dict[str, str]:
        """Directory id by Entra object id, for those in the directory (leavers included)."""
        found: dict[str, str] = {}
        for batch in _chunks(sorted(set(aad_ids))):
            statement = select(people.c.aad_object_id, people.c.id)
            for row in await self._conn.execute(
                statement.where(people.c.aad_object_id.in_(batch))
            ):
                found[row.aad_object_id] = row.id
        return found

    async def apply(self, synced: Sequence[SyncedPerson], *, source: str, at: datetime) -> Applied:
        """Add joiners, update who changed (returning leavers come back), leave the rest."""
        stored = await self._stored(synced)
        applied = Applied()
        emails = {p.email for p in synced}
        by_email = {s.email: s for s in stored.values()}
        rows: list[tuple[SyncedPerson, _Stored | None]] = []
        for person in synced:
            match = stored.get(person.aad_object_id) or by_email.get(person.email)
            if match is not None and match.aad_object_id not in (None, person.aad_object_id):
                applied.problems.append(
                    f"user {person.aad_object_id}: email: already belongs to someone else"
                )
                continue
            clash = by_email.get(person.email)
            if clash is not None and match is not None and clash.id != match.id:
                applied.problems.append(
                    f"user {person.aad_object_id}: email: already belongs to someone else"
                )
                continue
            rows.append((person, match))
        ids = {p.email: (m.id if m else str(uuid.uuid4())) for p, m in rows}
        deputies = await self._deputies(rows, ids, emails, applied)
        changed: list[tuple[str, SyncedPerson]] = []
        added: list[dict[str, Any]] = []
        links: dict[str, str | None] = {}  # after every insert: a deputy may be new too
        for person, match in rows:
            person_id = ids[person.email]
            deputy = deputies.get(person.email, match.deputy_id if match else None)
            if match is None:
                added.append({"id": person_id, **_values(person, source, at)})
                applied.added.append(person_id)
            elif _differs(match, person, deputy, source):
                statement = update(people).where(people.c.id == person_id)
                await self._conn.execute(statement.values(_values(person, source, at)))
                applied.updated.append(person_id)
            else:
                applied.unchanged += 1
                continue
            changed.append((person_id, person))
            if deputy != (match.deputy_id if match else None):
                links[person_id] = deputy
        for batch in _chunks(added):
            await self._conn.execute(insert(people), batch)
        for person_id, deputy in links.items():
            statement = update(people).where(people.c.id == person_id)
            await self._conn.execute(statement.values(deputy_id=deputy))
        await self._write_roles(changed)
        return applied

    async def _stored(self, synced: Sequence[SyncedPerson]) -> dict[str, _Stored]:
        """Stored people matching by object id or e-mail, keyed by object id (or e-mail)."""
        aad = [p.aad_object_id for p in synced]
        emails = [p.email for p in synced]
        rows: dict[str, Row[Any]] = {}
        for column, values in ((people.c.aad_object_id, aad), (people.c.email, emails)):
            for batch in _chunks(sorted(set(values))):
                for row in await self._conn.execute(select(people).where(column.in_(batch))):
                    rows[row.id] = row
        grants: dict[str, set[RoleGrant]] = {person_id: set() for person_id in rows}
        for batch in _chunks(sorted(rows)):
            statement = select(person_roles).where(person_roles.c.person_id.in_(batch))
            for row in await self._conn.execute(statement):
                grants[row.person_id].add(RoleGrant(Role(row.role), row.team))
        found: dict[str, _Stored] = {}
        for person_id, row in rows.items():
            stored = _Stored(
                id=person_id,
                email=row.email,
                name=row.name,
                team=row.team,
                aad_object_id=row.aad_object_id,
                deputy_id=row.deputy_id,
                source=row.source,
                left=row.left_at is not None,
                roles=frozenset(grants[person_id]),
            )
            found[row.aad_object_id or row.email] = stored
        return found

    async def _deputies(
        self,
        rows: list[tuple[SyncedPerson, _Stored | None]],
        ids: dict[str, str],
        emails: set[str],
        applied: Applied,
    ) -> dict[str, str | None]:
        """Deputy ids by e-mail, for those whose source names a deputy ("" names none)."""
        named = {p.deputy_email for p, _ in rows if p.deputy_email}
        known = dict(ids)
        outside = sorted(named - set(known))
        for batch in _chunks(outside):
            statement = select(people.c.email, people.c.id).where(people.c.email.in_(batch))
            known.update({row.email: row.id for row in await self._conn.execute(statement)})
        found: dict[str, str | None] = {}
        for person, _ in rows:
            if person.deputy_email is None:
                continue
            deputy = known.get(person.deputy_email) if person.deputy_email else None
            if person.deputy_email and deputy is None:
                applied.problems.append(
                    f"user {person.aad_object_id}: deputy: nobody with that e-mail"
                )
            found[person.email] = deputy if deputy != ids[person.email] else None
        return found

    async def _write_roles(self, changed: list[tuple[str, SyncedPerson]]) -> None:
        person_ids = [person_id for person_id, _ in changed]
        for ids in _chunks(person_ids):
            await self._conn.execute(delete(person_roles).where(person_roles.c.person_id.in_(ids)))
        rows = [
            {"person_id": person_id, "role": g.role.value, "team": g.team}
            for person_id, person in changed
            for g in person.roles
        ]
        for grants in _chunks(rows):
            await self._conn.execute(insert(person_roles), grants)
        names = sorted({g.team for _, p in changed for g in p.roles if g.team})
        names += sorted({p.team for _, p in changed if p.team} - set(names))
        maker = pg_insert if self._postgres else sqlite_insert
        statement = maker(teams).on_conflict_do_nothing(index_elements=[teams.c.name])
        for named in _chunks([{"name": name} for name in names]):
            await self._conn.execute(statement, named)


def _values(person: SyncedPerson, source: str, at: datetime) -> dict[str, Any]:
    return {
        "email": person.email,
        "name": person.name,
        "team": person.team,
        "aad_object_id": person.aad_object_id,
        "source": source,
        "left_at": None,
        "updated_at": at,
    }


def _differs(stored: _Stored, person: SyncedPerson, deputy: str | None, source: str) -> bool:
    now = (person.email, person.name, person.team, person.aad_object_id, deputy, source)
    was = (stored.email, stored.name, stored.team, stored.aad_object_id, stored.deputy_id)
    return stored.left or now != (*was, stored.source) or frozenset(person.roles) != stored.roles


def _chunks(items: Sequence[T]) -> Iterator[list[T]]:
    for start in range(0, len(items), CHUNK):
        yield list(items[start : start + CHUNK])
