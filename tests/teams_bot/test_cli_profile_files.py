"""``drp-bot policies check FILE --directory``, ``policies schema`` and ``policies init``."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import jsonschema
import pytest

from drp.policy import load_policy, parse_policy
from drp.policy_loader import shipped_text
from drp.profile_docs import reference
from teams_bot.cli import main

PROFILES = Path(__file__).parents[1] / "profiles"
WYVERN = PROFILES / "wyvern-marches.toml"
WYVERN_STAFF = PROFILES / "wyvern-marches.csv"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def staff_without(tmp_path: Path, *roles: str, extra: str = "") -> Path:
    """The invented council's directory without the people holding ``roles``."""
    lines = WYVERN_STAFF.read_text(encoding="utf-8").splitlines()
    kept = [lines[0], *(line for line in lines[1:] if line.split(",")[3] not in roles)]
    path = tmp_path / "people.csv"
    path.write_text("\n".join(kept) + "\n" + extra, encoding="utf-8")
    return path


# --- check ------------------------------------------------------------------------------------


def test_check_prints_the_ladder_and_a_timeline_from_the_given_day(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, err = run(
        capsys, "policies", "check", str(WYVERN), "--start", "2026-12-21", "--nation", "SCT"
    )
    assert (status, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == f"{WYVERN}: OK (wyvern-marches: 3 formal stages)"
    assert "Practice escalation (escalation); raised by: Conference Convenor" in out
    assert "  2         Area Lead: 5 working days" in lines
    assert "            responds: Area Lead" in lines
    assert "            told: Principal for Safeguarding" in lines
    assert (
        "            agreement to escalate here: Principal for Safeguarding, Assurance Officer"
    ) in lines
    assert "  timeline from Mon 21 Dec 2026 (SCT), each stage taking its full time:" in lines
    # Scotland: 25 and 28 Dec, 1 and 4 Jan are holidays; 3 then 5 then 5 working days.
    assert "    stage 1         due Thu 24 Dec 2026" in lines
    assert "    stage 2         due Wed 06 Jan 2027" in lines
    assert "    stage 3         due Wed 13 Jan 2027" in lines
    assert "    overall deadline: Wed 13 Jan 2027" in lines


def test_check_says_what_the_bot_does_where_the_profile_is_silent(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, out, _ = run(capsys, "policies", "check", str(WYVERN))
    notes = out[out.index("Notes:") :]
    assert "no categories: the form asks for none" in notes
    assert "no immediate-harm route: the form and cards offer no immediate-harm alert" in notes
    assert "escalation: no overall limit" in notes


def test_check_against_a_full_directory_finds_no_problem(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, _ = run(
        capsys, "policies", "check", str(WYVERN), "--directory", str(WYVERN_STAFF)
    )
    assert status == 0
    assert "Problems:" not in out


def test_check_names_roles_nobody_holds_and_bad_directory_lines_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    extra = "x@wyvern.example,Xena,aad-x,team_manager,Marches North\n"
    people = staff_without(tmp_path, "area_lead", extra=extra)
    status, out, err = run(capsys, "policies", "check", str(WYVERN), "--directory", str(people))
    assert (status, err) == (1, "")
    problems = out[out.index("Problems:") : out.index("Notes:")]
    assert f"{people}: line 8: role: unknown role 'team_manager' (known: conference_convenor" in (
        problems
    )
    assert (
        "nobody in the directory holds Area Lead (area_lead), needed for: escalation stage 2: "
        "responds"
    ) in problems


def test_check_of_an_unreadable_directory_exits_2_naming_the_flag(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = run(
        capsys, "policies", "check", str(WYVERN), "--directory", str(tmp_path / "none.csv")
    )
    assert status == 2
    assert f"--directory: {tmp_path / 'none.csv'}: cannot read" in err


def test_check_notes_an_old_form_and_says_what_to_write(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = shipped_text("cpc-standard").replace(
        'approver = ["chairs_service_manager"]\napproval_from = "2"\n', ""
    )
    old = old.replace(
        "[[processes]]",
        '[approval]\nfrom_stage = "2"\napprover = "chairs_service_manager"\n\n[[processes]]',
        1,
    )
    path = tmp_path / "old.toml"
    path.write_text(old, encoding="utf-8")
    status, out, _ = run(capsys, "policies", "check", str(path))
    assert status == 0
    assert (
        '  - approval: old form; in [[processes]] write approver = ["chairs_service_manager"] '
        'and approval_from = "2" (same meaning)'
    ) in out.splitlines()


# --- schema -----------------------------------------------------------------------------------


def test_schema_prints_a_json_schema_the_shipped_profiles_satisfy(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, _ = run(capsys, "policies", "schema")
    schema = json.loads(out)
    assert status == 0
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(tomllib.loads(shipped_text("newham")), schema)


def test_schema_as_markdown_is_the_reference_page(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "policies", "schema", "--format", "markdown")
    assert (status, out) == (0, reference())


# --- init -------------------------------------------------------------------------------------


def test_init_writes_a_commented_file_that_checks_and_keeps_the_sources_ladder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    status, out, err = run(capsys, "policies", "init", "ashdown-vale", "--from", "nottingham")
    written = tmp_path / "ashdown-vale.toml"
    assert (status, err) == (0, "")
    assert out == (
        "ashdown-vale.toml: written from nottingham; next: drp-bot policies check "
        "ashdown-vale.toml\n"
    )
    text = written.read_text(encoding="utf-8")
    assert "# The roles that must respond at this stage" in text
    policy, source = parse_policy(text, "ashdown-vale.toml"), load_policy("nottingham")
    assert (policy.key, policy.name, policy.seed) == ("ashdown-vale", "Ashdown Vale", "")
    assert policy.processes == source.processes
    assert (policy.categories, policy.referrals) == (source.categories, source.referrals)
    assert run(capsys, "policies", "check", str(written))[0] == 0


def test_init_refuses_to_overwrite_a_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "mine.toml"
    out.write_text("keep me", encoding="utf-8")
    argv = ("policies", "init", "mine", "--from", "newham", "--out", str(out))
    status, _, err = run(capsys, *argv)
    assert status == 2
    assert f"--out: {out} exists" in err
    assert out.read_text(encoding="utf-8") == "keep me"


def test_init_from_a_profile_file_prints_to_stdout_with_out_dash(
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ("policies", "init", "wm2", "--from", str(WYVERN), "--title", "Wyvern Two")
    status, out, _ = run(capsys, *argv, "--out", "-")
    assert status == 0
    policy = parse_policy(out, "wm2.toml")
    assert (policy.key, policy.name) == ("wm2", "Wyvern Two")
    assert policy.processes == load_policy(str(WYVERN)).processes


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("Ashdown Vale", "--from", "nottingham"), "NAME: 'Ashdown Vale' must be lower-case"),
        (("ashdown", "--from", "atlantis"), "--from: atlantis: no such profile or file"),
    ],
    ids=["bad-name", "unknown-source"],
)
def test_init_with_a_bad_argument_exits_2_naming_it(
    argv: tuple[str, ...], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run(capsys, "policies", "init", *argv)
    assert (status, out) == (2, "")
    assert message in err
