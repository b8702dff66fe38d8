"""The directory file's checks: every bad row named by line, field and reason (no database)."""

from __future__ import annotations

from datetime import date

import pytest

from drp.roles import Role, RoleBook
from store.demo import demo_directory_text
from store.directory_file import parse_directory
from store.rows import RoleGrant

HEADER = "email,name,aad_object_id,role,team,deputy_email,deputy_from,deputy_to,notes\n"


def problems(text: str) -> list[str]:
    return [str(p) for p in parse_directory(text)[1]]


def test_a_good_row_becomes_an_entry_with_its_grants() -> None:
    text = HEADER + "HoS@X.example, Hal Head ,aad-9,head_of_service;chair,A;B,,,,anything\n"
    (entry,), found = parse_directory(text)
    assert found == []
    assert (entry.line, entry.email, entry.name, entry.team) == (
        2,
        "hos@x.example",
        "Hal Head",
        "A",
    )
    assert entry.roles == (
        RoleGrant(Role.HEAD_OF_SERVICE, "A"),
        RoleGrant(Role.HEAD_OF_SERVICE, "B"),
        RoleGrant(Role.CHAIR, ""),
    )


def test_every_bad_row_is_named_with_its_line_field_and_reason() -> None:
    text = HEADER + (
        "ok@x.example,Ok,aad-1,chair,,,,,\n"
        "not-an-email,Bad Email,aad-2,chair,,,,,\n"
        "r@x.example,Bad Role,aad-3,chief,,,,,\n"
        "t@x.example,No Team,aad-4,team_manager,,,,,\n"
        "d@x.example,Bad Dates,aad-5,chair,,ok@x.example,2026-13-01,2026-01-01,\n"
        "ok@x.example,Twice,aad-6,chair,,,,,\n"
        "s@x.example,Self Deputy,aad-7,chair,,s@x.example,,,\n"
        "w@x.example,Window,aad-8,chair,,ok@x.example,2026-03-02,2026-03-01,\n"
        "o@x.example,Orphan Date,aad-9,chair,,,2026-03-02,,\n"
        ",,,,,,,,\n"
        "n@x.example,,aad-10,chair,,,,,\n"
    )
    assert problems(text) == [
        "line 3: email: 'not-an-email' is not an e-mail address",
        "line 4: role: unknown role 'chief' (known: " + RoleBook.defaults().known() + ")",
        "line 5: team: is required for team_manager",
        "line 6: deputy_from: '2026-13-01' is not an ISO date (YYYY-MM-DD)",
        "line 7: email: duplicate of line 2",
        "line 8: deputy_email: a person cannot deputise for themselves",
        "line 9: deputy_to: is before deputy_from",
        "line 10: deputy_from: given without deputy_email",
        "line 12: name: is required",
    ]


def test_a_file_without_the_required_columns_is_refused_at_its_header() -> None:
    assert problems("email,name,role\nx@x.example,X,chair\n") == [
        "line 1: header: missing column(s): aad_object_id, team"
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "line 1: header: missing column(s): email, name, aad_object_id, role, team"),
        (HEADER, "line 1: (file): has no rows"),
    ],
    ids=["nothing", "header-only"],
)
def test_an_empty_file_is_refused(text: str, expected: str) -> None:
    assert problems(text) == [expected]


def test_line_numbers_count_physical_lines_past_quoted_newlines() -> None:
    text = HEADER + (
        'a@x.example,"Ann\nSecond Line",aad-1,chair,,,,,\nb@x.example,Bee,aad-1,chair,,,,,\n'
    )
    assert problems(text) == [
        "line 2: name: must be at most 200 printable characters",
        "line 4: aad_object_id: duplicate of line 2",
    ]


def test_duplicate_teams_ids_are_refused() -> None:
    text = "email,name,aad_object_id,role,team,teams_user_id\n" + (
        "a@x.example,A,,chair,,29:same\nb@x.example,B,,chair,,29:same\n"
    )
    assert problems(text) == ["line 3: teams_user_id: duplicate of line 2"]


def test_the_shipped_demo_directory_is_valid() -> None:
    found, bad = parse_directory(demo_directory_text())
    assert bad == []
    assert any(e.deputy_email and e.deputy_from == date(2026, 1, 1) for e in found)


def test_a_partner_is_reached_by_email_with_their_agency_and_teams_is_the_default() -> None:
    text = (
        "email,name,aad_object_id,role,team,channel,agency\n"
        "tm@council.example,Tom,aad-1,team_manager,A,,\n"
        "nurse@trust.example,Nora Nurse,,team_manager,A, EMAIL ,Homerton Healthcare Trust\n"
    )
    (council, partner), found = parse_directory(text)
    assert found == []
    assert (council.channel, council.agency) == ("teams", "")
    assert (partner.channel, partner.agency) == ("email", "Homerton Healthcare Trust")


def test_an_unknown_channel_is_named_and_the_row_left_out() -> None:
    text = "email,name,aad_object_id,role,team,channel\nx@y.example,X,,chair,,pigeon\n"
    assert problems(text) == ["line 2: channel: 'pigeon' is not one of: teams, email"]


PARTNER_HEADER = "email,name,aad_object_id,role,team,partner_agency\n"


def test_a_partner_agency_belongs_to_the_rows_teams_and_an_old_file_says_nothing() -> None:
    text = PARTNER_HEADER + (
        "tm@trust.example,Tom,,team_manager,Health Visiting,Homerton Healthcare\n"
        "sw@council.example,Sam,,practitioner,Riverside,\n"
    )
    (trust, council), found = parse_directory(text)
    assert found == []
    assert (trust.partner_agency, council.partner_agency) == ("Homerton Healthcare", "")
    (old, *_), _ = parse_directory(demo_directory_text())
    assert old.partner_agency is None  # a file without the column leaves teams as they are


def test_a_team_given_two_partner_agencies_or_none_is_named_by_line() -> None:
    text = PARTNER_HEADER + (
        "a@trust.example,A,,team_manager,Health Visiting,Homerton Healthcare\n"
        "b@trust.example,B,,practitioner,Health Visiting,\n"
        "c@trust.example,C,,service_manager,Health Visiting,Met Police\n"
        "d@trust.example,D,,chair,,Met Police\n"
    )
    assert problems(text) == [
        "line 4: partner_agency: team 'Health Visiting' is given 'Homerton Healthcare' on line 2",
        "line 5: partner_agency: needs a team (the partner agency is the team's)",
    ]
