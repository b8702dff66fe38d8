"""``drp-bot serve`` without DRP_SMTP_URL says at start that e-mail-only partners (issue 18)
will get nothing, rather than leaving it to the first failed message."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

from teams_bot.cli import main as cli_main
from tests.support import hosts
from tests.support.ports import free_port
from tests.teams_bot.partners_scene import TAYLOR, partner_directory


async def test_serve_warns_that_email_only_partners_get_nothing_without_smtp(
    tmp_path: Path,
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'drp.sqlite3'}"
    argv = ["directory", "import", str(partner_directory(tmp_path, TAYLOR)), "--policy"]
    assert await asyncio.to_thread(cli_main, [*argv, "city-hackney", "--database-url", url]) == 0
    env = hosts.serve_env(DRP_DATA_DIR=str(tmp_path), DRP_POLICY="city-hackney")
    command = [str(Path(sys.executable).parent / "drp-bot"), "serve", "--port", str(free_port())]
    process = await asyncio.create_subprocess_exec(
        *command, env=env, cwd=tmp_path, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL
    )
    lines: list[str] = []
    try:
        assert process.stderr is not None
        while not any("drp-bot serving" in line for line in lines):
            line = await asyncio.wait_for(process.stderr.readline(), 60)
            assert line, "serve stopped: " + "".join(lines)
            lines.append(line.decode())
    finally:
        if process.returncode is None:
            process.terminate()
        await process.wait()
    said = "".join(lines)
    assert f"sqlite store, {hosts.current()} host)" in said  # the subprocess runs the test's host
    assert "DRP_SMTP_URL is not set: 1 e-mail-only people (directory channel 'email')" in said
