"""The Teams app package: manifest content, icons, zip layout, CLI, and the official schema."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import zipfile
from collections.abc import Callable
from importlib import resources
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from teams_bot.cli import main
from teams_bot.manifest import ManifestError, build_manifest, write_package
from tests.support.npm import npm_ci

APP_ID = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"
BOT_ID = "9d6c1b1e-2c3a-4b5d-8e7f-0a1b2c3d4e5f"
VALIDATOR_DIR = Path(__file__).resolve().parents[2] / "manifest" / "validate"
PERSONAL_COMMANDS = ["new", "mine", "inbox", "show", "compliment", "supervision", "report", "help"]

Validator = Callable[[dict[str, Any], Path], subprocess.CompletedProcess[str]]


def _command_list(manifest: dict[str, Any], scope: str) -> list[str]:
    (bot,) = manifest["bots"]
    (commands,) = [entry for entry in bot["commandLists"] if scope in entry["scopes"]]
    return [command["title"] for command in commands["commands"]]


def _icon(name: str) -> Image.Image:
    return Image.open(BytesIO(resources.files("manifest").joinpath(name).read_bytes()))


def test_bot_is_in_personal_and_team_scopes_and_sends_files() -> None:
    manifest = build_manifest(APP_ID)

    (bot,) = manifest["bots"]
    assert set(bot["scopes"]) == {"personal", "team"}
    assert bot["supportsFiles"] is True  # the case record and report through file consent
    assert "webApplicationInfo" not in manifest


def test_without_a_domain_the_package_has_no_tabs() -> None:
    manifest = build_manifest(APP_ID)

    assert not {"staticTabs", "configurableTabs", "webApplicationInfo"} & set(manifest)


def test_with_a_domain_the_tabs_and_their_sso_are_declared() -> None:
    manifest = build_manifest(APP_ID, bot_id=BOT_ID, domain="drp.example.gov.uk")

    entities = [tab["entityId"] for tab in manifest["staticTabs"]]
    assert entities == ["conversations", "drp-mine", "drp-dashboard", "drp-report"]
    mine = manifest["staticTabs"][1]
    assert mine["contentUrl"] == "https://drp.example.gov.uk/tabs/mine?theme={theme}"
    assert mine["scopes"] == ["personal"]
    (channel,) = manifest["configurableTabs"]
    assert channel["configurationUrl"].startswith("https://drp.example.gov.uk/tabs/configure")
    assert channel["scopes"] == ["team"]
    assert manifest["webApplicationInfo"] == {
        "id": BOT_ID,
        "resource": f"api://drp.example.gov.uk/{BOT_ID}",
    }


def test_each_scope_has_its_own_command_list() -> None:
    manifest = build_manifest(APP_ID)

    assert _command_list(manifest, "personal") == PERSONAL_COMMANDS
    assert _command_list(manifest, "team") == ["monitor here", "help"]


def test_ids_version_domain_and_name_are_filled_in() -> None:
    manifest = build_manifest(
        APP_ID, bot_id=BOT_ID, version="2.3.4", domain="DRP.Example.gov.uk", name="DRP Notts"
    )

    assert manifest["id"] == APP_ID
    assert manifest["bots"][0]["botId"] == BOT_ID
    assert manifest["version"] == "2.3.4"
    assert manifest["validDomains"] == ["drp.example.gov.uk"]
    assert manifest["developer"]["privacyUrl"] == "https://drp.example.gov.uk/privacy"
    assert manifest["name"]["short"] == "DRP Notts"


def test_defaults_bot_id_to_app_id_and_leaves_no_placeholder() -> None:
    manifest = build_manifest(APP_ID)

    assert manifest["bots"][0]["botId"] == APP_ID
    assert manifest["validDomains"] == []
    assert manifest["name"]["short"] == "DRP"
    assert "${{" not in json.dumps(manifest)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"app_id": "not-a-guid"}, "app_id"),
        ({"app_id": APP_ID, "bot_id": "{" + BOT_ID + "}"}, "bot_id"),
        ({"app_id": APP_ID, "version": "1.0"}, "version"),
        ({"app_id": APP_ID, "version": "1.0.0-beta"}, "version"),
        ({"app_id": APP_ID, "domain": "https://drp.example.gov.uk"}, "domain"),
        ({"app_id": APP_ID, "domain": "drp.example.gov.uk:443"}, "domain"),
        ({"app_id": APP_ID, "name": "x" * 31}, "name"),
    ],
)
def test_bad_input_is_refused_naming_the_field(kwargs: dict[str, str], field: str) -> None:
    app_id = kwargs.pop("app_id")
    with pytest.raises(ManifestError) as caught:
        build_manifest(app_id, **kwargs)
    assert caught.value.field == field


def test_colour_icon_is_192_square_and_opaque_full_colour() -> None:
    icon = _icon("color.png")

    assert icon.format == "PNG"
    assert icon.size == (192, 192)
    rgba = icon.convert("RGBA")
    assert rgba.getextrema()[3] == (255, 255)
    assert len(rgba.getcolors(192 * 192) or []) > 3


def test_outline_icon_is_32_square_white_on_transparent() -> None:
    icon = _icon("outline.png")

    assert icon.format == "PNG"
    assert icon.size == (32, 32)
    assert icon.mode == "RGBA"
    data = icon.tobytes()
    pixels = [tuple(data[i : i + 4]) for i in range(0, len(data), 4)]
    drawn = [rgb for *rgb, alpha in pixels if alpha > 0]
    assert drawn, "the outline icon is empty"
    assert all(rgb == [255, 255, 255] for rgb in drawn)
    assert pixels[0][3] == 0
    assert sum(alpha == 0 for *_, alpha in pixels) > len(pixels) // 2


def test_package_holds_manifest_and_icons_at_its_root(tmp_path: Path) -> None:
    manifest = build_manifest(APP_ID, domain="drp.example.gov.uk")

    path = write_package(manifest, tmp_path / "out" / "drp.zip")

    with zipfile.ZipFile(path) as package:
        assert sorted(package.namelist()) == ["color.png", "manifest.json", "outline.png"]
        assert json.loads(package.read("manifest.json")) == manifest
        for icon in ("color.png", "outline.png"):
            assert package.read(icon) == resources.files("manifest").joinpath(icon).read_bytes()


def test_package_is_reproducible(tmp_path: Path) -> None:
    manifest = build_manifest(APP_ID)

    first = write_package(manifest, tmp_path / "a.zip").read_bytes()
    second = write_package(manifest, tmp_path / "b.zip").read_bytes()

    assert first == second


def test_cli_build_writes_the_package(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "drp.zip"

    status = main(
        ["manifest", "build", "--app-id", APP_ID, "--out", str(out), "--version", "1.2.3"]
    )

    assert status == 0
    with zipfile.ZipFile(out) as package:
        assert json.loads(package.read("manifest.json"))["version"] == "1.2.3"
    assert str(out) in capsys.readouterr().out


def test_cli_show_prints_the_manifest(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["manifest", "show", "--app-id", APP_ID, "--domain", "drp.example.gov.uk"])

    assert status == 0
    assert json.loads(capsys.readouterr().out) == build_manifest(
        APP_ID, domain="drp.example.gov.uk"
    )


@pytest.mark.parametrize(
    ("argv", "flag"),
    [
        (["--app-id", "1234"], "--app-id"),
        (["--app-id", APP_ID, "--bot-id", "bot"], "--bot-id"),
        (["--app-id", APP_ID, "--version", "v1"], "--version"),
        (["--app-id", APP_ID, "--domain", "http://x.org/"], "--domain"),
    ],
)
def test_cli_bad_input_exits_2_naming_the_flag(
    argv: list[str], flag: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "drp.zip"

    status = main(["manifest", "build", *argv, "--out", str(out)])

    assert status == 2
    assert flag in capsys.readouterr().err
    assert not out.exists()


def test_cli_refuses_an_out_file_that_is_not_a_zip(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["manifest", "build", "--app-id", APP_ID, "--out", str(tmp_path / "drp.json")])

    assert status == 2
    assert "--out" in capsys.readouterr().err


@pytest.fixture(scope="session")
def validate_manifest() -> Validator:
    """Runs manifest/validate (ajv + the schema in @microsoft/app-manifest) on a manifest."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        message = "node and npm are needed to check the manifest against the official schema"
        if os.environ.get("CI", "").lower() in {"true", "1"}:
            pytest.fail(f"{message}; CI must not skip this check")
        pytest.skip(message)
    failed = npm_ci(npm, VALIDATOR_DIR, timeout=300)
    if failed:
        pytest.fail(f"npm ci in {VALIDATOR_DIR} failed:\n{failed}")

    def run(manifest: dict[str, Any], tmp_path: Path) -> subprocess.CompletedProcess[str]:
        path = tmp_path / "manifest.json"
        path.write_text(json.dumps(manifest), encoding="utf-8")
        command = [node, str(VALIDATOR_DIR / "validate.mjs"), str(path)]
        return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)

    return run


@pytest.mark.parametrize("domain", [None, "drp.example.gov.uk"])
def test_built_manifest_passes_the_official_schema(
    domain: str | None, validate_manifest: Validator, tmp_path: Path
) -> None:
    manifest = build_manifest(APP_ID, bot_id=BOT_ID, domain=domain)

    result = validate_manifest(manifest, tmp_path)

    assert result.returncode == 0, result.stderr
    assert "v1.30" in result.stdout


def test_schema_validator_rejects_a_broken_manifest(
    validate_manifest: Validator, tmp_path: Path
) -> None:
    manifest = build_manifest(APP_ID)
    manifest["bots"][0]["scopes"] = ["personal", "channel"]
    manifest["bots"][0]["supportsFiles"] = "no"

    result = validate_manifest(manifest, tmp_path)

    assert result.returncode == 1
    assert "/bots/0/scopes/1" in result.stderr
    assert "/bots/0/supportsFiles" in result.stderr
