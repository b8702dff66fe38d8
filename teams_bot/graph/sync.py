"""``drp-bot directory sync``: the directory from Entra ID through Microsoft Graph.

The first sync (or one after the mapping changed, or once Graph forgot the stored delta links,
after 7 days) reads a full round of ``/users/delta`` and of ``/groups/delta`` for the mapped
groups; every later one follows the stored ``@odata.deltaLink`` and reads only what changed.
Joiners are added, changes written, and leavers (deleted, disabled, or out of every mapped
group) deactivated with their open disputes handed to their deputy or flagged (``leavers``).

Graph is read first, outside any transaction; then the directory is written; the new delta
links are stored last, so a sync cut short reads the same changes again (each step is
idempotent). One replica syncs at a time (a lease in the store).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from store.directory_file import EMAIL
from store.rows import SyncedPerson, SyncState
from store.store import Store
from teams_bot.graph.client import DirectoryUser, GraphClient, GraphError, Membership
from teams_bot.graph.mapping import DirectoryMapping
from teams_bot.leavers import Departure, Leavers

log = logging.getLogger(__name__)

SOURCE = "graph"
LEASE_SECONDS = 1800.0


class SyncError(Exception):
    """The sync could not finish; the directory and the stored links are as they were."""


@dataclass
class SyncReport:
    """What one sync read and changed (ids and counts only)."""

    full: bool = False
    users_read: int = 0
    memberships_read: int = 0
    requests: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    left: int = 0
    handed: int = 0
    flagged: int = 0
    problems: list[str] = field(default_factory=list)
    skipped: str = ""

    def __str__(self) -> str:
        if self.skipped:
            return f"directory sync skipped: {self.skipped}"
        kind = "full" if self.full else "changes only"
        return (
            f"directory sync ({kind}): {self.users_read} users and {self.memberships_read} "
            f"memberships read in {self.requests} Graph requests; {self.added} added, "
            f"{self.updated} updated, {self.unchanged} unchanged, {self.left} left "
            f"({self.handed} disputes handed to deputies, {self.flagged} flagged to the "
            f"chairs' service manager); {len(self.problems)} problem(s)"
        )


@dataclass
class _Read:
    """What Graph said: users by id, membership changes, the links to keep."""

    users: dict[str, DirectoryUser] = field(default_factory=dict)
    memberships: list[Membership] = field(default_factory=list)
    users_link: str = ""
    groups_link: str = ""
    full: bool = False


class DirectorySync:
    """Reads Entra ID through Graph and brings the directory up to date."""

    def __init__(
        self,
        store: Store,
        graph: GraphClient,
        mapping: DirectoryMapping,
        leavers: Leavers,
        clock: Callable[[], datetime],
    ) -> None:
        self.store = store
        self.graph = graph
        self.mapping = mapping
        self.leavers = leavers
        self.clock = clock
        self.owner = f"sync-{uuid.uuid4().hex[:8]}"

    async def run(self, *, full: bool = False) -> SyncReport:
        """Sync once (``full`` reads everything again); SyncError if Graph refused."""
        async with self.store.transaction() as tx:
            claimed = await tx.directory_sync.claim(
                SOURCE, self.owner, self.clock(), LEASE_SECONDS
            )
            state = await tx.directory_sync.state(SOURCE)
        if not claimed:
            return SyncReport(skipped="another replica is syncing")
        try:
            return await self._run(state, full)
        finally:
            async with self.store.transaction() as tx:
                await tx.directory_sync.release(SOURCE, self.owner)

    async def _run(self, state: SyncState, full: bool) -> SyncReport:
        stale = state.mapping_digest != self.mapping.digest
        full = full or stale or not (state.users_delta and state.groups_delta)
        report = SyncReport()
        try:
            read = await self._read(state, full, report)
        except GraphError as error:
            if full or not error.expired:
                raise SyncError(error.reason) from None
            log.info("directory sync: Graph no longer knows the stored delta links; full sync")
            try:
                read = await self._read(state, True, report)
            except GraphError as again:
                raise SyncError(again.reason) from None
        report.full = read.full
        await self._apply(read, report)
        at = self.clock()
        saved = SyncState(SOURCE, read.users_link, read.groups_link, self.mapping.digest, at)
        async with self.store.transaction() as tx:
            await tx.directory_sync.save(saved)
        log.info("%s", report)
        return report

    # --- reading Graph ------------------------------------------------------------------------

    async def _read(self, state: SyncState, full: bool, report: SyncReport) -> _Read:
        read = _Read(full=full)
        fields = self.mapping.user_fields
        link = None if full else state.users_delta
        while True:
            page = await self.graph.users_delta(link, fields)
            report.requests += 1
            read.users.update((user.id, user) for user in page.items)
            if page.next_link is None:
                read.users_link = page.delta_link or ""
                break
            link = page.next_link
        link = None if full else state.groups_delta
        while True:
            members = await self.graph.groups_delta(link, self.mapping.group_ids)
            report.requests += 1
            read.memberships += members.items
            if members.next_link is None:
                read.groups_link = members.delta_link or ""
                break
            link = members.next_link
        report.users_read = len(read.users)
        report.memberships_read = len(read.memberships)
        return read

    # --- writing the directory ----------------------------------------------------------------

    async def _apply(self, read: _Read, report: SyncReport) -> None:
        groups, affected = await self._memberships(read)
        missing = [uid for uid in sorted(affected) if uid not in read.users]
        for user_id in missing:  # joiners a delta round named only by id
            user = await self._fetch(user_id, report)
            read.users[user_id] = user or DirectoryUser(user_id, removed=True)
        wanted: list[SyncedPerson] = []
        unsure: set[str] = set()  # a problem with their record is no reason to think they left
        for user_id in sorted(affected):
            person = self._person(read.users[user_id], groups.get(user_id, set()), report)
            if isinstance(person, SyncedPerson):
                wanted.append(person)
            elif person:
                unsure.add(user_id)
        async with self.store.transaction() as tx:
            if read.full:
                await tx.directory_sync.replace_members(_members(read.memberships))
            else:
                await tx.directory_sync.remove_members(_pairs(read.memberships, removed=True))
                await tx.directory_sync.add_members(_pairs(read.memberships, removed=False))
            applied = await tx.directory_sync.apply(wanted, source=SOURCE, at=self.clock())
            active = await tx.directory_sync.active_ids(SOURCE)
            partners = self.mapping.partner_agencies
            if partners is not None:  # the mapping says which teams are a partner agency's
                await tx.directory.mark_partner_agencies(partners)
        report.added, report.updated = len(applied.added), len(applied.updated)
        report.unchanged = applied.unchanged
        report.problems += applied.problems
        kept = {p.aad_object_id for p in wanted} | unsure
        gone = [pid for aad, pid in active.items() if aad not in kept and aad in affected]
        for person_id in sorted(gone):
            self._count(await self.leavers.leave(person_id), report)

    async def _memberships(self, read: _Read) -> tuple[dict[str, set[str]], set[str]]:
        """Each affected user's mapped groups after this round, and who is affected: everyone
        (full), or whoever changed or joined or left a group (changes only)."""
        if read.full:
            groups = _groups(_members(read.memberships))
            async with self.store.transaction(readonly=True) as tx:
                active = await tx.directory_sync.active_ids(SOURCE)
            return groups, set(groups) | set(active)
        async with self.store.transaction(readonly=True) as tx:
            known = await tx.directory_sync.ids_by_aad(read.users)
            touched = {m.member_id for m in read.memberships} | set(known)
            stored = await tx.directory_sync.groups_of(touched | set(read.users))
        touched |= set(stored)
        for change in read.memberships:
            member_of = stored.setdefault(change.member_id, set())
            if change.removed:
                member_of.discard(change.group_id)
            else:
                member_of.add(change.group_id)
        return stored, touched

    async def _fetch(self, user_id: str, report: SyncReport) -> DirectoryUser | None:
        try:
            user = await self.graph.user(user_id, self.mapping.user_fields)
        except GraphError as error:
            raise SyncError(error.reason) from None
        report.requests += 1
        return user

    def _person(
        self, user: DirectoryUser, groups: set[str], report: SyncReport
    ) -> SyncedPerson | bool:
        """Who the user is in the directory now; False if not one of ours (or leaving), True
        if they are but their record cannot be used (reported as a problem)."""
        if user.removed or not user.enabled or not groups:
            return False
        roles, team = self.mapping.grants(groups, user.attributes)
        if not roles:
            return False
        email = user.email
        if not EMAIL.match(email) or len(email) > 320:
            report.problems.append(f"user {user.id}: mail: no usable e-mail address")
            return True
        deputy: str | None = None
        if self.mapping.deputy_attribute:
            deputy = user.attributes.get(self.mapping.deputy_attribute, "").strip().lower()
        name = " ".join(user.display_name.split())[:200] or email
        return SyncedPerson(user.id, email, name, roles, team, deputy)

    @staticmethod
    def _count(departure: Departure, report: SyncReport) -> None:
        report.left += int(departure.left)
        report.handed += len(departure.handed)
        report.flagged += len(departure.flagged)


def _members(memberships: Iterable[Membership]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for change in memberships:
        members = found.setdefault(change.group_id, set())
        if change.removed:
            members.discard(change.member_id)
        else:
            members.add(change.member_id)
    return found


def _groups(members: Mapping[str, set[str]]) -> dict[str, set[str]]:
    groups: dict[str, set[str]] = {}
    for group_id, ids in members.items():
        for member in ids:
            groups.setdefault(member, set()).add(group_id)
    return groups


def _pairs(memberships: Iterable[Membership], *, removed: bool) -> list[tuple[str, str]]:
    return [(m.group_id, m.member_id) for m in memberships if m.removed == removed]
