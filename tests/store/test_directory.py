"""The directory: import and upsert, lookups by every id, role holders, deputies, conversations."""

from __future__ import annotations

from datetime import date

import pytest

from drp.roles import Role, RoleBook
from store import DirectoryEntry, DirectoryImportError, Person, Store
from store.demo import demo_directory_text, load_demo_directory
from store.directory_file import parse_directory
from tests.store.scenario import T0

RIVERSIDE, NORTHGATE = "Riverside", "Northgate"
HEADER = "email,name,aad_object_id,role,team,teams_user_id,deputy_email,deputy_from,deputy_to\n"
FILE = HEADER + (
    "Tom.TM@Council.example,Tom Manager,aad-1,team_manager,Riverside,29:tom,"
    "nia@council.example,2026-03-01,2026-03-31\n"
    "nia@council.example,Nia Manager,aad-2,team_manager,Northgate,,,,\n"
    "sue@council.example,Sue Service,aad-3,service_manager,Riverside;Northgate,,,,\n"
    "cat@council.example,Cat Chairs,aad-4,chairs_service_manager;monitor,,,,,\n"
    "ann@council.example,Ann Chair,aad-5,chair,,,,,\n"
)


def entries(text: str = FILE) -> list[DirectoryEntry]:
    found, problems = parse_directory(text)
    assert problems == []
    return found


async def imported(store: Store, text: str = FILE) -> None:
    async with store.transaction() as tx:
        await tx.directory.import_entries(entries(text), at=T0)


async def test_people_are_found_by_every_identifier(store: Store) -> None:
    await imported(store)
    async with store.transaction(readonly=True) as tx:
        tom = await tx.directory.by_email("TOM.tm@council.example")
        assert tom is not None
        assert tom == await tx.directory.by_aad_id("aad-1")
        assert tom == await tx.directory.by_teams_id("29:tom")
        assert tom == await tx.directory.person(tom.id)
        assert await tx.directory.by_email("nobody@council.example") is None
    assert (tom.email, tom.name, tom.team) == ("tom.tm@council.example", "Tom Manager", RIVERSIDE)
    assert tom.has_role(Role.TEAM_MANAGER, RIVERSIDE)
    assert not tom.has_role(Role.TEAM_MANAGER, NORTHGATE)


async def test_several_people_are_read_in_one_go_with_their_roles(store: Store) -> None:
    await imported(store)
    async with store.transaction(readonly=True) as tx:
        tom = await tx.directory.by_email("tom.tm@council.example")
        sue = await tx.directory.by_email("sue@council.example")
        assert tom is not None
        assert sue is not None
        found = await tx.directory.people_by_id([sue.id, tom.id, "nobody", tom.id])
        assert await tx.directory.people_by_id([]) == {}
    assert found == {tom.id: tom, sue.id: sue}  # the unknown id is left out
    assert found[sue.id].has_role(Role.SERVICE_MANAGER, NORTHGATE)


async def test_team_roles_are_held_per_team_and_other_roles_organisation_wide(
    store: Store,
) -> None:
    await imported(store)
    async with store.transaction(readonly=True) as tx:
        riverside = await tx.directory.holders(Role.TEAM_MANAGER, RIVERSIDE)
        managers = await tx.directory.holders(Role.SERVICE_MANAGER, NORTHGATE)
        chairs_manager = await tx.directory.holders(Role.CHAIRS_SERVICE_MANAGER, RIVERSIDE)
        team = await tx.directory.team(NORTHGATE)
        teams = await tx.directory.teams()
        monitors = await tx.directory.people(role=Role.MONITOR)
        in_riverside = await tx.directory.people(team=RIVERSIDE)
    assert [p.name for p in riverside] == ["Tom Manager"]
    assert [p.name for p in managers] == ["Sue Service"]
    assert [p.name for p in chairs_manager] == ["Cat Chairs"]
    assert [p.name for p in monitors] == ["Cat Chairs"]
    assert sorted(p.name for p in in_riverside) == ["Sue Service", "Tom Manager"]
    assert team is not None
    assert len(team.team_managers) == 1
    assert team.service_managers == (managers[0].id,)
    assert [t.name for t in teams] == [NORTHGATE, RIVERSIDE]


async def test_a_deputy_stands_in_only_within_their_dates(store: Store) -> None:
    await imported(store)
    async with store.transaction(readonly=True) as tx:
        tom = await tx.directory.by_email("tom.tm@council.example")
        nia = await tx.directory.by_email("nia@council.example")
        assert tom is not None
        assert nia is not None
        assert await tx.directory.deputy_for(tom.id, date(2026, 3, 15)) == nia
        assert await tx.directory.deputy_for(tom.id, date(2026, 4, 1)) is None
        assert await tx.directory.deputising_for(nia.id, date(2026, 3, 31)) == [tom]
        assert await tx.directory.deputising_for(nia.id, date(2026, 2, 28)) == []


async def test_reimporting_updates_people_in_place_and_keeps_what_the_bot_learnt(
    store: Store,
) -> None:
    await imported(store)
    async with store.transaction() as tx:
        nia = await tx.directory.by_email("nia@council.example")
        assert nia is not None
        await tx.directory.save_conversation_reference(
            nia.id, {"conversation": {"id": "a:1"}}, at=T0, teams_user_id="29:nia"
        )
    changed = HEADER + "nia@council.example,Nia Senior,aad-2,service_manager,Northgate,,,,\n"
    new = HEADER + "zed@council.example,Zed New,,practitioner,Northgate,,,,\n"
    async with store.transaction() as tx:
        summary = await tx.directory.import_entries(entries(changed) + entries(new), at=T0)
        again = await tx.directory.by_email("nia@council.example")
    assert (summary.added, summary.updated, summary.teams) == (1, 1, 1)
    assert again is not None
    assert (again.id, again.name, again.teams_user_id) == (nia.id, "Nia Senior", "29:nia")
    assert again.conversation_ref == {"conversation": {"id": "a:1"}}
    assert again.has_role(Role.SERVICE_MANAGER, NORTHGATE)
    assert not again.has_role(Role.TEAM_MANAGER)


async def test_entries_the_directory_contradicts_are_refused_whole(store: Store) -> None:
    await imported(store)
    clash = HEADER + (
        "new@council.example,New Person,aad-1,chair,,,,,\n"
        "other@council.example,Other,,chair,,,ghost@council.example,,\n"
    )
    with pytest.raises(DirectoryImportError) as caught:
        async with store.transaction() as tx:
            await tx.directory.import_entries(entries(clash), at=T0)
    assert [(p.line, p.field) for p in caught.value.problems] == [
        (2, "aad_object_id"),
        (3, "deputy_email"),
    ]
    async with store.transaction(readonly=True) as tx:
        assert await tx.directory.by_email("new@council.example") is None


async def test_the_monitoring_channel_is_remembered_and_replaced(store: Store) -> None:
    async with store.transaction() as tx:
        assert await tx.directory.monitoring_channel() is None
        await tx.directory.set_monitoring_channel({"conversation": {"id": "19:a"}}, at=T0)
        await tx.directory.set_monitoring_channel({"conversation": {"id": "19:b"}}, at=T0)
    async with store.transaction(readonly=True) as tx:
        assert await tx.directory.monitoring_channel() == {"conversation": {"id": "19:b"}}


async def test_the_demo_directory_loads_once_with_the_playground_users_in_key_roles(
    store: Store,
) -> None:
    assert await load_demo_directory(store, at=T0) == len(entries(demo_directory_text()))
    assert await load_demo_directory(store, at=T0) == 0
    expected = {
        "user-id-0": ("Alex Wilber", Role.CHAIR),
        "user-id-1": ("Megan Bowen", Role.TEAM_MANAGER),
        "user-id-2": ("Adele Vance", Role.SERVICE_MANAGER),
        "user-id-3": ("Isaiah Langer", Role.CHAIRS_SERVICE_MANAGER),
        "user-id-4": ("Patti Fernandez", Role.PRACTITIONER),
        "user-id-5": ("Lynne Robbins", Role.HEAD_OF_SERVICE),
    }
    async with store.transaction(readonly=True) as tx:
        found: dict[str, Person | None] = {
            teams_id: await tx.directory.by_teams_id(teams_id) for teams_id in expected
        }
        every_role = {g.role for p in await tx.directory.people() for g in p.roles}
        riverside = await tx.directory.team("Riverside Family Support")
    for teams_id, (name, role) in expected.items():
        person = found[teams_id]
        assert person is not None
        assert (person.name, person.has_role(role)) == (name, True)
    assert every_role == set(RoleBook.defaults())
    assert riverside is not None
    for role in (Role.TEAM_MANAGER, Role.SERVICE_MANAGER, Role.HEAD_OF_SERVICE, Role.DIRECTOR):
        assert len(riverside.of(role)) == 1, role


async def test_a_chat_teams_no_longer_knows_is_forgotten_unless_a_newer_one_was_stored(
    store: Store,
) -> None:
    await imported(store)
    async with store.transaction() as tx:
        nia = await tx.directory.by_email("nia@council.example")
        assert nia is not None
        await tx.directory.save_conversation_reference(
            nia.id, {"conversation": {"id": "a:1"}}, at=T0
        )
    async with store.transaction() as tx:
        assert not await tx.directory.forget_conversation_reference(nia.id, "a:other")
        kept = await tx.directory.person(nia.id)
        assert await tx.directory.forget_conversation_reference(nia.id, "a:1")
        gone = await tx.directory.person(nia.id)
        assert not await tx.directory.forget_conversation_reference(nia.id, "a:1")
    assert kept is not None
    assert kept.conversation_ref == {"conversation": {"id": "a:1"}}
    assert gone is not None
    assert gone.conversation_ref is None


async def test_an_email_only_partner_is_kept_with_their_agency_and_can_move_to_teams(
    store: Store,
) -> None:
    partner = "email,name,aad_object_id,role,team,channel,agency\n{}\n"
    await imported(store, partner.format("po@police.example,Pat,,chair,,email,Met Police"))
    async with store.transaction() as tx:
        pat = await tx.directory.by_email("po@police.example")
    assert pat is not None
    assert pat.by_email
    assert pat.agency == "Met Police"
    await imported(store, partner.format("po@police.example,Pat,aad-9,chair,,,Met Police"))
    async with store.transaction() as tx:
        again = await tx.directory.by_email("po@police.example")
    assert again is not None
    assert not again.by_email
    assert again.channel == "teams"


PARTNERS = "email,name,aad_object_id,role,team,partner_agency\n"


async def test_the_directory_says_which_teams_are_a_partner_agencys(store: Store) -> None:
    await imported(store)  # no partner_agency column: every team the council's own
    async with store.transaction(readonly=True) as tx:
        assert await tx.directory.partner_agencies() == {}
    await imported(
        store,
        PARTNERS
        + "hv@trust.example,Hana Visitor,,team_manager,Health Visiting,Homerton Healthcare\n"
        + "nia@council.example,Nia Manager,aad-2,team_manager,Northgate,\n",
    )
    async with store.transaction(readonly=True) as tx:
        assert await tx.directory.partner_agencies() == {"Health Visiting": "Homerton Healthcare"}
    await imported(store)  # an old file again: the marks stay
    async with store.transaction(readonly=True) as tx:
        assert await tx.directory.partner_agencies() == {"Health Visiting": "Homerton Healthcare"}
    await imported(
        store, PARTNERS + "hv@trust.example,Hana Visitor,,team_manager,Health Visiting,\n"
    )
    async with store.transaction(readonly=True) as tx:
        assert await tx.directory.partner_agencies() == {}, "the file says it is the council's"
