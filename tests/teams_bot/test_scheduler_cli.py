"""``drp-bot due``: what the scheduler would send at an instant agrees with what it then sends."""

from __future__ import annotations

import asyncio
import json
from datetime import time
from pathlib import Path
from typing import Any

import pytest

from teams_bot.cli import main
from teams_bot.settings import Settings, SettingsError
from tests.teams_bot.scheduler_scene import Scene, london, scene

START = london(2026, 12, 21, 8, 0)


@pytest.fixture(autouse=True)
def settings_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The CLI reads its settings from the environment (and a .env in the working dir)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DRP_POLICY", "nottingham")


async def due(capsys: pytest.CaptureFixture[str], walk: Scene, *args: str) -> tuple[int, str]:
    """Run ``drp-bot due`` in-process (its own event loop, in a thread)."""
    url = walk.store.display_url
    status = await asyncio.to_thread(main, ["due", *args, "--database-url", url])
    out, err = capsys.readouterr()
    assert err == ""
    return status, out


async def due_json(
    capsys: pytest.CaptureFixture[str], walk: Scene, at: str
) -> list[dict[str, Any]]:
    status, out = await due(capsys, walk, "--at", at, "--json")
    assert status == 0
    listed: list[dict[str, Any]] = json.loads(out)
    return listed


async def sent_after(walk: Scene, count: int) -> set[str]:
    """Dedupe keys of rows sent, beyond the first ``count`` rows."""
    return {row.dedupe_key for row in (await walk.rows())[count:] if row.sent_at is not None}


async def test_due_lists_exactly_what_the_next_sweep_sends(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    async with scene(tmp_path, "nottingham", START) as walk:
        await walk.step_to(START)
        await walk.say("alex", "help")
        walk.clock.now = london(2026, 12, 21, 10, 0)
        ref = await walk.raise_at("1")
        await walk.drive(london(2026, 12, 30, 8, 0))
        before = await walk.rows()

        morning = await due_json(capsys, walk, "2026-12-30T08:30")  # London time
        assert {(walk.who(i["recipient"]), i["kind"], i["about"]) for i in morning} == {
            ("megan", "reminder", "due_today"),
            ("megan", "digest", "2026-12-30"),
        }
        assert all(i["source"] == "scheduler" for i in morning)
        assert {i["reference"] for i in morning} == {ref, None}
        reminder = next(i for i in morning if i["kind"] == "reminder")
        assert reminder["due"] == "2026-12-30T08:30:00+00:00"
        assert len(await walk.rows()) == len(before)  # nothing written

        await walk.step_to(london(2026, 12, 30, 8, 30))
        assert await sent_after(walk, len(before)) == {i["dedupe_key"] for i in morning}

        before = await walk.rows()
        midnight = await due_json(capsys, walk, "2026-12-31T00:00:00+00:00")
        assert {(walk.who(i["recipient"]), i["kind"], i["about"]) for i in midnight} == {
            ("megan", "dispute_card", "overdue"),
            ("alex", "notice", "overdue"),
            ("*posted-cards*", "refresh", "overdue"),
        }
        await walk.step_to(london(2026, 12, 31, 0, 0))
        assert await sent_after(walk, len(before)) == {i["dedupe_key"] for i in midnight}
        assert [kind for kind, _ in await walk.events(ref)] == ["raised", "overdue"]


async def test_due_also_lists_what_the_outbox_already_owes_by_then(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    async with scene(tmp_path, "nottingham", START) as walk:
        await walk.step_to(START)
        await walk.say("alex", "help")
        walk.clock.now = london(2026, 12, 21, 10, 0)
        ref = await walk.raise_at("1")
        walk.conn.fail_next(1, status=502)
        await walk.step_to(london(2026, 12, 22, 8, 30))  # the digest fails once: retried soon
        status, out = await due(capsys, walk, "--at", "2026-12-22T09:00")
        assert status == 0
        assert "digest (2026-12-22)" in out
        assert "[outbox]" in out
        assert out.rstrip().endswith("1 message(s) due by 2026-12-22 09:00 London time")
        assert ref not in out


async def test_due_refuses_an_instant_it_cannot_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    async with scene(tmp_path, "nottingham", START) as walk:
        url = walk.store.display_url
        status = await asyncio.to_thread(
            main, ["due", "--at", "next tuesday", "--database-url", url]
        )
        _, err = capsys.readouterr()
        assert status == 2
        assert "--at: 'next tuesday' is not an ISO date-time" in err


def test_digest_time_and_sweep_interval_are_settings_named_in_their_errors() -> None:
    settings = Settings.from_env({"DRP_DIGEST_TIME": "07:45", "DRP_SCHEDULER_INTERVAL": "30"})
    assert (settings.digest_time, settings.scheduler_interval) == (time(7, 45), 30)
    default = Settings.from_env({})
    assert (default.digest_time, default.scheduler_interval) == (time(8, 30), 60)
    with pytest.raises(SettingsError) as wrong:
        Settings.from_env({"DRP_DIGEST_TIME": "half past eight"})
    assert wrong.value.variable == "DRP_DIGEST_TIME"
    with pytest.raises(SettingsError) as wrong:
        Settings.from_env({"DRP_SCHEDULER_INTERVAL": "0"})
    assert wrong.value.variable == "DRP_SCHEDULER_INTERVAL"
