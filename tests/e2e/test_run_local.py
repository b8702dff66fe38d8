"""``make run``'s launcher (scripts/run_local.py), run as a newcomer runs it: it starts drp-bot
and the Playground, says where to go, answers ``new`` with the form, and Ctrl-C stops both."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.support.playground import (
    CONFIG_FILE_NAME,
    REPO_ROOT,
    Playground,
    card_containing,
    demo_config,
    die_with_parent,
)
from tests.support.ports import free_port, is_listening

pytestmark = pytest.mark.e2e

LAUNCHER = REPO_ROOT / "scripts" / "run_local.py"


@dataclass
class Launched:
    """The launcher's process and everything it printed so far."""

    process: asyncio.subprocess.Process
    bot_port: int
    playground_port: int
    data_dir: Path
    lines: list[str] = field(default_factory=list)
    printed: asyncio.Condition = field(default_factory=asyncio.Condition)

    async def read(self) -> None:
        assert self.process.stdout is not None
        while line := await self.process.stdout.readline():
            self.lines.append(line.decode(errors="replace").rstrip())
            async with self.printed:
                self.printed.notify_all()

    async def wait_for_line(self, fragment: str, within: float = 60.0) -> str:
        async with asyncio.timeout(within), self.printed:
            await self.printed.wait_for(lambda: any(fragment in x for x in self.lines))
        return next(x for x in self.lines if fragment in x)


@pytest.fixture
async def launched(e2e_tools: None, tmp_path: Path) -> AsyncIterator[Launched]:
    """``scripts/run_local.py`` on free ports with its data in a temporary directory."""
    bot_port, playground_port = free_port(), free_port()
    env = {**os.environ, "DRP_DATA_DIR": str(tmp_path / "data"), "DRP_PORT": str(bot_port)}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(LAUNCHER),
        *("--as", "alex", "--playground-port", str(playground_port)),
        cwd=tmp_path,  # no .env from the developer's checkout
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        start_new_session=True,
        preexec_fn=die_with_parent,
    )
    run = Launched(process, bot_port, playground_port, tmp_path / "data")
    reader = asyncio.create_task(run.read())
    try:
        yield run
    finally:
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            await process.wait()
        reader.cancel()
        (REPO_ROOT / "test-output" / "e2e").mkdir(parents=True, exist_ok=True)
        output = REPO_ROOT / "test-output" / "e2e" / "run-local.log"
        output.write_text("\n".join(run.lines))


async def test_make_run_serves_the_form_in_the_playground_and_ctrl_c_stops_both(
    launched: Launched,
) -> None:
    url = await launched.wait_for_line(f"http://localhost:{launched.playground_port}")
    assert "as Alex Wilber (Child Protection Chair)" in url
    await launched.wait_for_line('make run AS="alex megan adele"')  # the first two stages
    written = launched.data_dir / "playground" / "alex" / CONFIG_FILE_NAME
    config = demo_config("user-id-0", [u["id"] for u in json.loads(written.read_text())["users"]])
    assert json.loads(written.read_text()) == config.to_config()  # the demo directory's people
    for needed in ("Megan Bowen", "Adele Vance", "Patti Fernandez"):  # acting, then copied
        assert needed in [user.name for user in config.users]

    playground = Playground("", config, name="run-local")
    await playground.attach(f"http://127.0.0.1:{launched.playground_port}")
    try:
        sent = await playground.send_text("new")
        form = await playground.wait_for_message(card_containing("drp.raise"), after=sent.mark)
        assert form.conversation_id == config.personal_chat_id
        playground.assert_no_connector_errors()
    finally:
        await playground.stop()

    launched.process.send_signal(signal.SIGINT)  # what Ctrl-C delivers to the launcher

    assert await asyncio.wait_for(launched.process.wait(), 15) == 0
    await launched.wait_for_line("drp-bot stopping")
    assert not is_listening(launched.bot_port)
    assert not is_listening(launched.playground_port)
