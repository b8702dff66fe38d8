"""The tab's pinned Teams JavaScript library (the version e2e/package.json pins, byte for byte
the file that npm package ships), and the local tab answering only over loopback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from teams_bot.tabs.app import from_this_machine

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "teams_bot" / "tabs" / "static"
NPM = ROOT / "e2e" / "node_modules" / "@microsoft" / "teams-js"


def pinned() -> str:
    return str(
        json.loads((ROOT / "e2e" / "package.json").read_text())["dependencies"][
            "@microsoft/teams-js"
        ]
    )


def test_the_served_library_is_the_pinned_version_and_the_pages_load_it() -> None:
    version = pinned()
    assert (STATIC / f"MicrosoftTeams-{version}.min.js").is_file()
    assert (STATIC / f"MicrosoftTeams-{version}.LICENSE.txt").is_file()
    script = (STATIC / "tabs.js").read_text()
    assert f'"/tabs/static/MicrosoftTeams-{version}.min.js"' in script


@pytest.mark.browser
def test_the_served_library_is_the_npm_package_file() -> None:
    shipped = NPM / "dist" / "umd" / "MicrosoftTeams.min.js"
    assert shipped.is_file(), "run scripts/e2e-deps.sh"
    assert json.loads((NPM / "package.json").read_text())["version"] == pinned()
    assert (STATIC / f"MicrosoftTeams-{pinned()}.min.js").read_bytes() == shipped.read_bytes()


@pytest.mark.parametrize(
    ("remote", "local"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("192.168.1.20", False),
        ("10.0.0.5", False),
        ("2001:db8::1", False),
        ("", False),
        (None, False),
        ("not-an-address", False),
    ],
)
def test_without_an_app_id_the_tab_answers_only_over_loopback(
    remote: str | None, local: bool
) -> None:
    assert from_this_machine(remote) is local
