"""The DRP tab in headless Chromium: a chairs' service manager signs in, filters to overdue, opens
a dispute and its case record, opens and downloads the quarter's report; a practitioner sees
only her own; every page is checked with axe-core (WCAG 2.2 AA) in Teams' default, dark and
high-contrast themes. Screenshots and axe results under test-output/tabs/."""

from __future__ import annotations

import contextlib
import json
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.playground import CHROMIUM, CHROMIUM_ARGS, TEST_OUTPUT
from tests.teams_bot.tab_scene import NIA, ZARA, Scene, assert_no_child, tab_scene

pytestmark = pytest.mark.browser
SHOTS = TEST_OUTPUT / "tabs"
AXE = Path(__file__).resolve().parents[2] / "e2e" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
THEMES = ("default", "dark", "contrast")


@contextlib.asynccontextmanager
async def browser_page(base: str) -> AsyncIterator[tuple[Any, list[str]]]:
    """A Chromium page that may reach only the bot (others refused and listed). CSP is
    bypassed only so the test can inject axe-core; the pages' own scripts are the bot's."""
    from playwright.async_api import async_playwright

    if not CHROMIUM.exists() or not AXE.exists():
        pytest.fail(f"missing {CHROMIUM} or {AXE}: run scripts/e2e-deps.sh")
    refused: list[str] = []
    async with async_playwright() as playwright:
        with tempfile.TemporaryDirectory(prefix="drp-tabs-") as profile:
            context = await playwright.chromium.launch_persistent_context(
                profile,
                executable_path=str(CHROMIUM),
                headless=True,
                args=list(CHROMIUM_ARGS),
                viewport={"width": 1200, "height": 900},
                bypass_csp=True,
                accept_downloads=True,
            )
            try:

                async def guard(route: Any) -> None:
                    if route.request.url.startswith(base):
                        await route.continue_()
                    else:
                        refused.append(route.request.url)
                        await route.abort()

                await context.route("**/*", guard)
                page = context.pages[0] if context.pages else await context.new_page()
                yield page, refused
            finally:
                await context.close()


async def sign_in(page: Any, base: str, name: str, start: str) -> None:
    await page.goto(f"{base}{start}")
    assert "/tabs/sign-in" in page.url
    await page.get_by_label(name, exact=False).check()
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url(f"**{start.partition('?')[0]}*")


async def axe(page: Any) -> dict[str, Any]:
    """axe-core's WCAG 2.2 AA run on the page as shown: its violations (rule, impact, where),
    and how many rules passed or need a person to judge."""
    await page.add_script_tag(path=str(AXE))
    result = await page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_22_AA
    )
    violations = [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]]}
        for v in result["violations"]
    ]
    return {
        "violations": violations,
        "passes": len(result["passes"]),
        "incomplete": [v["id"] for v in result["incomplete"]],
    }


async def shot(page: Any, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=True)
    return path


def references(rows: list[str]) -> set[str]:
    return {row.split()[0] for row in rows}


@pytest.fixture
async def scene(tmp_path: Path) -> AsyncIterator[Scene]:
    async with tab_scene(tmp_path) as found:
        yield found


async def test_a_chairs_service_manager_works_the_dashboard_in_a_browser(scene: Scene) -> None:
    base, results = scene.base, {}
    async with browser_page(base) as (page, refused):
        for url in ("/tabs/sign-in", "/tabs/configure"):
            await page.goto(f"{base}{url}")
            results[url] = await axe(page)
        await sign_in(page, base, "Isaiah Langer", "/tabs/dashboard")
        await page.get_by_label("Overdue only").check()
        await page.get_by_role("button", name="Apply").click()
        await page.wait_for_url("**overdue=1*")
        rows = await page.locator("table.disputes tbody tr").all_inner_texts()
        assert references(rows) == {scene.zara, scene.nia}
        await shot(page, "dashboard-overdue")
        await page.get_by_role("link", name=scene.zara).click()
        await page.get_by_role("heading", name=f"Dispute {scene.zara}").wait_for()
        assert ZARA[0] in await page.content()
        await shot(page, "dispute")
        await page.get_by_role("link", name="Case record (printable)").click()
        await page.locator("h1", has_text="Dispute Resolution record").wait_for()
        await shot(page, "record")
        await page.goto(f"{base}/tabs/report")
        await page.get_by_role("button", name="Show the report").click()
        await page.locator("h1", has_text="quarterly report").wait_for()
        assert await page.locator("figure svg").count() >= 3
        await shot(page, "report")
        await page.goto(f"{base}/tabs/report")
        async with page.expect_download() as waiting:
            await page.get_by_role("link", name="its CSV").click()
        download = await waiting.value
        saved = SHOTS / download.suggested_filename
        await download.save_as(str(saved))
        for theme in THEMES:
            for url in ("/tabs/dashboard", f"/tabs/disputes/{scene.zara}", "/tabs/mine"):
                await page.goto(f"{base}{url}{'&' if '?' in url else '?'}theme={theme}")
                results[f"{theme} {url}"] = await axe(page)
            await shot(page, f"mine-{theme}")
            await page.goto(f"{base}/tabs/dashboard?overdue=1&theme={theme}")
            await shot(page, f"dashboard-{theme}")
        for url in (
            f"/tabs/disputes/{scene.zara}/record",
            "/tabs/report?from=2026-10-01&to=2026-12-31",
            "/tabs/report",
        ):
            await page.goto(f"{base}{url}")
            results[url] = await axe(page)
    assert saved.read_text(encoding="utf-8").startswith("period_from,period_to,section")
    assert refused == []
    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS / "axe.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    assert {page: found for page, found in results.items() if found["violations"]} == {}
    assert all(found["passes"] > 10 for found in results.values())
    await assert_every_page_audited(scene)


async def assert_every_page_audited(scene: Scene) -> None:
    person = await scene.person_id("isaiah")
    start, end = scene.walk.clock.now.replace(year=2020), scene.walk.clock.now.replace(year=2030)
    async with scene.walk.bot.store.transaction(readonly=True) as tx:
        entries = await tx.audit.by_actor(person, start, end)
    actions = [e.action for e in entries]
    # signed in; dashboard twice; dispute; record; report page and CSV; 3 themes x 3 pages;
    # the record and the report again for axe
    assert actions.count("tab_signed_in") == 1
    assert actions.count("record_exported") == 2
    assert actions.count("report_generated") == 3
    assert actions.count("tab_viewed") == 2 + 1 + 3 * 3 + 3


async def test_a_practitioner_sees_only_her_own_in_a_browser(scene: Scene) -> None:
    base = scene.base
    async with browser_page(base) as (page, refused):
        await sign_in(page, base, "Patti Fernandez", "/tabs/mine")
        rows = await page.locator("table.disputes tbody tr").all_inner_texts()
        assert references(rows) == {scene.zara}
        assert await page.get_by_role("link", name="Dashboard").count() == 0
        await shot(page, "practitioner-mine")
        for url in (
            f"/tabs/disputes/{scene.nia}",
            f"/tabs/disputes/{scene.nia}/record",
            "/tabs/dashboard",
            "/tabs/report",
        ):
            answer = await page.goto(f"{base}{url}")
            assert answer is not None
            assert answer.status in {403, 404}
            assert_no_child(await page.content(), NIA)
        await shot(page, "practitioner-refused")
        assert (await axe(page))["violations"] == []
    assert refused == []
