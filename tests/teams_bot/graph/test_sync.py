"""``directory sync`` against the loopback Graph: full rounds with paging, then changes only."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from drp.calendar import WorkingDayCalendar
from drp.machine import Context
from drp.policy import load_policy
from drp.roles import Role
from store import RoleGrant, Store
from teams_bot.graph.client import GraphClient
from teams_bot.graph.mapping import parse_mapping
from teams_bot.graph.sync import DirectorySync, SyncError, SyncReport
from teams_bot.leavers import Leavers
from tests.support.graph import MEMBERS_READ, USERS_READ, LoopbackGraph
from tests.support.graph_directory import User
from tests.support.graph_tenant import CLIENT_ID, group_id, large_tenant, register

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
CTX = Context(load_policy("nottingham"), WorkingDayCalendar())


@asynccontextmanager
async def opened(url: str) -> AsyncIterator[Store]:
    store = await Store.open(url)
    await store.upgrade()
    try:
        yield store
    finally:
        await store.close()


async def sync(
    store: Store, graph: LoopbackGraph, mapping: str, *, full: bool = False, **settings: object
) -> SyncReport:
    """One sync as ``drp-bot directory sync`` runs it."""
    client = GraphClient(replace(register(graph), **settings))  # type: ignore[arg-type]
    try:
        leavers = Leavers(store, CTX, lambda: NOW)
        return await DirectorySync(
            store, client, parse_mapping(mapping, "m.toml"), leavers, lambda: NOW
        ).run(full=full)
    finally:
        await client.close()


async def people(store: Store) -> dict[str, tuple[RoleGrant, ...]]:
    async with store.transaction(readonly=True) as tx:
        return {p.email: p.roles for p in await tx.directory.people() if p.active}


async def test_a_full_sync_reads_every_page_then_a_second_reads_only_changes(
    graph: LoopbackGraph, walk_database_url: str
) -> None:
    tenant = large_tenant(graph, users=400, teams=8)
    async with opened(walk_database_url) as store:
        first = await sync(store, graph, tenant.mapping)
        found = await people(store)
        calls = graph.count()
        users_pages = sum(1 for c in graph.calls if c.path == "/v1.0/users/delta()")
        second = await sync(store, graph, tenant.mapping)
    assert first.full
    assert (first.added, first.left, first.problems) == (400, 0, [])
    assert first.users_read == 800  # the whole tenant: the first round is everything
    # Every Graph call the sync made is one it counted: 16 pages of users, then the members.
    assert first.requests == calls
    assert users_pages == 800 // 50
    assert len(found) == 400
    assert found["staff0@council.example"] == (RoleGrant(Role.TEAM_MANAGER, "Team 0"),)
    assert found["staff8@council.example"] == (RoleGrant(Role.PRACTITIONER, "Team 0"),)
    assert found["staff7@council.example"] == (RoleGrant(Role.CHAIR),)
    assert not second.full
    assert (second.users_read, second.added, second.updated, second.unchanged) == (0, 0, 0, 0)
    assert second.requests == 2
    assert graph.count() - calls == 2


async def test_joiners_changes_and_leavers_arrive_in_the_next_delta(
    graph: LoopbackGraph, tmp_path: Path
) -> None:
    tenant = large_tenant(graph, users=60, teams=3)
    team_0 = group_id("team", "0")
    staff = {u.mail: u for u in graph.directory.users.values()}
    async with opened(f"sqlite+aiosqlite:///{tmp_path / 'drp.sqlite3'}") as store:
        await sync(store, graph, tenant.mapping)
        # A joiner (in the tenant, not yet in a mapped group), a promotion, three leavers.
        graph.directory.add_member(team_0, staff["staff100@council.example"].id)
        promoted = staff["staff3@council.example"]
        graph.directory.put_user(replace(promoted, job_title="Team Manager"))
        graph.directory.delete_user(staff["staff4@council.example"].id)
        graph.directory.put_user(replace(staff["staff5@council.example"], account_enabled=False))
        graph.directory.remove_member(group_id("team", "0"), staff["staff6@council.example"].id)
        report = await sync(store, graph, tenant.mapping)
        found = await people(store)
        async with store.transaction(readonly=True) as tx:
            deleted = await tx.directory.by_email("staff4@council.example")
    assert not report.full
    assert (report.added, report.updated, report.left) == (1, 1, 3)
    assert found["staff100@council.example"] == (RoleGrant(Role.PRACTITIONER, "Team 0"),)
    assert found["staff3@council.example"] == (RoleGrant(Role.TEAM_MANAGER, "Team 0"),)
    for gone in ("staff4", "staff5", "staff6"):
        assert f"{gone}@council.example" not in found
    assert deleted is not None
    assert not deleted.active
    assert deleted.roles == ()


async def test_a_throttled_call_is_retried_after_its_retry_after(
    graph: LoopbackGraph, tmp_path: Path
) -> None:
    tenant = large_tenant(graph, users=20, teams=2)
    graph.throttle(times=1, retry_after=1)
    async with opened(f"sqlite+aiosqlite:///{tmp_path / 'drp.sqlite3'}") as store:
        report = await sync(store, graph, tenant.mapping)
    assert report.added == 20
    statuses = [c.status for c in graph.calls if c.path.startswith("/v1.0/")]
    assert statuses[:2] == [429, 200]


async def test_a_missing_permission_stops_the_sync_naming_it_and_changes_nothing(
    graph: LoopbackGraph, tmp_path: Path
) -> None:
    tenant = large_tenant(graph, users=20, teams=2)
    url = f"sqlite+aiosqlite:///{tmp_path / 'drp.sqlite3'}"
    async with opened(url) as store:
        client = GraphClient(register(graph, permissions=[USERS_READ]))
        leavers = Leavers(store, CTX, lambda: NOW)
        run = DirectorySync(
            store, client, parse_mapping(tenant.mapping, "m"), leavers, lambda: NOW
        )
        with pytest.raises(SyncError, match=f"403 Authorization_RequestDenied.*{MEMBERS_READ}"):
            await run.run()
        await client.close()
        assert await people(store) == {}
        async with store.transaction(readonly=True) as tx:
            assert (await tx.directory_sync.state("graph")).users_delta is None
        # Granted now: the next sync starts again from the top.
        graph.apps[CLIENT_ID].permissions.add(MEMBERS_READ)
        assert (await sync(store, graph, tenant.mapping)).added == 20


async def test_a_wrong_secret_is_a_sign_in_error(graph: LoopbackGraph, tmp_path: Path) -> None:
    tenant = large_tenant(graph, users=5, teams=1)
    async with opened(f"sqlite+aiosqlite:///{tmp_path / 'drp.sqlite3'}") as store:
        with pytest.raises(SyncError, match=r"sign-in refused: .*AADSTS7000215"):
            await sync(store, graph, tenant.mapping, client_secret="wrong")


async def test_expired_delta_links_or_a_new_mapping_mean_a_full_sync(
    graph: LoopbackGraph, tmp_path: Path
) -> None:
    tenant = large_tenant(graph, users=30, teams=3)
    async with opened(f"sqlite+aiosqlite:///{tmp_path / 'drp.sqlite3'}") as store:
        await sync(store, graph, tenant.mapping)
        graph.expire_delta_links()
        expired = await sync(store, graph, tenant.mapping)
        changed = await sync(store, graph, tenant.mapping.replace("practitioner", "iro", 1))
        found = await people(store)
    assert expired.full
    assert (expired.added, expired.unchanged, expired.left) == (0, 30, 0)
    assert changed.full
    assert found["staff8@council.example"] == (RoleGrant(Role.IRO),)


async def test_two_syncs_at_once_run_one_at_a_time(graph: LoopbackGraph, tmp_path: Path) -> None:
    tenant = large_tenant(graph, users=30, teams=3)
    async with opened(f"sqlite+aiosqlite:///{tmp_path / 'drp.sqlite3'}") as store:
        first, second = await asyncio.gather(
            sync(store, graph, tenant.mapping), sync(store, graph, tenant.mapping)
        )
    reports = sorted([first, second], key=lambda r: r.skipped)
    assert reports[0].added == 30
    assert reports[1].skipped == "another replica is syncing"


async def test_a_user_with_no_usable_email_is_reported_and_not_taken_for_a_leaver(
    graph: LoopbackGraph, tmp_path: Path
) -> None:
    tenant = large_tenant(graph, users=10, teams=1)
    user = next(u for u in graph.directory.users.values() if u.mail == "staff3@council.example")
    async with opened(f"sqlite+aiosqlite:///{tmp_path / 'drp.sqlite3'}") as store:
        await sync(store, graph, tenant.mapping)
        graph.directory.put_user(replace(user, mail=None, user_principal_name="not an address"))
        report = await sync(store, graph, tenant.mapping)
        found = await people(store)
    assert report.problems == [f"user {user.id}: mail: no usable e-mail address"]
    assert report.left == 0
    assert "staff3@council.example" in found


def test_a_report_says_what_it_did_without_names() -> None:
    text = str(SyncReport(True, 10, 12, 3, 9, 1, 0, 2, 1, 1, ["user x: mail: y"]))
    assert text == (
        "directory sync (full): 10 users and 12 memberships read in 3 Graph requests; "
        "9 added, 1 updated, 0 unchanged, 2 left (1 disputes handed to deputies, 1 flagged "
        "to the chairs' service manager); 1 problem(s)"
    )
    assert User  # the loopback's user type is what the tenant builders put there


async def test_the_mapping_says_which_teams_are_a_partner_agencys(
    graph: LoopbackGraph, walk_database_url: str
) -> None:
    tenant = large_tenant(graph, users=20, teams=2)
    marked = tenant.mapping.replace(
        'team = "Team 1"\n', 'team = "Team 1"\npartner_agency = "Met Police"\n'
    )
    assert marked != tenant.mapping
    async with opened(walk_database_url) as store:
        await sync(store, graph, marked)
        async with store.transaction(readonly=True) as tx:
            assert await tx.directory.partner_agencies() == {"Team 1": "Met Police"}
        await sync(store, graph, tenant.mapping)  # no group names one: the marks stay
        async with store.transaction(readonly=True) as tx:
            assert await tx.directory.partner_agencies() == {"Team 1": "Met Police"}
