"""The quarterly report and a case record opened in headless Chromium from files, with every
network request refused: screenshots (screen and print media) under test-output/records/,
checked not blank by their pixel variance."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageStat

from teams_bot.audited_reads import Format, build_report, export_record, render_report
from tests.drp.report_seed import NEWHAM, NOW, QUARTER
from tests.support.playground import CHROMIUM, CHROMIUM_ARGS, TEST_OUTPUT
from tests.teams_bot.records_seed import seeded_store

pytestmark = pytest.mark.browser
SHOTS = TEST_OUTPUT / "records"


@contextlib.asynccontextmanager
async def offline_page() -> AsyncIterator[tuple[Any, list[str]]]:
    """A Chromium page whose every non-file request is aborted and listed."""
    from playwright.async_api import async_playwright

    if not CHROMIUM.exists():
        pytest.fail(f"missing {CHROMIUM}: run scripts/e2e-deps.sh")
    refused: list[str] = []
    async with async_playwright() as playwright:
        with tempfile.TemporaryDirectory(prefix="drp-chromium-") as profile:
            context = await playwright.chromium.launch_persistent_context(
                profile,
                executable_path=str(CHROMIUM),
                headless=True,
                args=list(CHROMIUM_ARGS),
                viewport={"width": 1100, "height": 900},
                offline=True,
            )
            try:

                async def guard(route: Any) -> None:
                    if route.request.url.startswith("file://"):
                        await route.continue_()
                    else:
                        refused.append(route.request.url)
                        await route.abort()

                await context.route("**/*", guard)
                page = context.pages[0] if context.pages else await context.new_page()
                yield page, refused
            finally:
                await context.close()


def not_blank(path: Path) -> float:
    """The screenshot's grey-level standard deviation (a blank page is about 0)."""
    with Image.open(path) as image:
        return ImageStat.Stat(image.convert("L")).stddev[0]


async def _pages(tmp_path: Path) -> tuple[Path, Path]:
    store, _, stories = await seeded_store(tmp_path)
    try:
        report = await build_report(store, NEWHAM, QUARTER, NOW, actor="t", fmt=Format.HTML)
        ref = stories["D2"].dispute.reference
        record = await export_record(store, NEWHAM, ref, "t", "QA", Format.HTML, NOW)
    finally:
        await store.close()
    assert record is not None
    SHOTS.mkdir(parents=True, exist_ok=True)
    report_file, record_file = SHOTS / "report.html", SHOTS / "record.html"
    report_file.write_text(render_report(report, Format.HTML), encoding="utf-8")
    record_file.write_text(record, encoding="utf-8")
    return report_file, record_file


async def test_report_and_record_open_offline_and_render(tmp_path: Path) -> None:
    report_file, record_file = await _pages(tmp_path)
    async with offline_page() as (page, refused):
        for source, heading in (
            (report_file, "Dispute Resolution: quarterly report"),
            (record_file, "Dispute Resolution record DRP-2026-000002"),
        ):
            await page.emulate_media(media="screen")
            await page.goto(source.as_uri())
            assert heading in await page.locator("h1").inner_text()
            shot = SHOTS / f"{source.stem}.png"
            await page.screenshot(path=str(shot), full_page=True)
            await page.emulate_media(media="print")
            printed = SHOTS / f"{source.stem}-print.png"
            await page.screenshot(path=str(printed), full_page=True)
            for picture in (shot, printed):
                assert not_blank(picture) > 20, picture
        await page.goto(report_file.as_uri())
        drawn = await page.locator("figure svg").count()
        assert drawn == 5
        box = await page.locator("figure svg").first.bounding_box()
        assert box is not None
        assert box["width"] > 300
        assert box["height"] > 100
    assert refused == []
