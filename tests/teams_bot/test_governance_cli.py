"""``drp-bot sar``, ``drp-bot correct`` and ``drp-bot audit`` on the seeded store (the records
tests' quarter and directory): what they write, what they audit, and hostile input refused with
exit status 2 naming the argument, nothing written and nothing audited."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import pytest

from store.store import Store
from teams_bot.cli import main
from tests.teams_bot.records_seed import seeded_store

NOW = "2026-04-01T12:00:00+01:00"
CSM = "cat.csm@council.example"


@pytest.fixture
def url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    for name in [n for n in os.environ if n.startswith("DRP_")]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # no .env file here
    monkeypatch.setenv("DRP_POLICY", "newham")

    async def seed() -> None:
        store, _, _ = await seeded_store(tmp_path)
        await store.close()

    asyncio.run(seed())
    return f"sqlite+aiosqlite:///{tmp_path / 'records.sqlite3'}"


def _rows(url: str, sql: str) -> list[tuple[Any, ...]]:
    async def read() -> list[tuple[Any, ...]]:
        store = await Store.open(url)
        try:
            async with store.transaction(readonly=True) as tx:
                return [tuple(r) for r in await tx.connection.exec_driver_sql(sql)]
        finally:
            await store.close()

    return asyncio.run(read())


def _audit(url: str) -> list[tuple[Any, ...]]:
    return _rows(url, "SELECT action, actor, reference, detail FROM audit_log ORDER BY id")


# --- sar --------------------------------------------------------------------------------------


def test_sar_writes_one_page_of_every_dispute_naming_the_child_and_audits_each(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "sar.html"
    args = ["sar", "--local-id", "ll-1", "--out", str(out), "--as", "jo.qa@council.example"]
    assert main([*args, "--now", NOW, "--database-url", url]) == 0
    page = out.read_text(encoding="utf-8")
    refs = {r for (r,) in _rows(url, "SELECT reference FROM children WHERE local_id = 'LL-1'")}
    assert refs
    assert [ref for ref in refs if ref not in page] == []
    every = {r for (r,) in _rows(url, "SELECT reference FROM disputes")}
    assert [ref for ref in every - refs if ref in page] == []
    assert page.startswith("<!DOCTYPE html>")
    assert "<script" not in page
    assert "Exported by</th><td>Jo Quality" in page
    assert f"{len(refs)} disputes name this child." in capsys.readouterr().err
    audited = _audit(url)
    assert {r for _, _, r, _ in audited} == refs
    assert {a for a, *_ in audited} == {"sar_exported"}
    assert all("LL-1" not in str(detail) for *_, detail in audited)


def test_sar_of_a_child_nobody_names_says_so_and_is_audited(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sar", "--local-id", "<b>NOBODY</b>", "--database-url", url]) == 0
    captured = capsys.readouterr()
    assert "No dispute held by the bot names this child" in captured.out
    assert "<b>NOBODY" not in captured.out  # escaped
    assert "0 disputes name this child." in captured.err
    ((action, actor, reference, _),) = _audit(url)
    assert (action, reference) == ("sar_exported", None)
    assert actor.startswith("cli:")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--local-id", "LL-\x001"], "--local-id: contains control characters"),
        (["--local-id", "   "], "--local-id: is required"),
        (["--local-id", "L" * 65], "--local-id: is too long"),
        (["--local-id", "LL-1", "--as", "nobody@council.example"], "--as: nobody@council"),
        (["--local-id", "LL-1", "--out", "no/such/dir/sar.html"], "--out: no/such/dir"),
    ],
)
def test_sar_refuses_hostile_input_naming_the_argument(
    url: str, args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sar", *args, "--database-url", url]) == 2
    captured = capsys.readouterr()
    assert message in captured.err
    assert "Child 1" not in captured.out + captured.err
    assert _audit(url) == []
