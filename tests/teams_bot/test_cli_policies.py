"""``drp-bot policies list|show|check`` and ``drp-bot timeline``, run in-process.

Expected due dates are hand-computed from the published bank holidays, not from the code:
- England & Wales: Fri 25 Dec 2026, Mon 28 Dec 2026 (Boxing Day substitute), Fri 1 Jan 2027,
  Good Friday 26 Mar 2027, Easter Monday 29 Mar 2027.
- Scotland: St Andrew's Day Mon 30 Nov 2026, 25 and 28 Dec 2026, 1 Jan 2027, Mon 4 Jan 2027
  (2 January substitute), Good Friday 26 Mar 2027; no Easter Monday.
- Northern Ireland: as England, plus St Patrick's Day Wed 17 Mar 2027.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from drp.policy import load_policy
from teams_bot.cli import main

PROFILES = Path(__file__).parents[2] / "drp" / "profiles"
SHIPPED = ("calderdale", "city-hackney", "cpc-standard", "newham", "nottingham")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run ``drp-bot ARGV`` in-process: exit status, stdout, stderr."""
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, Any]:
    status, out, err = run(capsys, "timeline", *argv, "--json")
    assert (status, err) == (0, "")
    parsed: dict[str, Any] = json.loads(out)
    return parsed


# --- policies list / show ------------------------------------------------------------------


def test_policies_list_names_every_shipped_profile_with_its_seed(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, _ = run(capsys, "policies", "list")
    assert status == 0
    lines = out.splitlines()
    assert [line.split()[0] for line in lines] == list(SHIPPED)
    assert "(seed 000)" in lines[SHIPPED.index("nottingham")]
    assert "(seed 001)" in lines[SHIPPED.index("cpc-standard")]


def test_policies_show_prints_nottinghams_ladder_and_rules(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, _ = run(capsys, "policies", "show", "nottingham")
    assert status == 0
    assert "[nottingham, seed 000]" in out
    assert "overall limit: 20 working days" in out
    informal = "informal  Informal: practitioner and team manager: team_manager, practitioner"
    assert informal in out
    assert "4         Director of Children's Integrated Services: director, 5 working days" in out
    assert "5         Legal advice; consider referral to the Corporate Director" in out
    assert "no response by the deadline: offer escalation" in out
    assert "referral at any point: Independent Chair of the Local Safeguarding" in out


def test_policies_show_prints_cpc_standard_agreement_and_extension(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, out, _ = run(capsys, "policies", "show", "cpc-standard")
    assert "agreement from Chairs' service manager (Safeguarding & QA) before stage 2+" in out
    assert "extension: 1 x 24 hours" in out
    assert "no response by the deadline: offer escalation" in out
    assert "informal  Informal DRP: team manager: team_manager, deadline set by the raiser" in out


def test_policies_show_prints_both_calderdale_processes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, out, _ = run(capsys, "policies", "show", "calderdale")
    assert "Practice Dispute Resolution (CPCC) (drp); raised by: chair" in out
    assert "(conference-dissent); raised by: practitioner, team_manager" in out
    assert "raiser sets, at most 10 working days" in out
    assert "overall limit: 15 working days" in out


def test_policies_show_prints_newhams_chair_review_and_iro_only_step(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, out, _ = run(capsys, "policies", "show", "newham")
    assert "chair review within 2 calendar days of a response" in out
    assert "(open to: iro)" in out
    assert "referral at any point: CAFCASS (iro)" in out


def test_policies_show_of_an_unknown_profile_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, "policies", "show", "atlantis")
    assert (status, out) == (2, "")
    assert "atlantis: policy: no such profile or file" in err


# --- policies check ------------------------------------------------------------------------


@pytest.mark.parametrize("name", SHIPPED)
def test_policies_check_of_a_good_file_exits_0(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / f"{name}.toml"
    path.write_text((PROFILES / f"{name}.toml").read_text(encoding="utf-8"), encoding="utf-8")
    status, out, err = run(capsys, "policies", "check", str(path))
    stages = len(load_policy(name).main.stages)
    assert (status, err) == (0, "")
    assert out.splitlines()[0] == f"{path}: OK ({name}: {stages} formal stages)"
    assert "Problems:" not in out


def bad_copy(tmp_path: Path, old: str, new: str) -> Path:
    text = (PROFILES / "nottingham.toml").read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "bad.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("old", "new", "field", "reason"),
    [
        (
            'responsible = ["team_manager"]',
            'responsible = ["team_mgr"]',
            "processes[0].stages[0].responsible",
            "unknown role 'team_mgr'",
        ),
        (
            "compliments = true",
            "complements = true",
            "complements",
            "unknown field",
        ),
        (
            'overall_limit = "20 working days"',
            'overall_limit = "4 weeks"',
            "processes[0].overall_limit",
            "'4 weeks' is not a timescale",
        ),
        (
            'key = "other"',
            'key = "something-else"',
            "categories",
            'the list must end with an "other" category',
        ),
        (
            'roles = ["chair"]\nconcurrent',
            'roles = ["chair"]\nconcurrent = true\nconcurrent',
            "(file)",
            "not valid TOML",
        ),
    ],
    ids=["unknown-role", "typo", "bad-timescale", "no-other", "duplicate-key"],
)
def test_policies_check_of_a_bad_file_exits_2_naming_file_field_and_reason(
    old: str,
    new: str,
    field: str,
    reason: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = bad_copy(tmp_path, old, new)
    status, out, err = run(capsys, "policies", "check", str(path))
    assert (status, out) == (2, "")
    assert err.startswith(f"drp-bot: error: {path}: {field}: {reason}")


def test_policies_check_of_a_missing_file_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = run(capsys, "policies", "check", str(tmp_path / "nope.toml"))
    assert status == 2
    assert f"{tmp_path / 'nope.toml'}: cannot read" in err


def test_policies_check_of_a_file_that_is_not_utf8_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes(b'name = "Caf\xe9"\n')
    status, _, err = run(capsys, "policies", "check", str(path))
    assert status == 2
    assert f"{path}: (file): not UTF-8 text" in err


# --- timeline: every profile, every nation ---------------------------------------------------

FORMAL = ("1", "2", "3", "4")
NATIONS = ("ENG", "WLS", "SCT", "NIR")
Dues = tuple[str | None, ...]
# (policy, nation, start, --stage, expected dues from that stage on, final_due)
Case = tuple[str, str, str, str, Dues, str | None]

# Four stages of 5 working days from Mon 21 Dec 2026 (Christmas, New Year, 2 Jan in Scotland).
CHRISTMAS = "2026-12-21"
CHRISTMAS_ENG: Dues = ("2026-12-30", "2027-01-07", "2027-01-14", "2027-01-21")
CHRISTMAS_SCT: Dues = ("2026-12-30", "2027-01-08", "2027-01-15", "2027-01-22")
# From Mon 15 Mar 2027: St Patrick's Day (NIR), Good Friday, Easter Monday (not SCT).
EASTER = "2027-03-15"
EASTER_ENG: Dues = ("2027-03-22", "2027-03-31", "2027-04-07", "2027-04-14")
EASTER_SCT: Dues = ("2027-03-22", "2027-03-30", "2027-04-06", "2027-04-13")
EASTER_NIR: Dues = ("2027-03-23", "2027-04-01", "2027-04-08", "2027-04-15")
# From Thu 26 Nov 2026: St Andrew's Day (SCT), then Christmas.
ST_ANDREW = "2026-11-26"
ST_ANDREW_ENG: Dues = ("2026-12-03", "2026-12-10", "2026-12-17", "2026-12-24")
ST_ANDREW_SCT: Dues = ("2026-12-04", "2026-12-11", "2026-12-18", "2026-12-29")

LADDERS: dict[str, dict[str, Dues]] = {
    CHRISTMAS: {"ENG": CHRISTMAS_ENG, "WLS": CHRISTMAS_ENG, "SCT": CHRISTMAS_SCT},
    EASTER: {"ENG": EASTER_ENG, "WLS": EASTER_ENG, "SCT": EASTER_SCT, "NIR": EASTER_NIR},
    ST_ANDREW: {"ENG": ST_ANDREW_ENG, "WLS": ST_ANDREW_ENG, "SCT": ST_ANDREW_SCT},
}


def from_stage_1(policy: str, nation: str, start: str) -> Case:
    """The expected timeline from stage 1, from the nation's ladder of 5-day stages."""
    dues = LADDERS[start].get(nation, LADDERS[start]["ENG"])
    if policy == "calderdale":  # three stages; overall 15 working days
        return (policy, nation, start, "1", dues[:3], dues[2])
    if policy == "city-hackney":  # a working week, then deadlines the raiser sets; no total
        return (policy, nation, start, "1", (dues[0], None, None, None), None)
    return (policy, nation, start, "1", dues, dues[3])  # four stages; 20 days or last due


TIMELINES: list[Case] = [
    *[from_stage_1(p, n, start) for start in LADDERS for p in SHIPPED for n in NATIONS],
    # The informal stage first: the overall limit runs from the start of the formal stages.
    (
        "nottingham",
        "ENG",
        CHRISTMAS,
        "informal",
        ("2026-12-30", "2027-01-07", "2027-01-14", "2027-01-21", "2027-01-28"),
        "2027-01-28",
    ),
    (
        "nottingham",
        "SCT",
        CHRISTMAS,
        "informal",
        ("2026-12-30", "2027-01-08", "2027-01-15", "2027-01-22", "2027-01-29"),
        "2027-01-29",
    ),
    (
        "calderdale",
        "WLS",
        CHRISTMAS,
        "informal",
        ("2027-01-07", "2027-01-14", "2027-01-21", "2027-01-28"),
        "2027-01-28",
    ),
    (
        "calderdale",
        "SCT",
        CHRISTMAS,
        "informal",
        ("2027-01-08", "2027-01-15", "2027-01-22", "2027-01-29"),
        "2027-01-29",
    ),
    (
        "calderdale",
        "NIR",
        EASTER,
        "informal",
        ("2027-04-01", "2027-04-08", "2027-04-15", "2027-04-22"),
        "2027-04-22",
    ),
    ("cpc-standard", "NIR", CHRISTMAS, "informal", (None, *CHRISTMAS_ENG), "2027-01-21"),
    ("newham", "SCT", CHRISTMAS, "informal", (None, *CHRISTMAS_SCT), "2027-01-22"),
    # --stage part-way up the ladder: the overall deadline still runs from --start.
    ("nottingham", "ENG", CHRISTMAS, "3", ("2026-12-30", "2027-01-07"), "2027-01-21"),
    ("nottingham", "SCT", CHRISTMAS, "3", ("2026-12-30", "2027-01-08"), "2027-01-22"),
    ("newham", "NIR", EASTER, "2", ("2027-03-23", "2027-04-01", "2027-04-08"), "2027-04-15"),
    ("cpc-standard", "SCT", ST_ANDREW, "4", ("2026-12-04",), "2026-12-04"),
    ("calderdale", "ENG", CHRISTMAS, "2", ("2026-12-30", "2027-01-07"), "2027-01-14"),
    ("city-hackney", "WLS", CHRISTMAS, "3", (None, None), None),
]


def _case_id(case: Case) -> str:
    policy, nation, start, stage = case[:4]
    return f"{policy}-{nation}-{start}-from-{stage}"


@pytest.mark.parametrize("case", TIMELINES, ids=[_case_id(c) for c in TIMELINES])
def test_timeline_json_gives_each_stage_due_and_the_overall_deadline(
    case: Case,
    capsys: pytest.CaptureFixture[str],
) -> None:
    policy, nation, start, stage, dues, final_due = case
    argv = ["--policy", policy, "--start", start, "--stage", stage, "--nation", nation]
    result = run_json(capsys, *argv)
    process = load_policy(policy).main
    keys = [s.key for s in process.all_stages()]
    keys = keys[keys.index(stage) :]
    assert result == {
        "policy": policy,
        "start": start,
        "nation": nation,
        "stages": [
            {"stage": key, "title": process.stage(key).title, "due": due}
            for key, due in zip(keys, dues, strict=True)
        ],
        "final_due": final_due,
    }


def test_every_profile_and_nation_has_a_hand_computed_timeline() -> None:
    covered = {(policy, nation) for policy, nation, *_ in TIMELINES}
    assert covered == {(p, n) for p in SHIPPED for n in NATIONS}


def test_timeline_json_has_exactly_the_documented_shape(
    capsys: pytest.CaptureFixture[str],
) -> None:
    result = run_json(capsys, "--policy", "nottingham", "--start", "2026-12-21")
    assert list(result) == ["policy", "start", "nation", "stages", "final_due"]
    assert [list(step) for step in result["stages"]] == [["stage", "title", "due"]] * 4
    assert [step["stage"] for step in result["stages"]] == list(FORMAL)
    assert result["nation"] == "ENG"  # the default


def test_timeline_json_keys_the_informal_stage_informal(
    capsys: pytest.CaptureFixture[str],
) -> None:
    result = run_json(capsys, "--policy", "newham", "--start", "2026-12-21", "--stage", "informal")
    assert [step["stage"] for step in result["stages"]] == ["informal", *FORMAL]


def test_timeline_of_calderdales_conference_dissent_process(
    capsys: pytest.CaptureFixture[str],
) -> None:
    result = run_json(
        capsys,
        "--policy",
        "calderdale",
        "--process",
        "conference-dissent",
        "--start",
        "2026-12-21",
    )
    assert result["stages"] == [
        {
            "stage": "1",
            "title": "Service Manager for Safeguarding and Quality Assurance",
            "due": "2026-12-30",
        },
        {  # a further challenge on the ground of significant harm: reviewed at once
            "stage": "2",
            "title": "Significant harm: the decision reviewed at once by the SM for Safeguarding"
            " and QA",
            "due": "2026-12-31",
        },
    ]
    assert result["final_due"] == "2026-12-31"


def test_timeline_prints_a_readable_table(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "timeline", "--policy", "nottingham", "--start", "2026-12-21")
    assert status == 0
    lines = out.splitlines()
    assert lines[0] == (
        "Nottingham City Child Protection Dispute Resolution Policy: from Mon 21 Dec 2026 (ENG)"
    )
    assert lines[1].startswith("  stage 1         due Wed 30 Dec 2026  Team / Line Manager")
    assert lines[4].startswith("  stage 4         due Thu 21 Jan 2027")
    assert lines[-1] == "  overall deadline: Thu 21 Jan 2027"


def test_timeline_text_says_who_sets_a_raiser_set_deadline(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, out, _ = run(capsys, "timeline", "--policy", "city-hackney", "--start", "2026-12-21")
    assert "stage 2         due set by the raiser" in out
    assert out.splitlines()[-1] == "  overall deadline: none fixed"


# --- timeline: bad arguments ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("policy", "stage"),
    [("nottingham", "9"), ("nottingham", "5"), ("city-hackney", "informal")],
    ids=["no-such-stage", "final-step-is-not-a-stage", "no-informal-stage"],
)
def test_timeline_with_a_bad_stage_exits_2_naming_the_flag(
    policy: str, stage: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run(
        capsys, "timeline", "--policy", policy, "--start", "2026-12-21", "--stage", stage
    )
    assert (status, out) == (2, "")
    assert f"--stage: '{stage}' is not a stage of {policy}" in err


def test_timeline_with_an_unknown_policy_exits_2_naming_the_flag(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, err = run(capsys, "timeline", "--policy", "atlantis", "--start", "2026-12-21")
    assert (status, out) == (2, "")
    assert err.startswith("drp-bot: error: --policy: atlantis")


def test_timeline_with_a_broken_policy_file_exits_2_naming_flag_file_and_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = bad_copy(tmp_path, "compliments = true", "complements = true")
    status, _, err = run(capsys, "timeline", "--policy", str(path), "--start", "2026-12-21")
    assert status == 2
    assert f"--policy: {path}: complements: unknown field" in err


def test_timeline_with_an_unknown_process_exits_2_naming_the_flag(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, _, err = run(
        capsys, "timeline", "--policy", "newham", "--start", "2026-12-21", "--process", "x"
    )
    assert status == 2
    assert "--process: 'x' is not in newham" in err


@pytest.mark.parametrize(
    ("flag", "value"),
    [("--nation", "ENGLAND"), ("--start", "21/12/2026")],
    ids=["nation", "start"],
)
def test_timeline_with_a_malformed_option_exits_2_naming_it(
    flag: str, value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = {"--policy": "nottingham", "--start": "2026-12-21", flag: value}
    with pytest.raises(SystemExit) as caught:
        main(["timeline", *[item for pair in argv.items() for item in pair]])
    assert caught.value.code == 2
    assert flag in capsys.readouterr().err
