"""Issue 18: a partner outside the council's Teams answers a City & Hackney stage 2 by e-mail
and the secure page: the notice (no child in it), the one-time code, the page in headless
Chromium, the same command as a card click, and the chair's Teams card updated in place."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.support.cards import text_of
from tests.support.playground import CHROMIUM, CHROMIUM_ARGS
from tests.teams_bot.bot_harness import CHILD, LONDON
from tests.teams_bot.partners_scene import REF, TAYLOR, Scene, stage_two

pytestmark = pytest.mark.browser
AXE = Path(__file__).resolve().parents[2] / "e2e" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
ANSWER = "Hillcrest will hold a professionals' meeting this week <script>alert(1)</script>"
CONCERN = "The child protection plan has not progressed"


@contextlib.asynccontextmanager
async def chromium() -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    if not CHROMIUM.exists() or not AXE.exists():
        pytest.fail(f"missing {CHROMIUM} or {AXE}: run scripts/e2e-deps.sh")
    async with async_playwright() as playwright:
        with tempfile.TemporaryDirectory(prefix="drp-respond-") as profile:
            context = await playwright.chromium.launch_persistent_context(
                profile,
                executable_path=str(CHROMIUM),
                headless=True,
                args=list(CHROMIUM_ARGS),
                bypass_csp=True,  # only so the test can inject axe-core; the page has no script
            )
            try:
                yield context.pages[0] if context.pages else await context.new_page()
            finally:
                await context.close()


async def axe_violations(page: Any) -> list[tuple[str, str]]:
    """axe-core's WCAG 2.2 AA violations on the page as shown: (rule, impact)."""
    await page.add_script_tag(path=str(AXE))
    result = await page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_22_AA
    )
    return [(v["id"], v["impact"]) for v in result["violations"]]


def assert_no_child(text: str) -> None:
    for secret in (*CHILD, CHILD[0].split()[0], CONCERN):
        assert secret not in text


async def test_an_email_only_partner_answers_stage_2_in_a_browser_and_the_chair_sees_it(
    tmp_path: Path,
) -> None:
    async with stage_two(tmp_path) as scene:
        walk = scene.walk
        assert not walk.dispute_cards("taylor", REF), "no Teams card for an e-mail-only partner"
        (notice,) = scene.mail_to(TAYLOR)
        assert (
            str(notice.message["Subject"]) == f"{REF}: your response is needed by Mon 30 Nov 2026"
        )
        for fact in (REF, "Stage 2", "Mon 30 Nov 2026", "/respond/"):
            assert fact in notice.text
        assert_no_child(notice.text + str(notice.message["Subject"]))
        patti_before = walk.dispute_card("patti", REF)

        # The reminder on the Teams users' schedule: the working day before the deadline.
        await walk.sweep(datetime(2026, 11, 27, 9, 0, tzinfo=LONDON))
        reminder = scene.mail_to(TAYLOR)[-1]
        assert (
            str(reminder.message["Subject"])
            == f"{REF}: reminder, your response is due Mon 30 Nov 2026"
        )
        assert_no_child(reminder.text)
        assert scene.link() in reminder.text

        async with chromium() as page:
            await page.goto(scene.link())
            assert "one-time code" in await page.content()
            assert_no_child(await page.content())
            assert await axe_violations(page) == []
            await page.get_by_label("One-time code").fill(scene.code())
            await page.get_by_role("button", name="Continue").click()
            assert await axe_violations(page) == []
            await page.get_by_label("Response (required)").fill(ANSWER)
            await page.get_by_label("Action 1").fill("Professionals' meeting")
            await page.get_by_label("Complete by").first.fill("2026-11-27")
            await page.get_by_role("button", name="Respond").click()
            await page.wait_for_selector("text=your answer is recorded")
            assert "professionals' meeting" in await page.content()
            assert await page.locator("main script").count() == 0, "typed markup stays text"
            await page.goto(scene.link())
            assert "This link has been used" in await page.content()

        assert await walk.events(REF) == ["raised", "responded", "escalated", "responded"]
        taylor = await audited(scene, await walk.person_id("taylor"))
        assert ("respond_answered", "") in taylor
        assert taylor[-1] == ("respond_refused", "used")
        await walk.deliver()
        patti = walk.dispute_card("patti", REF)
        assert patti.activity_id == patti_before.activity_id, "updated in place"
        assert patti.versions > patti_before.versions
        assert "professionals' meeting this week" in text_of(patti.card)
        assert "Taylor Mockford" in text_of(patti.card)


MEGAN = "meganb@example.com"  # Riverside's team manager, here e-mail only as well


async def audited(scene: Scene, actor: str) -> list[tuple[str, str]]:
    """(action, why or attempts) of the respond page's audit entries for ``actor``."""
    walk = scene.walk
    start, end = walk.clock.now - timedelta(days=30), walk.clock.now + timedelta(days=30)
    async with walk.bot.store.transaction() as tx:
        entries = await tx.audit.by_actor(actor, start, end)
    return [
        (e.action, str(e.detail.get("why") or e.detail.get("failures") or ""))
        for e in entries
        if e.action.startswith("respond_")
    ]


def codes(scene: Scene, address: str) -> list[str]:
    return [m.text for m in scene.mail_to(address) if "code" in str(m.message["Subject"])]


async def fetch(
    client: aiohttp.ClientSession,
    url: str,
    form: dict[str, str] | None = None,
    *,
    party: bool = False,
) -> tuple[int, str]:
    """A page's status and text; only a party who typed their code may see the child."""
    method = client.post(url, data=form) if form is not None else client.get(url)
    async with method as response:
        text = await response.text()
    if not party:
        assert_no_child(text)
    return response.status, text


async def test_forged_locked_someone_elses_and_expired_links_are_refused_and_audited(
    tmp_path: Path, database_url: str
) -> None:
    async with stage_two(tmp_path, TAYLOR, MEGAN, database_url=database_url) as scene:
        walk = scene.walk
        taylor, megan = await walk.person_id("taylor"), await walk.person_id("megan")
        jar = aiohttp.CookieJar(unsafe=True)
        async with aiohttp.ClientSession(cookie_jar=jar) as client:
            link = scene.link(TAYLOR)
            forged = link[:-3] + ("AAA" if not link.endswith("AAA") else "BBB")
            assert (await fetch(client, forged))[0] == 400
            assert (await fetch(client, link.rsplit("/", 1)[0] + "/" + "A" * 5000))[0] == 400
            assert await audited(scene, "anonymous") == [("respond_refused", "tampered")] * 2

            # Megan opens her own link and types her code; Taylor's link is not hers.
            status, _ = await fetch(client, scene.link(MEGAN))
            assert status == 200
            status, page = await fetch(
                client, f"{scene.link(MEGAN)}/code", {"code": scene.code(MEGAN)}, party=True
            )
            assert (status, "Your response" in page) == (200, True)
            status, page = await fetch(client, link)
            assert (status, "sent to someone else" in page) == (403, True)
            assert not [m for m in scene.mail_to(TAYLOR) if "code" in str(m.message["Subject"])]
            status, page = await fetch(
                client, scene.link(MEGAN), {"choice": "forged", "response": "x"}
            )
            assert (status, "could not be read" in page) == (400, True)

        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as client:
            assert (await fetch(client, link))[0] == 200  # a code goes to Taylor
            assert (await fetch(client, f"{link}?resend=1"))[0] == 200
            assert len(codes(scene, TAYLOR)) == 1, "no second code within the minute"
            walk.clock.advance(minutes=2)
            assert (await fetch(client, f"{link}?resend=1"))[0] == 200
            assert len(codes(scene, TAYLOR)) == 2
            right = scene.code(TAYLOR)
            wrong = "000000" if right != "000000" else "111111"
            statuses = [
                (await fetch(client, f"{link}/code", {"code": wrong}))[0] for _ in range(3)
            ]
            assert statuses == [400, 400, 403]
            status, page = await fetch(client, f"{link}/code", {"code": right})
            assert (status, "locked" in page) == (403, True)

        walk.clock.now = datetime(2026, 12, 1, 9, 0, tzinfo=LONDON)  # past Monday's deadline
        async with aiohttp.ClientSession() as client:
            status, page = await fetch(client, scene.link(MEGAN))
            assert (status, "expired" in page) == (410, True)

        assert await walk.events(REF) == ["raised", "responded", "escalated"], "nothing changed"
        assert await audited(scene, taylor) == [
            ("respond_code_sent", ""),
            ("respond_code_sent", ""),
            ("respond_code_wrong", "1"),
            ("respond_code_wrong", "2"),
            ("respond_code_wrong", "3"),
            ("respond_refused", "locked"),
            ("respond_refused", "locked"),
        ]
        assert ("respond_refused", "other_person") in await audited(scene, megan)
        assert ("respond_refused", "tampered") in await audited(scene, megan)
        assert ("respond_refused", "expired") in await audited(scene, megan)
