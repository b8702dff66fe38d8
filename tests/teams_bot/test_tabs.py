"""The dashboard tab over real HTTP, signed in locally (no app id): who sees what, filters,
the record and the report, the audit, and hostile addresses (never a 5xx, never a child)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from teams_bot.settings import BotHost
from tests.store.postgres import Databases
from tests.teams_bot.conftest import ENGINES
from tests.teams_bot.tab_scene import (
    NIA,
    ZARA,
    Scene,
    assert_no_child,
    rows_of,
    signed_in,
    since,
    tab_scene,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest.fixture(scope="module", params=ENGINES)
def engine_url(request: pytest.FixtureRequest, bot_host: BotHost) -> str:
    """A SQLite file (""), then a fresh PostgreSQL database (one per bot host)."""
    if request.param == "sqlite":
        return ""
    databases: Databases = request.getfixturevalue("bot_pg_databases")
    created = asyncio.run(databases.create(databases.name()))
    return created.render_as_string(hide_password=False)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def scene(
    engine_url: str, tmp_path_factory: pytest.TempPathFactory, bot_host: BotHost
) -> AsyncIterator[Scene]:
    """The scene once per engine and bot host."""
    async with tab_scene(tmp_path_factory.mktemp("tabs"), engine_url) as found:
        yield found


async def get(client: aiohttp.ClientSession, url: str) -> tuple[int, str, Any]:
    async with client.get(url, allow_redirects=False) as answer:
        return answer.status, await answer.text(), answer.headers


async def audit_of(scene: Scene, who: str) -> list[tuple[str, str | None, dict[str, Any]]]:
    person = await scene.person_id(who)
    start, end = since(scene)
    async with scene.walk.bot.store.transaction(readonly=True) as tx:
        entries = await tx.audit.by_actor(person, start, end)
    return [(e.action, e.reference, dict(e.detail)) for e in entries]


def tab_urls(scene: Scene) -> list[str]:
    ref = scene.zara
    return [
        "/tabs/mine",
        "/tabs/dashboard",
        "/tabs/dashboard?overdue=1",
        f"/tabs/disputes/{ref}",
        f"/tabs/disputes/{ref}/record",
        "/tabs/report",
        "/tabs/report?from=2026-10-01&to=2026-12-31",
        "/tabs/report?from=2026-10-01&to=2026-12-31&format=csv",
    ]


async def test_without_a_session_every_page_sends_to_sign_in_and_shows_no_child(
    scene: Scene,
) -> None:
    forged = {"drp_tab": "eyJwZXJzb24iOiJ4In0.forged.signature"}
    for cookies in ({}, forged):
        async with signed_in(scene, "") as client:
            client.cookie_jar.update_cookies(cookies)
            for url in tab_urls(scene):
                status, text, headers = await get(client, url)
                assert status == 303, url
                assert headers["Location"].startswith("/tabs/sign-in?next=/tabs/")
                assert_no_child(text)


async def test_the_sign_in_page_lists_the_directory_and_refuses_strangers(scene: Scene) -> None:
    async with signed_in(scene, "") as client:
        status, text, _ = await get(client, "/tabs/sign-in?next=/tabs/dashboard")
        assert status == 200
        assert "Isaiah Langer" in text
        assert 'value="/tabs/dashboard"' in text
        bad = {"person": "no-such-person", "next": "/tabs/mine"}
        async with client.post("/tabs/sign-in", data=bad, allow_redirects=False) as answer:
            assert answer.status == 400
            assert "person: choose someone from the list" in await answer.text()
        isaiah = await scene.person_id("isaiah")
        away = {"person": isaiah, "next": "//evil.example/tabs/"}
        async with client.post("/tabs/sign-in", data=away, allow_redirects=False) as answer:
            assert answer.status == 303
            assert answer.headers["Location"] == "/tabs/mine"
            cookie = answer.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Path=/tabs/" in cookie


async def test_chairs_service_manager_finds_every_overdue_dispute(scene: Scene) -> None:
    async with signed_in(scene, "isaiah") as client:
        status, everything, _ = await get(client, "/tabs/dashboard")
        assert status == 200
        assert set(rows_of(everything)) == {scene.zara, scene.nia, scene.omar}
        status, overdue, _ = await get(client, "/tabs/dashboard?overdue=1")
    assert status == 200
    assert set(rows_of(overdue)) == {scene.zara, scene.nia}
    assert "Z.Q." in overdue
    assert "Overdue" in overdue
    assert "Response: Megan Bowen" in overdue
    for part in (*ZARA[0].split(), *NIA[0].split(), ZARA[1], NIA[1]):
        assert part not in overdue  # initials only, as on the monitoring board
    viewed = [d for a, _, d in await audit_of(scene, "isaiah") if a == "tab_viewed"]
    assert {"page": "dashboard", "rows": 2, "overdue": "1"} in viewed


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("team=Northgate+Child+Protection", {"nia"}),
        ("stage=1", {"zara", "nia", "omar"}),
        ("status=awaiting_response&overdue=1", {"zara", "nia"}),
        ("over_limit=1", set()),
        ("q=AV-300001", {"omar"}),
        ("q={zara_lower}", {"zara"}),
        ("chair={sam}", {"nia"}),
    ],
)
async def test_dashboard_filters_and_searches(
    scene: Scene, query: str, expected: set[str]
) -> None:
    refs = {"zara": scene.zara, "nia": scene.nia, "omar": scene.omar}
    query = query.format(zara_lower=scene.zara.lower(), sam=await scene.person_id("sam"))
    async with signed_in(scene, "jamie") as client:  # a monitor
        status, text, _ = await get(client, f"/tabs/dashboard?{query}")
    assert status == 200, text
    assert set(rows_of(text)) == {refs[name] for name in expected}


async def test_dashboard_sorts_by_any_column_both_ways(scene: Scene) -> None:
    async with signed_in(scene, "isaiah") as client:
        _, up, _ = await get(client, "/tabs/dashboard?sort=reference")
        _, down, _ = await get(client, "/tabs/dashboard?sort=-reference")
        _, by_team, _ = await get(client, "/tabs/dashboard?sort=team")
    assert rows_of(up) == sorted(rows_of(up))
    assert rows_of(down) == list(reversed(rows_of(up)))
    assert rows_of(by_team)[0] == scene.nia  # Northgate before Riverside
    assert "sort=-reference" in up  # the column head now reverses it


async def test_overseer_opens_a_dispute_and_its_case_record(scene: Scene) -> None:
    async with signed_in(scene, "isaiah") as client:
        status, page, headers = await get(client, f"/tabs/disputes/{scene.zara}")
        assert status == 200
        assert ZARA[0] in page
        assert "Case record (printable)" in page
        assert "Dispute raised" in page
        assert headers["Cache-Control"] == "no-store"
        assert "frame-ancestors" in headers["Content-Security-Policy"]
        status, record, _ = await get(client, f"/tabs/disputes/{scene.zara}/record")
    assert status == 200
    assert f"Dispute Resolution record {scene.zara}" in record
    assert "Exported by Isaiah Langer" in record
    assert "Back to the dispute" in record
    entries = await audit_of(scene, "isaiah")
    assert ("tab_viewed", scene.zara, {"page": "dispute"}) in entries
    assert ("record_exported", scene.zara, {"format": "html", "via": "tab"}) in entries


async def test_overseer_reads_and_downloads_the_quarterly_report(scene: Scene) -> None:
    async with signed_in(scene, "isaiah") as client:
        status, form, _ = await get(client, "/tabs/report")
        assert status == 200
        assert 'value="2026-07-01"' in form  # the last full quarter before 3 December 2026
        url = "/tabs/report?from=2026-10-01&to=2026-12-31"
        status, html, _ = await get(client, url)
        assert status == 200
        assert "quarterly report" in html
        assert html.count("<svg") >= 3
        status, csv, headers = await get(client, url + "&format=csv")
    assert status == 200
    assert headers["Content-Type"].startswith("text/csv")
    assert 'filename="drp-report-2026-10-01-2026-12-31.csv"' in headers["Content-Disposition"]
    assert csv.splitlines()[0] == "period_from,period_to,section,group,item,measure,value"
    made = [d for a, _, d in await audit_of(scene, "isaiah") if a == "report_generated"]
    assert {"from": "2026-10-01", "to": "2026-12-31", "format": "csv"} in made


async def test_a_practitioner_sees_only_their_own(scene: Scene) -> None:
    async with signed_in(scene, "patti") as client:
        status, mine, _ = await get(client, "/tabs/mine")
        assert status == 200
        assert rows_of(mine) == [scene.zara]
        assert "Dashboard" not in mine
        status, own, _ = await get(client, f"/tabs/disputes/{scene.zara}")
        assert status == 200
        assert "Case record (printable)" not in own
        for url, expected in (
            ("/tabs/dashboard", 403),
            (f"/tabs/disputes/{scene.nia}", 404),
            (f"/tabs/disputes/{scene.nia}/record", 404),
            (f"/tabs/disputes/{scene.zara}/record", 403),
            ("/tabs/report?from=2026-10-01&to=2026-12-31&format=csv", 403),
        ):
            status, text, _ = await get(client, url)
            assert status == expected, url
            assert_no_child(text)
    refused = [(r, d) for a, r, d in await audit_of(scene, "patti") if a == "refused"]
    assert (scene.nia, {"page": "dispute", "found": True}) in refused
    assert (None, {"page": "dashboard"}) in refused


async def test_a_person_with_no_part_reaches_no_dispute_by_any_url(scene: Scene) -> None:
    refs = (scene.zara, scene.nia, scene.omar)
    variants = [f"/tabs/disputes/{r}{tail}" for r in refs for tail in ("", "/record", "/")]
    variants += [f"/tabs/disputes/{scene.zara.lower()}", "/tabs/dashboard", "/tabs/report"]
    variants += [f"/tabs/dashboard?q={r}" for r in refs]
    async with signed_in(scene, "lynne") as client:  # head of service, no part yet
        for url in variants:
            status, text, _ = await get(client, url)
            assert status in {403, 404}, url
            assert_no_child(text)
        status, mine, _ = await get(client, "/tabs/mine")
    assert status == 200
    assert rows_of(mine) == []
    refused = [r for a, r, _ in await audit_of(scene, "lynne") if a == "refused"]
    assert set(refs) <= set(refused)


async def test_a_deputy_sees_the_disputes_of_the_manager_they_cover(scene: Scene) -> None:
    async with signed_in(scene, "jordan") as client:  # Megan's deputy; owns Northgate's
        status, mine, _ = await get(client, "/tabs/mine")
        assert status == 200
        assert set(rows_of(mine)) == {scene.zara, scene.nia, scene.omar}
        status, _, _ = await get(client, f"/tabs/disputes/{scene.zara}")
    assert status == 200


async def test_an_owner_sees_the_dispute_but_not_the_record(scene: Scene) -> None:
    async with signed_in(scene, "megan") as client:
        status, page, _ = await get(client, f"/tabs/disputes/{scene.zara}")
        assert status == 200
        assert ZARA[0] in page
        status, text, _ = await get(client, f"/tabs/disputes/{scene.zara}/record")
    assert status == 403
    assert_no_child(text)


HOSTILE = [
    "/tabs/disputes/DRP-1",
    "/tabs/disputes/..%2F..%2Fetc%2Fpasswd",
    "/tabs/disputes/DRP-2026-000001%00",
    "/tabs/disputes/" + "A" * 3000,
    "/tabs/disputes/DRP-2026-999999",
    "/tabs/report?from=2026-13-01&to=2026-12-31",
    "/tabs/report?from=0001-01-01&to=9999-12-31",
    "/tabs/report?from=2026-12-31&to=2026-01-01",
    "/tabs/report?from=2026-01-01",
    "/tabs/report?from=2026-01-01&to=2026-03-31&format=pdf",
    "/tabs/report?from=%F0%9F%92%A5&to=x",
    "/tabs/dashboard?q=%00",
    "/tabs/dashboard?q=%1B%5B31m",
    "/tabs/dashboard?q=" + "x" * 65,
    "/tabs/dashboard?team=Nowhere",
    "/tabs/dashboard?sort=__class__",
    "/tabs/dashboard?overdue=maybe",
    "/tabs/dashboard?" + "a=b&" * 1000,
    "/tabs/nowhere",
]


@pytest.mark.parametrize("url", HOSTILE)
async def test_hostile_addresses_get_a_clear_page_never_a_5xx(scene: Scene, url: str) -> None:
    async with signed_in(scene, "isaiah") as client:
        status, text, _ = await get(client, url)
    assert status in {400, 404, 414, 431}, (url, status)
    assert "Traceback" not in text
    assert_no_child(text)


async def test_every_page_a_signed_in_person_opens_is_audited(scene: Scene) -> None:
    async with signed_in(scene, "jamie") as client:
        before = len(await audit_of(scene, "jamie"))
        for url in tab_urls(scene)[:6]:
            status, _, _ = await get(client, url)
            assert status == 200, url
    actions = [a for a, _, _ in await audit_of(scene, "jamie")][before:]
    # the report's form shows no child and writes nothing; every other page writes one entry
    assert actions == ["tab_viewed"] * 4 + ["record_exported"]


async def test_no_child_detail_reaches_a_log_line_at_debug(
    scene: Scene, caplog: pytest.LogCaptureFixture
) -> None:
    """Pages, searches, refusals and hostile addresses: the bot's own log records (the test
    server's access log aside: serve uses teams_bot.http.AccessLog, which drops the query)."""
    urls = [*tab_urls(scene), f"/tabs/dashboard?q={ZARA[1]}", f"/tabs/dashboard?q={NIA[1]}"]
    with caplog.at_level(logging.DEBUG):
        for who in ("isaiah", "patti", "lynne"):
            async with signed_in(scene, who) as client:
                for url in [*urls, *HOSTILE[:6]]:
                    await get(client, url)
    ours = [r for r in caplog.records if not r.name.startswith("aiohttp.access")]
    assert_no_child("\n".join(r.getMessage() for r in ours))
