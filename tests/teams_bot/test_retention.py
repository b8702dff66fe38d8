"""Retention, end to end through ``drp-bot retention``: after it, no erased child's name, local ID,
date of birth or free text is anywhere in the SQLite file (and its log) or in any PostgreSQL
table, the kept dispute's still is, and the quarter's reports give the same figures."""

from __future__ import annotations

import asyncio
import json
import os
from datetime import date
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from drp.machine import Context
from drp.report import Period, PeriodActivity
from drp.tally import month_bounds, tally
from store.reporting import ReportReader
from store.rows import PostedCard
from store.store import Store
from teams_bot.audited_reads import Format, build_report, render_report
from teams_bot.cli import main
from tests.store.erasure_seed import AS_OF, CPC, KEPT, NOTTINGHAM, NOW, save, seeded
from tests.store.postgres import dsn
from tests.store.test_reporting import normal

QUARTER = Period(date(2024, 1, 1), date(2024, 3, 31))
NOW_ISO = NOW.isoformat()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No stray settings; a two-year retention period."""
    for name in [n for n in os.environ if n.startswith("DRP_") and not n.startswith("DRP_TEST")]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # no .env file here
    monkeypatch.setenv("DRP_RETENTION", "2 years")


SHOWN = "DRP-2024-000001"  # its card is still in the chair's chat


async def _seed(url: str) -> None:
    store = await Store.open(url)
    try:
        await store.upgrade()
        await save(store, seeded().stories)
        async with store.transaction() as tx:
            chat = {"conversation": {"id": "a:chair-chat"}, "serviceUrl": "http://127.0.0.1/"}
            card = PostedCard(SHOWN, "chair-ann", "dispute", "a:chair-chat", "1", chat, NOW)
            await tx.posted_cards.record(card)
    finally:
        await store.close()


async def _refreshes(url: str) -> list[str]:
    store = await Store.open(url)
    try:
        async with store.transaction(readonly=True) as tx:
            rows = await tx.connection.exec_driver_sql(
                "SELECT reference FROM outbox WHERE kind = 'refresh' ORDER BY id"
            )
            return [ref for (ref,) in rows]
    finally:
        await store.close()


async def _figures(url: str) -> dict[str, Any]:
    """Each policy's quarterly report as CSV, and its counts by SQL and by the domain (which
    must agree)."""
    store = await Store.open(url)
    found: dict[str, Any] = {}
    try:
        for ctx in (NOTTINGHAM, CPC):
            report = await build_report(store, ctx, QUARTER, NOW, actor="test", fmt=Format.CSV)
            found[ctx.policy.key] = render_report(report, Format.CSV)
            found[f"{ctx.policy.key} tally"] = await _tallies(store, ctx)
    finally:
        await store.close()
    return found


async def _tallies(store: Store, ctx: Context) -> dict[str, Any]:
    start, end = QUARTER.bounds(ctx.calendar)
    async with store.transaction(readonly=True) as tx:
        refs = [
            r for (r,) in await tx.connection.exec_driver_sql("SELECT reference FROM disputes")
        ]
        disputes = [await tx.disputes.get(ref) for ref in refs]
        events = [e for ref in refs for e in await tx.disputes.events(ref)]
        by_sql = await ReportReader(tx.connection).tally(
            start, end, month_bounds(QUARTER, ctx.calendar), ctx.policy.key
        )
    by_domain = tally(
        QUARTER,
        PeriodActivity([d for d in disputes if d.policy == ctx.policy.key], events),
        ctx.calendar,
    )
    assert normal(by_sql) == normal(by_domain)
    return normal(by_sql)


async def _raw(url: str) -> bytes:
    """Every byte the database holds: the SQLite file and its log, or every PostgreSQL table."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = Path(str(parsed.database))
        files = [path, Path(f"{path}-wal"), Path(f"{path}-shm")]
        return b"".join(f.read_bytes() for f in files if f.exists())
    connection = await asyncpg.connect(dsn(parsed))
    try:
        tables = await connection.fetch(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
        )
        dumped = []
        for (name,) in tables:
            rows = await connection.fetch(f'SELECT t::text FROM public."{name}" t')
            dumped += [row[0] for row in rows]
    finally:
        await connection.close()
    return "\n".join(dumped).encode("utf-8")


def test_retention_erases_every_identifying_value_and_keeps_every_figure(
    walk_database_url: str, env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    url = walk_database_url
    seed = seeded()
    asyncio.run(_seed(url))
    before_raw = asyncio.run(_raw(url))
    missing = [s for s in seed.erased if s.encode() not in before_raw and "Wrongname" not in s]
    assert missing == []  # the search finds them while they are held
    before = asyncio.run(_figures(url))
    assert len({c[2] for c in before["cpc-standard tally"]["children"]}) == 5  # SHARED once

    assert main(["retention", "--database-url", url, "--now", NOW_ISO, "--json"]) == 0
    result = json.loads(capsys.readouterr().out)

    erased_refs = sorted(r for r in seed.stories if r != KEPT)
    assert [d["reference"] for d in result["disputes"]] == erased_refs
    assert asyncio.run(_refreshes(url)) == [SHOWN]  # the chat's copy is redrawn, erased
    assert result["rule"] == "DRP_RETENTION=2 years"
    assert result["as_of"] == AS_OF.isoformat()
    assert asyncio.run(_figures(url)) == before
    after_raw = asyncio.run(_raw(url))
    assert [s for s in seed.erased if s.encode() in after_raw] == []
    assert [s for s in seed.kept if s.encode() not in after_raw] == []


# SHARED's disputes: DRP-2024-000002 (erased by retention, with a sibling) and the kept one.
_THEIRS_ERASED = ("ERASE-B", "ERASE Gamma Kid", "ERASE-ID-B1")
_THEIRS_KEPT = ("KEEP", "SHARED")


def _sar(url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    out = tmp_path / "sar.html"
    args = ["sar", "--local-id", " shared-id-777 ", "--out", str(out), "--now", NOW_ISO]
    assert main([*args, "--database-url", url]) == 0
    capsys.readouterr()
    return out.read_text(encoding="utf-8")


def test_the_sar_of_one_child_holds_all_of_theirs_and_none_of_another_childs(
    walk_database_url: str, env: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = walk_database_url
    seed = seeded()
    asyncio.run(_seed(url))
    theirs = [s for s in seed.erased + seed.kept if s.startswith(_THEIRS_ERASED + _THEIRS_KEPT)]
    others = [s for s in seed.erased if not s.startswith(_THEIRS_ERASED) and s[0].isalpha()]
    page = _sar(url, tmp_path, capsys)
    assert [s for s in theirs if s not in page] == []
    assert [s for s in others if s in page] == []
    assert page.count("Sibling on the same dispute") == 2  # ERASE Gamma Kid, KEEP Kept Childname
    assert page.count("The subject of this request") == 2
    for other in ("DRP-2024-000001", "DRP-2024-000003", "DRP-2024-000004"):
        assert other not in page

    assert main(["retention", "--database-url", url, "--now", NOW_ISO]) == 0
    page = _sar(url, tmp_path, capsys)
    assert "DRP-2024-000009" in page
    assert "DRP-2024-000002" not in page  # erased: it no longer names the child
    assert [s for s in seed.erased if s in page] == []


def test_a_corrected_value_survives_nowhere_in_the_database(
    walk_database_url: str, env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    url = walk_database_url
    asyncio.run(_seed(url))
    wrong = ("KEEP Kept Childname", "KEEP-ID-555")  # only the kept dispute names this child
    assert [s for s in wrong if s.encode() not in asyncio.run(_raw(url))] == []
    base = ["correct", KEPT, "--reason", "KEEP-FIX-WHY", "--now", NOW_ISO, "--database-url", url]
    assert main([*base, "--field", "child_1_name", "--value", "KEEP Right Name"]) == 0
    assert main([*base, "--field", "child_1_local_id", "--value", "KEEP-ID-556"]) == 0
    capsys.readouterr()
    raw = asyncio.run(_raw(url))
    assert [s for s in wrong if s.encode() in raw] == []
    assert [
        s for s in ("KEEP Right Name", "KEEP-ID-556", "KEEP-FIX-WHY") if s.encode() not in raw
    ] == []
