"""Settings: defaults, every DRP_* variable validated, errors naming the variable, .env files."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

from drp.calendar import Nation
from teams_bot import settings_bot
from teams_bot.settings import BotHost, Settings, SettingsError, read_env_file
from teams_bot.settings_bot import agents_missing


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
            "DRP_TAB_DOMAIN": "DRP.Example.gov.uk",
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
    assert settings.tab_domain == "drp.example.gov.uk"


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
        ("DRP_TAB_DOMAIN", "https://drp.example.gov.uk/", "must be a host name"),
        ("DRP_TAB_DOMAIN", "drp..example", "must be a host name"),
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


FROM = {"DRP_SMTP_FROM": "DRP bot <drp-bot@council.example>"}


def test_no_smtp_url_means_no_mail() -> None:
    assert Settings.from_env({}).smtp is None


@pytest.mark.parametrize(
    ("env", "server"),
    [
        (
            {"DRP_SMTP_URL": "smtp://relay.council.example"},
            ("relay.council.example", 25, False, None, "", ""),
        ),
        (
            {"DRP_SMTP_URL": "smtp://relay.council.example:587", "DRP_SMTP_STARTTLS": "true"},
            ("relay.council.example", 587, False, True, "", ""),
        ),
        (
            {"DRP_SMTP_URL": "smtp://relay.council.example", "DRP_SMTP_STARTTLS": "false"},
            ("relay.council.example", 25, False, False, "", ""),
        ),
        (
            {
                "DRP_SMTP_URL": "smtps://drp%40council@mail.council.example",
                "DRP_SMTP_PASSWORD": "pw",
            },
            ("mail.council.example", 465, True, None, "drp@council", "pw"),
        ),
        (
            {"DRP_SMTP_URL": "smtp://drp:p%3Ass@mail.council.example:587"},
            ("mail.council.example", 587, False, True, "drp", "p:ss"),
        ),
    ],
)
def test_the_smtp_url_gives_host_port_tls_and_login(
    env: dict[str, str], server: tuple[object, ...]
) -> None:
    smtp = Settings.from_env({**env, **FROM}).smtp
    assert smtp is not None
    got = (smtp.host, smtp.port, smtp.implicit_tls, smtp.starttls, smtp.username, smtp.password)
    assert got == server
    assert smtp.sender == FROM["DRP_SMTP_FROM"]
    if smtp.password:
        assert smtp.password not in repr(smtp) + smtp.describe()


@pytest.mark.parametrize(
    ("env", "variable", "reason"),
    [
        ({"DRP_SMTP_URL": "http://mail"}, "DRP_SMTP_URL", "must start smtp:// or smtps://"),
        ({"DRP_SMTP_URL": "smtp://"}, "DRP_SMTP_URL", "names no host"),
        ({"DRP_SMTP_URL": "smtp://mail:99999"}, "DRP_SMTP_URL", "not a URL"),
        ({"DRP_SMTP_URL": "smtp://mail/inbox"}, "DRP_SMTP_URL", "only a user, a host and a port"),
        ({"DRP_SMTP_URL": "smtp://drp@mail"}, "DRP_SMTP_PASSWORD", "needs both a user"),
        (
            {"DRP_SMTP_URL": "smtp://mail", "DRP_SMTP_PASSWORD": "pw"},
            "DRP_SMTP_URL",
            "needs both a user",
        ),
        (
            {"DRP_SMTP_URL": "smtp://drp:pw@mail", "DRP_SMTP_STARTTLS": "false"},
            "DRP_SMTP_STARTTLS",
            "password unencrypted",
        ),
        (
            {"DRP_SMTP_URL": "smtps://mail", "DRP_SMTP_STARTTLS": "true"},
            "DRP_SMTP_STARTTLS",
            "encrypted from the start",
        ),
        (
            {"DRP_SMTP_URL": "smtp://mail", "DRP_SMTP_STARTTLS": "yes"},
            "DRP_SMTP_STARTTLS",
            "true or false",
        ),
        ({"DRP_SMTP_PASSWORD": "pw"}, "DRP_SMTP_PASSWORD", "DRP_SMTP_URL is not"),
    ],
)
def test_a_bad_smtp_setting_is_named(env: dict[str, str], variable: str, reason: str) -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({**FROM, **env} if "DRP_SMTP_URL" in env else env)
    assert caught.value.variable == variable
    assert reason in caught.value.reason


@pytest.mark.parametrize("sender", ["", "not an address", "drp-bot@", "<@council.example>"])
def test_mail_needs_a_from_address(sender: str) -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({"DRP_SMTP_URL": "smtp://mail", "DRP_SMTP_FROM": sender})
    assert caught.value.variable == "DRP_SMTP_FROM"


@pytest.mark.parametrize(
    ("env", "said"),
    [
        ({}, "the DRP tab: http://127.0.0.1:3978/tabs/sign-in (local sign-in, no app id)"),
        (
            {
                "MicrosoftAppId": "6f1c2a3b-4d5e-4f60-8a9b-0c1d2e3f4a5b",
                "MicrosoftAppPassword": "x",
            },
            "the DRP tab signs no one in: DRP_TAB_DOMAIN is not set",
        ),
        (
            {
                "MicrosoftAppId": "6f1c2a3b-4d5e-4f60-8a9b-0c1d2e3f4a5b",
                "MicrosoftAppPassword": "x",
                "DRP_TAB_DOMAIN": "drp.example.gov.uk",
            },
            "(Teams SSO for api://drp.example.gov.uk/6f1c2a3b-4d5e-4f60-8a9b-0c1d2e3f4a5b)",
        ),
    ],
)
def test_serve_says_how_the_tab_signs_people_in(env: dict[str, str], said: str) -> None:
    from teams_bot.cli.serve import tab_line

    assert said in tab_line(Settings.from_env(env), "127.0.0.1", 3978)


def test_the_bot_host_is_botbuilder_unless_agents_is_chosen() -> None:
    assert Settings.from_env({}).bot_host is BotHost.BOTBUILDER
    assert Settings.from_env({"DRP_BOT_HOST": " BotBuilder "}).bot_host is BotHost.BOTBUILDER
    if agents_missing() is None:  # Python 3.12+ with the SDK installed, as pyproject declares
        assert Settings.from_env({"DRP_BOT_HOST": "agents"}).bot_host is BotHost.AGENTS


def test_an_unknown_bot_host_names_the_variable() -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({"DRP_BOT_HOST": "teams-ai"})
    assert caught.value.variable == "DRP_BOT_HOST"
    assert caught.value.reason == "'teams-ai' must be botbuilder or agents"


def test_the_agents_host_on_python_3_11_says_why_and_how() -> None:
    reason = agents_missing((3, 11, 7), installed=lambda module: True)
    assert reason is not None
    assert "agents needs Python 3.12 or later (this is 3.11.7)" in reason
    assert "unset DRP_BOT_HOST for botbuilder" in reason


def test_the_agents_host_without_the_sdk_names_the_packages_to_install() -> None:
    absent = {"microsoft_agents.hosting.aiohttp", "microsoft_agents.authentication.msal"}
    reason = agents_missing((3, 12, 1), installed=lambda module: module not in absent)
    assert reason is not None
    assert (
        "pip install microsoft-agents-hosting-aiohttp microsoft-agents-authentication-msal"
    ) in reason
    assert agents_missing((3, 12, 1), installed=lambda module: True) is None


def test_the_agents_host_without_the_sdk_is_a_start_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings_bot, "_installed", lambda module: False)
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({"DRP_BOT_HOST": "agents"})
    assert caught.value.variable == "DRP_BOT_HOST"
    assert caught.value.reason == agents_missing()  # on 3.11: the Python; on 3.12+: the SDK
    assert caught.value.reason.startswith("agents needs ")


def test_the_agents_host_refuses_a_managed_identity_registration() -> None:
    if agents_missing() is not None:
        pytest.skip("the agents host cannot run on this Python")  # named by the test above
    env = {
        "DRP_BOT_HOST": "agents",
        "MicrosoftAppId": "00000000-0000-0000-0000-0000000000b0",
        "MicrosoftAppType": "UserAssignedMSI",
    }
    with pytest.raises(SettingsError) as caught:
        Settings.from_env(env)
    assert caught.value.variable == "DRP_BOT_HOST"
    assert "UserAssignedMSI runs on botbuilder only" in caught.value.reason
    assert Settings.from_env({**env, "DRP_BOT_HOST": "botbuilder"}).bot.app_type == (
        "UserAssignedMSI"
    )
