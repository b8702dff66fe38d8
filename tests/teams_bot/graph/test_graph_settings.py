"""DRP_GRAPH_* settings and DRP_DIRECTORY_SYNC: checked together, errors naming the variable."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from teams_bot.settings import Settings, SettingsError

TENANT = "0b7c9a3e-1d2f-4e5a-8b6c-7d8e9f0a1b2c"
CLIENT = "5f4e3d2c-1b0a-4987-8654-3210fedcba98"
MAPPING = """
[[groups]]
id = "11111111-1111-4111-8111-111111111111"
roles = ["chair"]
"""


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    mapping = tmp_path / "mapping.toml"
    mapping.write_text(MAPPING)
    return {
        "DRP_GRAPH_TENANT_ID": TENANT,
        "DRP_GRAPH_CLIENT_ID": CLIENT,
        "DRP_GRAPH_CLIENT_SECRET": "s3cret-value",
        "DRP_GRAPH_MAPPING": str(mapping),
        **extra,
    }


def test_graph_settings_default_to_the_global_cloud_and_keep_the_secret_out_of_repr(
    tmp_path: Path,
) -> None:
    settings = Settings.from_env(_env(tmp_path, DRP_DIRECTORY_SYNC="02:30"))
    assert settings.graph is not None
    assert settings.mapping is not None
    assert settings.graph.url == "https://graph.microsoft.com/v1.0"
    assert settings.graph.authority == "https://login.microsoftonline.com"
    assert settings.directory_sync == time(2, 30)
    assert "s3cret-value" not in repr(settings)
    assert Settings.from_env({}).graph is None
    assert Settings.from_env({}).directory_sync is None


def test_a_national_cloud_and_a_ca_bundle_can_be_set(tmp_path: Path) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n")
    settings = Settings.from_env(
        _env(
            tmp_path,
            DRP_GRAPH_URL="https://graph.microsoft.us/v1.0/",
            DRP_GRAPH_AUTHORITY="https://login.microsoftonline.us",
            DRP_GRAPH_CA_FILE=str(ca),
        )
    )
    assert settings.graph is not None
    assert settings.graph.url == "https://graph.microsoft.us/v1.0"
    assert settings.graph.ca_file == ca


@pytest.mark.parametrize(
    ("changes", "variable", "reason"),
    [
        ({"DRP_GRAPH_TENANT_ID": "contoso"}, "DRP_GRAPH_TENANT_ID", "must be a GUID"),
        ({"DRP_GRAPH_CLIENT_ID": ""}, "DRP_GRAPH_CLIENT_ID", "must be a GUID"),
        ({"DRP_GRAPH_CLIENT_SECRET": ""}, "DRP_GRAPH_CLIENT_SECRET", "is required"),
        ({"DRP_GRAPH_URL": "http://graph.example/v1.0"}, "DRP_GRAPH_URL", "not an https://"),
        ({"DRP_GRAPH_AUTHORITY": "login"}, "DRP_GRAPH_AUTHORITY", "not an https://"),
        ({"DRP_GRAPH_CA_FILE": "/nowhere.pem"}, "DRP_GRAPH_CA_FILE", "is not a file"),
        ({"DRP_GRAPH_MAPPING": "/nowhere.toml"}, "DRP_GRAPH_MAPPING", "cannot read"),
        ({"DRP_DIRECTORY_SYNC": "daily"}, "DRP_DIRECTORY_SYNC", "not a time of day"),
    ],
)
def test_a_bad_graph_setting_names_its_variable(
    tmp_path: Path, changes: dict[str, str], variable: str, reason: str
) -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({**_env(tmp_path), **changes})
    assert caught.value.variable == variable
    assert reason in caught.value.reason


def test_a_bad_mapping_file_is_named_with_its_field(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[[groups]]\nid = "nope"\nroles = ["chair"]\n')
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({**_env(tmp_path), "DRP_GRAPH_MAPPING": str(bad)})
    assert caught.value.variable == "DRP_GRAPH_MAPPING"
    assert f"{bad}: groups[0].id: 'nope' is not a group's object id" in caught.value.reason


@pytest.mark.parametrize(
    ("dropped", "reason"),
    [("DRP_GRAPH_MAPPING", "needs DRP_GRAPH_MAPPING"), ("all", "needs DRP_GRAPH_TENANT_ID")],
)
def test_a_scheduled_sync_needs_credentials_and_a_mapping(
    tmp_path: Path, dropped: str, reason: str
) -> None:
    env = _env(tmp_path, DRP_DIRECTORY_SYNC="02:30")
    for name in list(env):
        if dropped in (name, "all") and name != "DRP_DIRECTORY_SYNC":
            del env[name]
    with pytest.raises(SettingsError) as caught:
        Settings.from_env(env)
    assert caught.value.variable == "DRP_DIRECTORY_SYNC"
    assert reason in caught.value.reason
