"""The directory: people, their roles and teams, deputies, and the conversations the bot knows."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Row, Select, bindparam, delete, func, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from drp.roles import Role
from store.errors import DirectoryImportError, NotFound, Problem
from store.rows import ConversationRef, DirectoryEntry, ImportSummary, Person, RoleGrant, Team
from store.schema import conversations, people, person_roles, teams

MONITORING = "monitoring"
CSV = "csv"  # people kept by a directory file (``drp-bot directory import``)


class Directory:
    """The directory repository of one transaction."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn
        self._postgres = conn.dialect.name == "postgresql"

    # --- people -------------------------------------------------------------------------------

    async def person(self, person_id: str) -> Person | None:
        """A person by directory id."""
        return await self._first(_BY_ID, person_id)

    async def people_by_id(self, person_ids: Iterable[str]) -> dict[str, Person]:
        """The people with these directory ids (those that exist), in one statement."""
        wanted = sorted(set(person_ids))
        if not wanted:
            return {}
        return {p.id: p for p in await self._rows(_BY_IDS, {"ids": wanted})}

    async def by_email(self, email: str) -> Person | None:
        """A person by e-mail (case-insensitive)."""
        return await self._first(_BY_EMAIL, email.strip().lower())

    async def by_aad_id(self, aad_object_id: str) -> Person | None:
        """A person by Azure AD object id (what Teams sends as ``aadObjectId``)."""
        return await self._first(_BY_AAD_ID, aad_object_id)

    async def by_teams_id(self, teams_user_id: str) -> Person | None:
        """A person by Teams user id (``29:...``, or the Playground's ``user-id-N``)."""
        return await self._first(_BY_TEAMS_ID, teams_user_id)

    async def people(self, *, role: Role | None = None, team: str | None = None) -> list[Person]:
        """Everyone, by e-mail; or those holding ``role``, and/or in ``team`` (home or grant)."""
        where: list[Any] = []
        if role is not None:
            holding = select(person_roles.c.person_id).where(person_roles.c.role == role.value)
            where.append(people.c.id.in_(holding))
        if team is not None:
            serving = select(person_roles.c.person_id).where(person_roles.c.team == team)
            where.append(or_(people.c.team == team, people.c.id.in_(serving)))
        return await self._load(*where)

    async def holders(self, role: Role, team: str | None = None) -> list[Person]:
        """Who holds ``role``: for ``team`` if given (held in that team, or council-wide: a role
        the profile does not scope to a team is imported without one), else anywhere."""
        if team is None:
            return await self._rows(_HOLDERS, {"role": role.value})
        return await self._rows(_HOLDERS_IN_TEAM, {"role": role.value, "team": team})

    async def deputy_for(self, person_id: str, on: date) -> Person | None:
        """The person's deputy if one is named for ``on`` and has not left."""
        person = await self.person(person_id)
        deputy_id = person.deputy_on(on) if person else None
        deputy = await self.person(deputy_id) if deputy_id else None
        return deputy if deputy is not None and deputy.active else None

    async def deactivate(self, person_id: str, *, at: datetime) -> None:
        """A leaver: no roles any more (so nothing routes to them), kept for the records."""
        values = {"left_at": at, "updated_at": at}
        statement = update(people).where(people.c.id == person_id).values(values)
        if (await self._conn.execute(statement)).rowcount != 1:
            raise NotFound("person", person_id)
        await self._conn.execute(delete(person_roles).where(person_roles.c.person_id == person_id))

    async def absent(self, source: str, present: Sequence[str]) -> list[Person]:
        """Active people kept by ``source`` whose e-mail is not in ``present``."""
        keep = set(present)
        active = await self._load(people.c.source == source, people.c.left_at.is_(None))
        return [p for p in active if p.email not in keep]

    async def deputising_for(self, person_id: str, on: date) -> list[Person]:
        """The people whose deputy ``person_id`` is on ``on``."""
        named = await self._load(people.c.deputy_id == person_id)
        return [p for p in named if p.deputy_on(on) == person_id]

    async def is_empty(self) -> bool:
        """Whether nobody has been imported yet."""
        count = (await self._conn.execute(select(func.count()).select_from(people))).scalar_one()
        return int(count) == 0

    # --- teams --------------------------------------------------------------------------------

    async def team(self, name: str) -> Team | None:
        """A team with the holders of each team role in it."""
        found = (
            await self._conn.execute(select(teams.c.name).where(teams.c.name == name))
        ).first()
        return None if found is None else (await self._teams([name]))[0]

    async def teams(self) -> list[Team]:
        """Every team, by name."""
        names = list(
            (await self._conn.execute(select(teams.c.name).order_by(teams.c.name))).scalars()
        )
        return await self._teams(names)

    async def _teams(self, names: list[str]) -> list[Team]:
        statement = select(person_roles).where(person_roles.c.team.in_(names))
        holders: dict[str, dict[Role, list[str]]] = {name: {} for name in names}
        for row in await self._conn.execute(statement.order_by(person_roles.c.person_id)):
            holders[row.team].setdefault(Role(row.role), []).append(row.person_id)
        return [
            Team(name, {role: tuple(ids) for role, ids in holders[name].items()}) for name in names
        ]

    # --- conversations ------------------------------------------------------------------------

    async def save_conversation_reference(
        self,
        person_id: str,
        conversation_ref: ConversationRef,
        *,
        at: datetime,
        teams_user_id: str | None = None,
    ) -> None:
        """Keep a person's 1:1 conversation reference (and Teams user id) once the bot knows it."""
        values: dict[str, Any] = {"conversation_ref": dict(conversation_ref), "updated_at": at}
        if teams_user_id is not None:
            values["teams_user_id"] = teams_user_id
        statement = update(people).where(people.c.id == person_id).values(values)
        if (await self._conn.execute(statement)).rowcount != 1:
            raise NotFound("person", person_id)

    async def forget_conversation_reference(self, person_id: str, conversation_id: str) -> bool:
        """Forget a person's 1:1 chat that Teams no longer knows, unless a newer one has been
        stored meanwhile (another replica or a turn from the person); True if forgotten."""
        statement = select(people.c.conversation_ref).where(people.c.id == person_id)
        stored = (await self._conn.execute(statement)).scalar_one_or_none()
        conversation = stored.get("conversation") if isinstance(stored, dict) else None
        if not isinstance(conversation, dict) or conversation.get("id") != conversation_id:
            return False
        forget = update(people).where(people.c.id == person_id).values(conversation_ref=None)
        await self._conn.execute(forget)
        return True

    async def monitoring_channel(self) -> ConversationRef | None:
        """The monitoring channel's conversation reference, once the bot was added to it."""
        statement = select(conversations.c.conversation_ref).where(
            conversations.c.purpose == MONITORING
        )
        ref: ConversationRef | None = (await self._conn.execute(statement)).scalar_one_or_none()
        return ref

    async def set_monitoring_channel(
        self, conversation_ref: ConversationRef, *, at: datetime
    ) -> None:
        """Remember (or replace) the monitoring channel's conversation reference."""
        values = {
            "purpose": MONITORING,
            "conversation_ref": dict(conversation_ref),
            "updated_at": at,
        }
        maker = pg_insert if self._postgres else sqlite_insert
        statement = maker(conversations).values(values)
        statement = statement.on_conflict_do_update(
            index_elements=[conversations.c.purpose],
            set_={"conversation_ref": statement.excluded.conversation_ref, "updated_at": at},
        )
        await self._conn.execute(statement)

    # --- import -------------------------------------------------------------------------------

    async def import_entries(
        self, entries: Sequence[DirectoryEntry], *, at: datetime
    ) -> ImportSummary:
        """Upsert people matched on e-mail; if any entry is bad, nothing is written."""
        problems = await self.check_entries(entries)
        if problems:
            raise DirectoryImportError(tuple(problems))
        existing = await self._ids_by_email([e.email for e in entries])
        ids = {e.email: existing.get(e.email) or str(uuid.uuid4()) for e in entries}
        for entry in entries:
            await self._upsert(ids[entry.email], entry, at, new=entry.email not in existing)
        await self._link_deputies(entries, ids)
        await self._replace_roles(entries, ids)
        names = {g.team for e in entries for g in e.roles if g.team} | {
            e.team for e in entries if e.team
        }
        await self._add_teams(names)
        await self._mark_partners(entries, names)
        counts = Counter(role for e in entries for role in {g.role for g in e.roles})
        return ImportSummary(len(entries) - len(existing), len(existing), len(names), dict(counts))

    async def check_entries(self, entries: Sequence[DirectoryEntry]) -> list[Problem]:
        """Problems only the stored directory reveals: unknown deputies, ids held by others."""
        in_file = {e.email for e in entries}
        deputies = {e.deputy_email for e in entries if e.deputy_email} - in_file
        known = set(await self._ids_by_email(sorted(deputies)))
        problems = [
            Problem(e.line, "deputy_email", "nobody with this e-mail in the file or the directory")
            for e in entries
            if e.deputy_email and e.deputy_email not in in_file | known
        ]
        for column in ("aad_object_id", "teams_user_id"):
            problems += await self._taken(entries, column)
        return problems

    async def _taken(self, entries: Sequence[DirectoryEntry], column: str) -> list[Problem]:
        wanted = {getattr(e, column): e for e in entries if getattr(e, column)}
        if not wanted:
            return []
        col = people.c[column]
        statement = select(people.c.email, col).where(col.in_(sorted(wanted)))
        file_ids = {e.email: getattr(e, column) for e in entries}
        problems = []
        for email, value in (tuple(r) for r in await self._conn.execute(statement)):
            holder_keeps = email not in file_ids or file_ids[email] in (None, value)
            if wanted[value].email != email and holder_keeps:
                problems.append(
                    Problem(wanted[value].line, column, "already belongs to someone else")
                )
        return problems

    async def _ids_by_email(self, emails: Sequence[str]) -> dict[str, str]:
        if not emails:
            return {}
        statement = select(people.c.email, people.c.id).where(people.c.email.in_(emails))
        return {row.email: row.id for row in await self._conn.execute(statement)}

    async def _upsert(
        self, person_id: str, entry: DirectoryEntry, at: datetime, *, new: bool
    ) -> None:
        values: dict[str, Any] = {
            "name": entry.name,
            "team": entry.team,
            "deputy_from": entry.deputy_from,
            "deputy_to": entry.deputy_to,
            "updated_at": at,
            "left_at": None,  # someone who left and is in the file again has come back
            "channel": entry.channel,
            "agency": entry.agency,
        }
        # A blank id in the file keeps the one the bot learnt from Teams.
        if entry.aad_object_id or new:
            values["aad_object_id"] = entry.aad_object_id
        if entry.teams_user_id or new:
            values["teams_user_id"] = entry.teams_user_id
        if new:
            await self._conn.execute(
                insert(people).values(id=person_id, email=entry.email, source=CSV, **values)
            )
        else:
            await self._conn.execute(update(people).where(people.c.id == person_id).values(values))

    async def _link_deputies(self, entries: Sequence[DirectoryEntry], ids: dict[str, str]) -> None:
        named = [e.deputy_email for e in entries if e.deputy_email and e.deputy_email not in ids]
        known = {**await self._ids_by_email(named), **ids}
        for entry in entries:
            deputy = known.get(entry.deputy_email) if entry.deputy_email else None
            statement = update(people).where(people.c.id == ids[entry.email])
            await self._conn.execute(statement.values(deputy_id=deputy))

    async def _replace_roles(self, entries: Sequence[DirectoryEntry], ids: dict[str, str]) -> None:
        person_ids = [ids[e.email] for e in entries]
        await self._conn.execute(
            delete(person_roles).where(person_roles.c.person_id.in_(person_ids))
        )
        rows = [
            {"person_id": ids[e.email], "role": g.role.value, "team": g.team}
            for e in entries
            for g in e.roles
        ]
        await self._conn.execute(insert(person_roles), rows)

    async def _add_teams(self, names: set[str]) -> None:
        if not names:
            return
        maker = pg_insert if self._postgres else sqlite_insert
        statement = maker(teams).on_conflict_do_nothing(index_elements=[teams.c.name])
        await self._conn.execute(statement, [{"name": name} for name in sorted(names)])

    async def _mark_partners(self, entries: Sequence[DirectoryEntry], names: set[str]) -> None:
        """With a ``partner_agency`` column the file says, for each team it names, its partner
        agency ("" for the council's own); a file without one leaves every team as it was."""
        if all(e.partner_agency is None for e in entries):
            return
        given: dict[str, str] = dict.fromkeys(names, "")
        for entry in entries:
            for team in {g.team for g in entry.roles if g.team} | {entry.team} - {""}:
                given[team] = given.get(team) or entry.partner_agency or ""
        await self.mark_partner_agencies(given)

    async def mark_partner_agencies(self, given: Mapping[str, str]) -> None:
        """Set each named team's partner agency ("": the council's own), adding new teams."""
        await self._add_teams(set(given))
        for team in sorted(given):
            statement = update(teams).where(teams.c.name == team)
            await self._conn.execute(statement.values(partner_agency=given[team]))

    async def partner_agencies(self) -> dict[str, str]:
        """The teams of partner agencies, each with its agency's name."""
        statement = select(teams.c.name, teams.c.partner_agency).where(
            teams.c.partner_agency != ""
        )
        rows = await self._conn.execute(statement)
        return {row.name: row.partner_agency for row in rows}

    # --- loading ------------------------------------------------------------------------------

    async def _first(self, statement: Select[Any], value: str) -> Person | None:
        found = await self._rows(statement, {"value": value})
        return found[0] if found else None

    async def _load(self, *where: Any) -> list[Person]:
        """The people matching ``where``, by e-mail, each with their role grants: one statement
        (people joined to their grants), so a lookup is one round trip to the database."""
        return await self._rows(_people_where(*where))

    async def _rows(
        self, statement: Select[Any], parameters: Mapping[str, Any] | None = None
    ) -> list[Person]:
        rows: dict[str, Row[Any]] = {}
        grants: dict[str, list[RoleGrant]] = {}
        for row in await self._conn.execute(statement, parameters):
            if row.id not in rows:
                rows[row.id], grants[row.id] = row, []
            if row.grant_role is not None:
                grants[row.id].append(RoleGrant(Role(row.grant_role), row.grant_team))
        return [_person(row, grants[person_id]) for person_id, row in rows.items()]


# The joined grants under their own name, so a filter's subquery on ``person_roles`` (who
# holds a role) stays a subquery of its own, never correlated to the joined rows.
_GRANTS = person_roles.alias("grants")
_GRANT_ROLE = _GRANTS.c.role.label("grant_role")
_GRANT_TEAM = _GRANTS.c.team.label("grant_team")
_PEOPLE = select(people, _GRANT_ROLE, _GRANT_TEAM).select_from(
    people.outerjoin(_GRANTS, _GRANTS.c.person_id == people.c.id)
)
_BY_EMAIL_ORDER = (people.c.email, _GRANT_ROLE, _GRANT_TEAM)


def _people_where(*where: Any) -> Select[Any]:
    return _PEOPLE.where(*where).order_by(*_BY_EMAIL_ORDER)


# The lookups every card action makes, built once: a statement built for each call cost more
# CPU (building it, then deriving its cache key) than the database spent answering it.
_BY_ID = _people_where(people.c.id == bindparam("value"))
_BY_IDS = _people_where(people.c.id.in_(bindparam("ids", expanding=True)))
_BY_EMAIL = _people_where(people.c.email == bindparam("value"))
_BY_AAD_ID = _people_where(people.c.aad_object_id == bindparam("value"))
_BY_TEAMS_ID = _people_where(people.c.teams_user_id == bindparam("value"))
_ROLE_GRANTS = select(person_roles.c.person_id).where(person_roles.c.role == bindparam("role"))
_HOLDERS = _people_where(people.c.id.in_(_ROLE_GRANTS))
_HOLDERS_IN_TEAM = _people_where(
    people.c.id.in_(
        _ROLE_GRANTS.where(
            or_(person_roles.c.team == bindparam("team"), person_roles.c.team == "")
        )
    )
)


def _person(row: Row[Any], grants: list[RoleGrant]) -> Person:
    m = row._mapping
    return Person(
        id=m["id"],
        email=m["email"],
        name=m["name"],
        team=m["team"],
        roles=tuple(grants),
        aad_object_id=m["aad_object_id"],
        teams_user_id=m["teams_user_id"],
        conversation_ref=m["conversation_ref"],
        deputy_id=m["deputy_id"],
        deputy_from=m["deputy_from"],
        deputy_to=m["deputy_to"],
        source=m["source"],
        left_at=m["left_at"],
        channel=m["channel"],
        agency=m["agency"],
    )
