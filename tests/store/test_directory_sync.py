"""The directory sync's store: bulk upsert by object id, leavers, delta links, lease, members."""

from __future__ import annotations

from datetime import timedelta

from drp.roles import Role
from store import RoleGrant, Store
from store.rows import SyncedPerson, SyncState
from tests.store.scenario import T0
from tests.store.test_directory import imported

TOM = SyncedPerson(
    "aad-1", "tom.tm@council.example", "Tom Manager", (RoleGrant(Role.TEAM_MANAGER, "Riverside"),)
)
NEW = SyncedPerson("aad-9", "new@council.example", "Nell New", (RoleGrant(Role.CHAIR),))


async def test_synced_people_are_added_matched_on_object_id_and_only_changes_written(
    store: Store,
) -> None:
    await imported(store)
    renamed = SyncedPerson(
        "aad-1",
        "tom.new@council.example",
        "Tom Renamed",
        (RoleGrant(Role.SERVICE_MANAGER, "Northgate"),),
        team="Northgate",
    )
    async with store.transaction() as tx:
        first = await tx.directory_sync.apply([TOM, NEW], source="graph", at=T0)
        again = await tx.directory_sync.apply([TOM, NEW], source="graph", at=T0)
        moved = await tx.directory_sync.apply([renamed], source="graph", at=T0)
        tom = await tx.directory.by_aad_id("aad-1")
        nell = await tx.directory.by_email("new@council.example")
    assert (len(first.added), len(first.updated), first.problems) == (1, 1, [])
    assert (again.added, again.updated, again.unchanged) == ([], [], 2)
    assert tom is not None
    assert moved.updated == [tom.id]
    assert tom is not None
    assert nell is not None
    assert (tom.email, tom.name, tom.source) == ("tom.new@council.example", "Tom Renamed", "graph")
    assert tom.roles == (RoleGrant(Role.SERVICE_MANAGER, "Northgate"),)
    # The deputy the file named is kept: the sync named none.
    assert tom.deputy_id is not None
    assert nell.has_role(Role.CHAIR)
    assert nell.active


async def test_an_email_held_by_someone_else_is_a_problem_and_writes_nothing_for_them(
    store: Store,
) -> None:
    await imported(store)
    thief = SyncedPerson("aad-77", "nia@council.example", "Not Nia", (RoleGrant(Role.CHAIR),))
    async with store.transaction() as tx:
        applied = await tx.directory_sync.apply([thief], source="graph", at=T0)
        nia = await tx.directory.by_email("nia@council.example")
    assert applied.problems == ["user aad-77: email: already belongs to someone else"]
    assert nia is not None
    assert nia.name == "Nia Manager"


async def test_a_deputy_named_by_the_source_is_linked_and_an_unknown_one_reported(
    store: Store,
) -> None:
    covered = SyncedPerson(
        "aad-5", "ann@council.example", "Ann", (RoleGrant(Role.CHAIR),), deputy_email=NEW.email
    )
    unknown = SyncedPerson(
        "aad-6", "bo@council.example", "Bo", (RoleGrant(Role.CHAIR),), deputy_email="x@y.example"
    )
    async with store.transaction() as tx:
        applied = await tx.directory_sync.apply([covered, NEW, unknown], source="graph", at=T0)
        ann = await tx.directory.by_email("ann@council.example")
        nell = await tx.directory.by_email(NEW.email)
    assert applied.problems == ["user aad-6: deputy: nobody with that e-mail"]
    assert ann is not None
    assert nell is not None
    assert ann.deputy_id == nell.id


async def test_a_leaver_keeps_their_row_loses_their_roles_and_can_come_back(store: Store) -> None:
    async with store.transaction() as tx:
        await tx.directory_sync.apply([TOM], source="graph", at=T0)
        tom = await tx.directory.by_aad_id("aad-1")
        assert tom is not None
        await tx.directory.deactivate(tom.id, at=T0 + timedelta(days=1))
        gone = await tx.directory.person(tom.id)
        holders = await tx.directory.holders(Role.TEAM_MANAGER, "Riverside")
        active = await tx.directory_sync.active_ids("graph")
        back = await tx.directory_sync.apply([TOM], source="graph", at=T0 + timedelta(days=2))
        returned = await tx.directory.person(tom.id)
    assert gone is not None
    assert not gone.active
    assert gone.roles == ()
    assert gone.left_at == T0 + timedelta(days=1)
    assert holders == []
    assert active == {}
    assert back.updated == [tom.id]
    assert returned is not None
    assert returned.active
    assert returned.roles == TOM.roles


async def test_people_kept_by_a_file_are_absent_only_against_that_source(store: Store) -> None:
    await imported(store)
    async with store.transaction() as tx:
        await tx.directory_sync.apply([NEW], source="graph", at=T0)
        absent = await tx.directory.absent("csv", ["tom.tm@council.example"])
    assert [p.email for p in absent] == [
        "ann@council.example",
        "cat@council.example",
        "nia@council.example",
        "sue@council.example",
    ]


async def test_delta_links_are_kept_per_source(store: Store) -> None:
    state = SyncState("graph", "https://g/users?d=1", "https://g/groups?d=1", "abc", T0)
    async with store.transaction() as tx:
        assert await tx.directory_sync.state("graph") == SyncState("graph")
        await tx.directory_sync.save(state)
    async with store.transaction(readonly=True) as tx:
        assert await tx.directory_sync.state("graph") == state


async def test_only_one_owner_holds_the_sync_lease_until_it_expires_or_is_released(
    store: Store,
) -> None:
    async with store.transaction() as tx:
        assert await tx.directory_sync.claim("graph", "replica-a", T0, 600)
        assert not await tx.directory_sync.claim("graph", "replica-b", T0, 600)
        assert await tx.directory_sync.claim("graph", "replica-b", T0 + timedelta(hours=1), 600)
        await tx.directory_sync.release("graph", "replica-a")  # not the owner any more
        assert not await tx.directory_sync.claim("graph", "replica-a", T0 + timedelta(hours=1), 1)
        await tx.directory_sync.release("graph", "replica-b")
        assert await tx.directory_sync.claim("graph", "replica-a", T0 + timedelta(hours=1), 1)


async def test_members_of_the_mapped_groups_are_replaced_added_and_removed(store: Store) -> None:
    async with store.transaction() as tx:
        await tx.directory_sync.replace_members({"g1": ["a", "b"], "g2": ["b"]})
        await tx.directory_sync.add_members([("g2", "c"), ("g2", "b")])
        await tx.directory_sync.remove_members([("g1", "b")])
        everyone = await tx.directory_sync.groups_of()
        some = await tx.directory_sync.groups_of(["b", "z"])
        await tx.directory_sync.replace_members({"g3": ["z"]})
        after = await tx.directory_sync.groups_of()
    assert everyone == {"a": {"g1"}, "b": {"g2"}, "c": {"g2"}}
    assert some == {"b": {"g2"}}
    assert after == {"z": {"g3"}}


async def test_a_large_batch_is_written_in_chunks(store: Store) -> None:
    many = [
        SyncedPerson(
            f"aad-{i}",
            f"p{i}@council.example",
            f"Person {i}",
            (RoleGrant(Role.PRACTITIONER, f"Team {i % 7}"),),
        )
        for i in range(1200)
    ]
    async with store.transaction() as tx:
        applied = await tx.directory_sync.apply(many, source="graph", at=T0)
        again = await tx.directory_sync.apply(many, source="graph", at=T0)
        teams = await tx.directory.teams()
    assert (len(applied.added), again.unchanged) == (1200, 1200)
    assert len(teams) == 7
