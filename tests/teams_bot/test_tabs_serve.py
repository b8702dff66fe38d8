"""Issue 17's "done when", as written: headless Chromium against a real ``drp-bot serve --demo``
process (its demo directory, three disputes raised through Teams three weeks ago): a chairs'
service manager finds every overdue dispute, opens one's case record and downloads the
quarter's report; a practitioner cannot reach a dispute she has no part in by any URL."""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.support import hosts
from tests.support.ports import free_port
from tests.teams_bot.tab_scene import NIA, ZARA, assert_no_child, tab_scene, weeks_ago
from tests.teams_bot.test_tabs_browser import SHOTS, browser_page, references, shot, sign_in

pytestmark = pytest.mark.browser


@contextlib.asynccontextmanager
async def serving(data_dir: Path) -> AsyncIterator[tuple[str, list[str]]]:
    """``drp-bot serve --demo`` on a free port over ``data_dir``; yields its URL and log lines."""
    env = hosts.serve_env(DRP_DATA_DIR=str(data_dir), DRP_POLICY="nottingham")
    port = free_port()
    command = [
        str(Path(sys.executable).parent / "drp-bot"),
        "serve",
        "--demo",
        "--port",
        str(port),
    ]
    process = await asyncio.create_subprocess_exec(
        *command, env=env, cwd=data_dir, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL
    )
    lines: list[str] = []
    started = asyncio.Event()

    async def read() -> None:
        assert process.stderr is not None
        while line := await process.stderr.readline():
            lines.append(line.decode(errors="replace"))
            if "drp-bot serving" in lines[-1]:
                started.set()

    reader = asyncio.create_task(read())
    try:
        await asyncio.wait_for(started.wait(), 60)
        yield f"http://127.0.0.1:{port}", lines
    finally:
        if process.returncode is None:
            process.terminate()
        await process.wait()
        await reader


async def test_a_chairs_service_manager_against_drp_bot_serve_demo(tmp_path: Path) -> None:
    async with tab_scene(tmp_path, start=weeks_ago(datetime.now(UTC), 3)) as scene:
        zara, nia, omar = scene.zara, scene.nia, scene.omar
    async with serving(tmp_path) as (base, log), browser_page(base) as (page, refused):
        await sign_in(page, base, "Isaiah Langer", "/tabs/dashboard")
        await page.get_by_label("Overdue only").check()
        await page.get_by_role("button", name="Apply").click()
        await page.wait_for_url("**overdue=1*")
        rows = await page.locator("table.disputes tbody tr").all_inner_texts()
        assert references(rows) == {zara, nia, omar}
        await shot(page, "serve-dashboard-overdue")
        await page.get_by_label("Reference or local ID").fill(ZARA[1])
        await page.get_by_role("button", name="Apply").click()
        await page.wait_for_url(f"**q={ZARA[1]}*")
        found = await page.locator("table.disputes tbody tr").all_inner_texts()
        assert references(found) == {zara}
        await page.get_by_role("link", name=zara).click()
        await page.get_by_role("link", name="Case record (printable)").click()
        await page.locator("h1", has_text=f"Dispute Resolution record {zara}").wait_for()
        await shot(page, "serve-record")
        await page.goto(f"{base}/tabs/report")
        async with page.expect_download() as waiting:
            await page.get_by_role("link", name="its CSV").click()
        download = await waiting.value
        saved = SHOTS / f"serve-{download.suggested_filename}"
        await download.save_as(str(saved))
        await page.get_by_role("button", name="Sign out").click()
        await sign_in(page, base, "Patti Fernandez", "/tabs/mine")
        for url in (f"/tabs/disputes/{nia}", f"/tabs/disputes/{nia}/record", "/tabs/dashboard"):
            answer = await page.goto(f"{base}{url}")
            assert answer is not None
            assert answer.status in {403, 404}
            assert_no_child(await page.content(), NIA)
    assert saved.read_text(encoding="utf-8").startswith("period_from,period_to,section")
    assert refused == []
    said = "".join(log)
    assert "Traceback" not in said
    assert "NO MicrosoftAppId IS SET" in said
    assert f"the DRP tab: {base}/tabs/sign-in (local sign-in, no app id)" in said
    assert "GET /tabs/dashboard 200" in said  # the access log names the page...
    assert ZARA[1] not in said  # ...but never the query: the search was a child's local ID
