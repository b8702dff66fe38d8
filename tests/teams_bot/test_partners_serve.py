"""``drp-bot serve`` without DRP_SMTP_URL says at start that e-mail-only partners (issue 18)
will get nothing, rather than leaving it to the first failed message."""

from __future__ import annotations

import asyncio
from pathlib import Path

from teams_bot.cli import main as cli_main
from tests.support import hosts
from tests.teams_bot.partners_scene import TAYLOR, partner_directory


async def test_serve_warns_that_email_only_partners_get_nothing_without_smtp(
    tmp_path: Path,
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'drp.sqlite3'}"
    argv = ["directory", "import", str(partner_directory(tmp_path, TAYLOR)), "--policy"]
    assert await asyncio.to_thread(cli_main, [*argv, "city-hackney", "--database-url", url]) == 0
    env = hosts.serve_env(DRP_DATA_DIR=str(tmp_path), DRP_POLICY="city-hackney")
    said = await hosts.serve_banner(env, tmp_path)
    assert f"sqlite store, {hosts.current()} host)" in said  # the subprocess runs the test's host
    assert "DRP_SMTP_URL is not set: 1 e-mail-only people (directory channel 'email')" in said
