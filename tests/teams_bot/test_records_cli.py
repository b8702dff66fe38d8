"""``drp-bot record``, ``drp-bot report`` and ``drp-bot outstanding`` on the seeded store:
files written, stdout, the audit trail, and exit status 2 naming the argument at fault."""

from __future__ import annotations

import asyncio
import csv
import io
from pathlib import Path

import pytest

from exports.report_csv import CSV_COLUMNS
from store.store import Store
from teams_bot.cli import main
from tests.teams_bot.records_seed import seeded_cli_url

NOW = "2026-04-01T12:00:00+01:00"


@pytest.fixture
def url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    return seeded_cli_url(tmp_path, monkeypatch)


def _audit(url: str) -> list[tuple[str, str, str | None, dict]]:
    async def read() -> list[tuple[str, str, str | None, dict]]:
        store = await Store.open(url)
        try:
            async with store.transaction(readonly=True) as tx:
                rows = await tx.connection.exec_driver_sql(
                    "SELECT action, actor, reference FROM audit_log ORDER BY id"
                )
                return [(a, b, c, {}) for a, b, c in rows]
        finally:
            await store.close()

    return asyncio.run(read())


def test_record_writes_the_html_file_and_audits_the_reader(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "record.html"
    args = ["record", "drp-2026-000002", "--out", str(out), "--database-url", url]
    assert main([*args, "--as", "jo.qa@council.example", "--now", NOW]) == 0
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert "Dispute Resolution record DRP-2026-000002" in page
    assert "Exported by Jo Quality" in page
    assert capsys.readouterr().out == ""
    assert [(a, r) for a, _, r, _ in _audit(url)] == [("record_exported", "DRP-2026-000002")]


def test_record_prints_markdown_and_names_the_login_without_as(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["record", "DRP-2026-000001", "--format", "md", "--database-url", url]) == 0
    text = capsys.readouterr().out
    assert text.startswith("> OFFICIAL\\-SENSITIVE")
    assert "## Chronology" in text
    (entry,) = _audit(url)
    assert entry[1].startswith("cli:")


def test_record_of_an_unknown_dispute_or_reader_exits_2(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["record", "DRP-2026-999999", "--database-url", url]) == 2
    assert "REF: there is no dispute DRP-2026-999999" in capsys.readouterr().err
    args = ["record", "DRP-2026-000001", "--as", "nobody@council.example"]
    assert main([*args, "--database-url", url]) == 2
    assert "--as: nobody@council.example is not in the directory" in capsys.readouterr().err


def test_report_csv_and_html(url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    period = ["--from", "2026-01-01", "--to", "2026-03-31", "--now", NOW, "--database-url", url]
    assert main(["report", *period, "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert tuple(rows[0]) == CSV_COLUMNS
    raised = [r["value"] for r in rows if r["item"] == "disputes_raised" and r["group"] == "all"]
    assert raised == ["6", "2"]
    out = tmp_path / "report.html"
    assert main(["report", *period, "--out", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    assert "<svg" in page
    assert "Overdue now (1)" in page  # D6's informal review has no deadline (seed 003)
    assert [a for a, *_ in _audit(url)] == ["report_generated", "report_generated"]


def test_report_refuses_a_backwards_period_a_bad_date_and_an_unknown_policy(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["report", "--database-url", url]
    assert main([*base, "--from", "2026-03-31", "--to", "2026-01-01"]) == 2
    assert "--to: the period ends" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exited:
        main([*base, "--from", "2026-13-01", "--to", "2026-03-31"])
    assert exited.value.code == 2
    assert "not a date like" in capsys.readouterr().err
    args = [*base, "--from", "2026-01-01", "--to", "2026-03-31", "--policy", "atlantis"]
    assert main(args) == 2
    assert "--policy:" in capsys.readouterr().err


def test_outstanding_lists_each_chairs_open_disputes(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["outstanding", "--now", NOW, "--database-url", url]) == 0
    text = capsys.readouterr().out
    assert "Ann Chair <ann.chair@council.example>" in text
    assert "Ike Reviewer <ike.iro@council.example>" in text
    lines = [line for line in text.splitlines() if line.startswith("DRP-2026-000004")]
    assert len(lines) == 1
    assert "22" in lines[0]
    assert "OVERDUE OVER OVERALL LIMIT" in lines[0]
    args = ["outstanding", "--chair", "ann.chair@council.example", "--now", NOW]
    assert main([*args, "--database-url", url]) == 0
    mine = capsys.readouterr().out
    assert "DRP-2026-000006" in mine
    assert "DRP-2026-000004" not in mine
    assert main(["outstanding", "--chair", "x@y.example", "--database-url", url]) == 2
    assert "--chair: x@y.example is not in the directory" in capsys.readouterr().err
