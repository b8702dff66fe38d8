"""``drp-bot sar``, ``drp-bot correct`` and ``drp-bot audit`` on the seeded store (the records
tests' quarter and directory): what they write, what they audit, and hostile input refused with
exit status 2 naming the argument, nothing written and nothing audited."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from exports.audit_trail import CSV_COLUMNS, TrailRow, trail_csv
from store.store import Store
from teams_bot.cli import main
from teams_bot.compliment_views import ComplimentText
from tests.teams_bot.records_seed import seeded_cli_url

NOW = "2026-04-01T12:00:00+01:00"
CSM = "cat.csm@council.example"


@pytest.fixture
def url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    return seeded_cli_url(tmp_path, monkeypatch)


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


def _compliment(url: str, local_id: str, good_practice: str) -> None:
    async def add() -> None:
        store = await Store.open(url)
        try:
            async with store.transaction() as tx:
                ann = await tx.directory.by_email("ann.chair@council.example")
                pat = await tx.directory.by_email("pat.worker@council.example")
                assert ann is not None
                assert pat is not None
                text = ComplimentText(good_practice, "Felt heard", local_id, "").dumps()
                await tx.compliments.add(ann.id, pat.id, pat.id, text, at=datetime.now(UTC))
        finally:
            await store.close()

    asyncio.run(add())


def test_sar_writes_one_page_of_every_dispute_naming_the_child_and_audits_each(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _compliment(url, " ll-1 ", "MINE Patient direct work")
    _compliment(url, "LL-10", "OTHER Direct work with another child")
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
    assert "MINE Patient direct work" in page
    assert "OTHER" not in page
    audited = _audit(url)
    assert {r for _, _, r, _ in audited} == refs | {None}  # the compliment's entry has none
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


# --- correct ----------------------------------------------------------------------------------


def _child_one(url: str) -> tuple[str, str, int]:
    """(reference, name, version) of the first dispute naming LL-1."""
    ((ref, name, version),) = _rows(
        url,
        "SELECT c.reference, c.name, d.version FROM children c JOIN disputes d "
        "ON d.reference = c.reference WHERE c.local_id = 'LL-1' AND c.position = "
        "(SELECT MIN(position) FROM children WHERE reference = c.reference) "
        "ORDER BY c.reference LIMIT 1",
    )
    return ref, name, version


def _raw(url: str) -> bytes:
    path = Path(url.removeprefix("sqlite+aiosqlite:///"))
    files = [path, Path(f"{path}-wal")]
    return b"".join(f.read_bytes() for f in files if f.exists())


def test_correct_rewrites_the_name_keeps_the_reason_and_leaves_no_old_value_on_disk(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    ref, _, version = _child_one(url)
    old = "WRONGNAME Sentinel"  # "Child 1" is on other disputes too: a unique wrong name first
    base = ["correct", ref, "--field", "child_1_name", "--as", CSM, "--now", NOW]
    assert main([*base, "--value", old, "--reason", "r", "--database-url", url]) == 0
    assert old.encode() in _raw(url)
    version += 1
    args = [*base, "--value", "Corrected Childname", "--reason", "Misspelt on the form"]
    assert main([*args, "--database-url", url]) == 0
    assert f"{ref}: child_1_name corrected" in capsys.readouterr().out
    assert _child_one(url)[1:] == ("Corrected Childname", version + 1)
    assert old.encode() not in _raw(url)
    ((kind, texts),) = _rows(
        url,
        "SELECT e.kind, t.texts FROM events e JOIN event_texts t ON t.reference = e.reference "
        f"AND t.sequence = e.sequence WHERE e.reference = '{ref}' AND e.sequence = {version + 1}",
    )
    assert kind == "corrected"
    assert "Misspelt on the form" in str(texts)
    (_, (action, reference, detail)) = [(a, r, d) for a, _, r, d in _audit(url)]
    assert (action, reference) == ("corrected", ref)
    assert "Corrected" not in str(detail)
    assert "child_1_name" in str(detail)
    owed = _rows(url, f"SELECT kind FROM outbox WHERE reference = '{ref}' AND kind = 'refresh'")
    assert owed  # the cards update in place
    assert main(["record", ref, "--format", "md", "--database-url", url]) == 0
    record = capsys.readouterr().out
    assert "child 1's name" in record
    assert old not in record


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (["--field", "child_1_shoe_size"], "--field: must be child_N_name"),
        (["--field", "child_9_name"], "--field: this dispute names"),
        (["--value", "Ann\x07Other"], "--value: contains control characters"),
        (["--value", "N" * 201], "--value: is too long"),
        (["--field", "child_1_dob", "--value", "31/02/2015"], "--value: '31/02/2015' is not"),
        (["--field", "child_1_dob", "--value", "2099-01-01"], "--value: cannot be in the future"),
        (["--reason", "  "], "--reason: is required"),
        (["--reason", "why\x00"], "--reason: contains control characters"),
        (["--as", "nobody@council.example"], "--as: nobody@council.example is not in"),
    ],
)
def test_correct_refuses_hostile_input_naming_the_argument_and_changes_nothing(
    url: str, change: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    ref, name, version = _child_one(url)
    given = {"--field": "child_1_name", "--value": "New Name", "--reason": "typo", "--as": CSM}
    for flag, value in zip(change[::2], change[1::2], strict=True):
        given[flag] = value
    args = ["correct", ref, *(x for pair in given.items() for x in pair), "--now", NOW]
    assert main([*args, "--database-url", url]) == 2
    captured = capsys.readouterr()
    assert message in captured.err
    assert name not in captured.err
    assert _child_one(url) == (ref, name, version)
    assert _audit(url) == []


def test_correct_by_anyone_but_the_chairs_service_manager_is_refused_and_audited(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    ref, name, version = _child_one(url)
    args = ["correct", ref, "--field", "child_1_name", "--value", "X", "--reason", "r"]
    assert main([*args, "--as", "jo.qa@council.example", "--database-url", url]) == 2
    assert "--as: only the chairs' service manager may" in capsys.readouterr().err
    assert _child_one(url) == (ref, name, version)
    assert [(a, r) for a, _, r, _ in _audit(url)] == [("refused", ref)]
    for bad, message in (("DRP-2026-999999", "REF: there is no dispute"), ("x1", "REF: 'X1'")):
        assert main(["correct", bad, *args[2:], "--as", CSM, "--database-url", url]) == 2
        assert message in capsys.readouterr().err


# --- audit ------------------------------------------------------------------------------------


def _listing(url: str, capsys: pytest.CaptureFixture[str], *args: str) -> list[dict[str, str]]:
    assert main(["audit", *args, "--database-url", url]) == 0
    return list(csv.DictReader(io.StringIO(capsys.readouterr().out)))


def test_audit_lists_reads_exports_refusals_and_changes_with_names_and_no_child_data(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    ref, name, _ = _child_one(url)
    fix = ["correct", ref, "--field", "child_1_name", "--value", "Zed Q", "--reason", "typo"]
    assert main([*fix, "--as", CSM, "--now", NOW, "--database-url", url]) == 0
    assert main([*fix, "--as", "jo.qa@council.example", "--database-url", url]) == 2
    record = ["record", ref, "--as", "jo.qa@council.example", "--out", os.devnull]
    assert main([*record, "--now", NOW, "--database-url", url]) == 0
    capsys.readouterr()

    rows = _listing(url, capsys, "--reference", ref.lower())
    assert tuple(rows[0]) == CSV_COLUMNS
    categories = {(r["category"], r["action"]) for r in rows}
    assert {("change", "raised"), ("change", "corrected"), ("refusal", "refused")} <= categories
    assert ("export", "record_exported") in categories
    assert {r["reference"] for r in rows} == {ref}
    assert [r["at"] for r in rows] == sorted(r["at"] for r in rows)
    fixed = [r for r in rows if r["action"] == "corrected"]
    assert {(r["name"], r["email"]) for r in fixed} == {("Cat Service-Manager", CSM)}
    text = json.dumps(rows)
    assert name not in text
    assert "Zed Q" not in text
    assert "typo" not in text

    mine = _listing(url, capsys, "--person", CSM.upper(), "--from", "2026-04-01")
    assert {r["email"] for r in mine} == {CSM}
    assert {r["action"] for r in mine} == {"corrected"}
    assert _listing(url, capsys, "--from", "2020-01-01", "--to", "2020-12-31") == []
    assert main(["audit", "--reference", ref, "--format", "md", "--database-url", url]) == 0
    page = capsys.readouterr().out
    assert page.startswith(f"# Audit trail · {ref.replace('-', chr(92) + '-')}")
    assert "| at | category |" in page


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--reference", "DRP-1"], "--reference: 'DRP-1' is not like"),
        (["--reference", "DRP-2026-999999"], "--reference: there is no dispute DRP-2026-999999"),
        (["--person", "nobody@council.example"], "--person: nobody@council.example is not in"),
        (["--person", "cat\x1b[2J@council.example"], "--person: contains control characters"),
        (["--from", "2026-03-01", "--to", "2026-02-01"], "--to: 2026-02-01 is before --from"),
    ],
)
def test_audit_refuses_hostile_input_naming_the_argument(
    url: str, args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["audit", *args, "--database-url", url]) == 2
    captured = capsys.readouterr()
    assert message in captured.err
    assert captured.out == ""


@pytest.mark.parametrize(
    ("action", "detail", "category"),
    [
        ("record_exported", {"format": "card"}, "read"),
        ("read_only_view", {"verb": "drp.show"}, "read"),
        ("record_exported", {"format": "html"}, "export"),
        ("sar_exported", {"child": "abc"}, "export"),
        ("view_refused", {}, "refusal"),
        ("refused", {"verb": "drp.correct"}, "refusal"),
        ("corrected", {"field": "child_1_name"}, "change"),
        ("escalated", {"sequence": 3}, "change"),
        ("erased", {"rule": "DRP_RETENTION=2 years"}, "change"),
    ],
)
def test_audit_rows_are_reads_exports_refusals_or_changes(
    action: str, detail: dict[str, object], category: str
) -> None:
    row = TrailRow(datetime(2026, 1, 5, 9, tzinfo=UTC), action, "", "x", "", "", detail)
    assert row.category.value == category


def test_audit_csv_cells_never_start_a_spreadsheet_formula() -> None:
    at = datetime(2026, 1, 5, 9, tzinfo=UTC)
    row = TrailRow(at, "refused", "", "=HYPERLINK(x)", "+name", "@e", {"a": "-1"})
    (_, cells) = list(csv.reader(io.StringIO(trail_csv([row]))))
    assert cells[4:7] == ["'=HYPERLINK(x)", "'+name", "'@e"]
