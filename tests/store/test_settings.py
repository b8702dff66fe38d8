"""Settings: defaults, every DRP_* variable validated, errors naming the variable, .env files."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

from drp.calendar import Nation
from teams_bot.settings import Settings, SettingsError, read_env_file


def test_the_defaults_are_an_sqlite_file_in_the_data_dir_and_nottingham() -> None:
    settings = Settings.from_env({})
    assert settings.data_dir == Path("data").absolute()
    assert settings.database_url == f"sqlite+aiosqlite:///{Path('data').absolute()}/drp.sqlite3"
    assert settings.policy.key == "nottingham"
    assert (settings.nation, settings.closure_days) == (Nation.ENG, ())


def test_every_setting_is_read(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "DRP_DATA_DIR": str(tmp_path / "state"),
            "DRP_DATABASE_URL": "postgres://drp:secret@db.internal/drp",
            "DRP_POLICY": "newham",
            "DRP_NATION": "wls",
            "DRP_CLOSURE_DAYS": "2026-12-31, 2026-12-24,",
            "DRP_ALLOWED_SERVICE_URLS": "https://smba.trafficmanager.net/uk/, http://127.0.0.1:9/",
            "DRP_TEST_POSTGRES_URL": "ignored by the bot",
            "HOME": "not ours",
        }
    )
    assert settings.data_dir == tmp_path / "state"
    assert settings.database_url == "postgresql+asyncpg://drp:secret@db.internal/drp"
    assert "secret" not in repr(settings)
    assert (settings.policy.key, settings.nation) == ("newham", Nation.WLS)
    assert settings.closure_days == (date(2026, 12, 24), date(2026, 12, 31))
    assert not settings.calendar().is_working_day(date(2026, 12, 24))
    assert settings.allowed_service_urls == (
        "https://smba.trafficmanager.net/uk/",
        "http://127.0.0.1:9/",
    )


@pytest.mark.parametrize(
    ("variable", "value", "reason"),
    [
        ("DRP_DATABASE_URL", "mysql://db/drp", "driver 'mysql' is not supported"),
        ("DRP_DATABASE_URL", "sqlite+aiosqlite://", "give an SQLite file path"),
        ("DRP_DATABASE_URL", "not a url", "is not a database URL"),
        ("DRP_POLICY", "atlantis", "no such profile or file"),
        ("DRP_NATION", "FRA", "'FRA' is not one of ENG, WLS, SCT, NIR"),
        ("DRP_CLOSURE_DAYS", "2026-12-24,Christmas Eve", "'Christmas Eve' is not an ISO date"),
        ("DRP_DATABSE_URL", "sqlite:///x", "unknown setting (known: DRP_DATA_DIR"),
        ("DRP_ALLOWED_SERVICE_URLS", "file:///etc/passwd", "is not an http(s) URL prefix"),
        ("DRP_ALLOWED_SERVICE_URLS", "smba.trafficmanager.net", "is not an http(s) URL prefix"),
    ],
)
def test_a_bad_value_names_its_variable(variable: str, value: str, reason: str) -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({variable: value})
    assert caught.value.variable == variable
    assert reason in caught.value.reason


def test_a_data_dir_that_is_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(SettingsError, match=r"DRP_DATA_DIR: .* is not a directory"):
        Settings.from_env({"DRP_DATA_DIR": str(tmp_path / "file")})


def test_ensure_data_dir_creates_it(tmp_path: Path) -> None:
    settings = Settings.from_env({"DRP_DATA_DIR": str(tmp_path / "a" / "b")})
    assert settings.ensure_data_dir().is_dir()


def test_an_env_file_is_read_and_the_environment_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = tmp_path / ".env"
    env.write_text(
        "# local settings\n\n"
        "export DRP_POLICY=calderdale\n"
        'DRP_NATION="SCT"\n'
        "DRP_CLOSURE_DAYS=2026-12-24 # Christmas Eve\n"
        "DRP_DATA_DIR='from file'\n",
        encoding="utf-8",
    )
    assert read_env_file(env) == {
        "DRP_POLICY": "calderdale",
        "DRP_NATION": "SCT",
        "DRP_CLOSURE_DAYS": "2026-12-24",
        "DRP_DATA_DIR": "from file",
    }
    for name in [n for n in os.environ if n.startswith("DRP_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("DRP_NATION", "NIR")
    settings = Settings.load(env)
    assert (settings.policy.key, settings.nation) == ("calderdale", Nation.NIR)


def test_a_malformed_env_file_line_is_named(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("DRP_POLICY=newham\nthis is not a setting\n", encoding="utf-8")
    with pytest.raises(SettingsError) as caught:
        read_env_file(env)
    assert (caught.value.variable, caught.value.reason) == (f"{env}:2", "expected KEY=VALUE")
