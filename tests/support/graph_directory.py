"""The loopback Graph's directory: users and security groups, changed by tests, read back in
rounds of pages the way Microsoft Graph's delta query documents it.

A round (``/users/delta`` or ``/groups/delta``) is fixed when its first page is asked for; its
pages follow ``@odata.nextLink`` (``$skiptoken``) and the last carries ``@odata.deltaLink``
(``$deltatoken``), the moment a later round reads changes from. Users deleted show
``@removed`` ("changed": soft-deleted); members removed from a group show in ``members@delta``
with ``@removed`` ("deleted"). No drp code.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

Json = dict[str, Any]
EXTENSIONS = "onPremisesExtensionAttributes"
USER_TYPE = "#microsoft.graph.user"


@dataclass
class User:
    """An Entra ID user as Graph's ``user`` resource shows it."""

    id: str
    display_name: str
    mail: str | None
    user_principal_name: str
    account_enabled: bool = True
    job_title: str | None = None
    department: str | None = None
    extension: dict[str, str] = field(default_factory=dict)

    def to_json(self, select: Sequence[str] = ()) -> Json:
        """The user's properties (only ``select`` ones, and ``id``, when given)."""
        full: Json = {
            "id": self.id,
            "displayName": self.display_name,
            "mail": self.mail,
            "userPrincipalName": self.user_principal_name,
            "accountEnabled": self.account_enabled,
            "jobTitle": self.job_title,
            "department": self.department,
            EXTENSIONS: {
                f"extensionAttribute{n}": self.extension.get(f"extensionAttribute{n}")
                for n in range(1, 16)
            },
        }
        if not select:
            return full
        return {k: v for k, v in full.items() if k == "id" or k in select}


@dataclass
class Group:
    """A security group: members by id with the tick each joined; removals kept for delta."""

    id: str
    display_name: str
    members: dict[str, int] = field(default_factory=dict)
    removed: dict[str, int] = field(default_factory=dict)


@dataclass
class Round:
    """One delta round: its items, fixed when it began, served a page at a time."""

    kind: str
    items: list[Json]
    until: int
    query: dict[str, str]


class Directory:
    """Users and groups with a change clock, and the rounds being read."""

    def __init__(self) -> None:
        self.users: dict[str, User] = {}
        self.groups: dict[str, Group] = {}
        self._tick = 0
        self._changed: dict[str, int] = {}  # user id -> tick of their last change
        self._deleted: dict[str, int] = {}
        self.rounds: dict[str, Round] = {}
        self._round_ids = itertools.count(1)
        self.expired_before = 0  # delta tokens issued before this tick are expired

    def _next(self) -> int:
        self._tick += 1
        return self._tick

    @property
    def now(self) -> int:
        """The change clock: what a delta token records."""
        return self._tick

    # --- changes tests make ----------------------------------------------------------------

    def put_user(self, user: User) -> User:
        """Add or change a user."""
        self.users[user.id] = user
        self._deleted.pop(user.id, None)
        self._changed[user.id] = self._next()
        return user

    def delete_user(self, user_id: str) -> None:
        """Delete a user: gone from every group too, as Entra does."""
        self.users.pop(user_id)
        self._changed.pop(user_id, None)
        self._deleted[user_id] = self._next()
        for group in self.groups.values():
            if user_id in group.members:
                self.remove_member(group.id, user_id)

    def add_group(self, group_id: str, name: str, members: Iterable[str] = ()) -> Group:
        """A security group with members."""
        group = self.groups[group_id] = Group(group_id, name)
        for member in members:
            self.add_member(group_id, member)
        return group

    def add_member(self, group_id: str, user_id: str) -> None:
        """Put a user in a group."""
        group = self.groups[group_id]
        group.removed.pop(user_id, None)
        group.members[user_id] = self._next()

    def remove_member(self, group_id: str, user_id: str) -> None:
        """Take a user out of a group."""
        group = self.groups[group_id]
        group.members.pop(user_id)
        group.removed[user_id] = self._next()

    # --- rounds ------------------------------------------------------------------------------

    def begin(self, kind: str, since: int | None, query: dict[str, str]) -> str:
        """Start a round of ``users`` or ``groups`` changes since a tick (None: everything)."""
        select = [s for s in query.get("$select", "").split(",") if s]
        if kind == "users":
            items = self._user_changes(since, select)
        else:
            items = self._group_changes(since, _filtered_ids(query.get("$filter", "")))
        round_id = str(next(self._round_ids))
        self.rounds[round_id] = Round(kind, items, self._tick, query)
        return round_id

    def _user_changes(self, since: int | None, select: list[str]) -> list[Json]:
        changed = [
            self.users[uid].to_json(select)
            for uid, tick in sorted(self._changed.items(), key=lambda kv: kv[1])
            if since is None or tick > since
        ]
        if since is not None:
            changed += [
                {"id": uid, "@removed": {"reason": "changed"}}
                for uid, tick in self._deleted.items()
                if tick > since
            ]
        return changed

    def _group_changes(self, since: int | None, wanted: set[str]) -> list[Json]:
        items: list[Json] = []
        for group in self.groups.values():
            if wanted and group.id not in wanted:
                continue
            entries = [
                {"@odata.type": USER_TYPE, "id": uid}
                for uid, tick in group.members.items()
                if since is None or tick > since
            ]
            if since is not None:
                entries += [
                    {"@odata.type": USER_TYPE, "id": uid, "@removed": {"reason": "deleted"}}
                    for uid, tick in group.removed.items()
                    if tick > since
                ]
            if since is None or entries:
                items.append({"id": group.id, "displayName": group.display_name, "_m": entries})
        return items


def page_of(round_: Round, offset: int, size: int) -> tuple[list[Json], int]:
    """The items of one page from ``offset`` and where the next begins; a group's members are
    split over pages, the group repeated on each, as Graph's ``members@delta`` is."""
    if round_.kind == "users":
        return round_.items[offset : offset + size], offset + size
    page: list[Json] = []
    position = 0
    taken = 0
    for item in round_.items:
        members = item["_m"] or [None]
        for start in range(0, len(members), size):
            chunk = members[start : start + size]
            if position >= offset and taken < size:
                entry = {"id": item["id"], "displayName": item["displayName"]}
                entry["members@delta"] = [m for m in chunk if m is not None]
                page.append(entry)
                taken += len(chunk)
            position += 1
    return page, offset + len(page)


def _filtered_ids(expression: str) -> set[str]:
    """The ids of a ``$filter`` of ``id eq '...'`` terms joined by ``or``."""
    ids = set()
    for raw in expression.split(" or "):
        term = raw.strip().strip("()")
        if term.startswith("id eq "):
            ids.add(term.removeprefix("id eq ").strip("'"))
    return ids
