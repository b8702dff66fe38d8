"""Fixtures for end-to-end tests: tools installed once, echo bot, drp-bot, Playground, chromium.

Before the first e2e/browser test runs, ``scripts/e2e-deps.sh`` installs what is missing (outside
any test's timeout). A tool that is still missing FAILS the test when ``CI=true`` and skips it
elsewhere with the reason; deselect locally with ``-m "not e2e and not browser"``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import AsyncIterator, Generator
from pathlib import Path

import pytest

from tests.e2e.drp_support import RunningDrpBot, serve_drp_bot
from tests.support.echo_bot import RunningEchoBot, serve_echo_bot
from tests.support.playground import (
    CHROMIUM,
    DEFAULT_CONFIG,
    PLAYGROUND_CLI,
    REPO_ROOT,
    TEST_OUTPUT,
    Browser,
    Playground,
    PlaygroundConfig,
    StartPlayground,
)

DEPS_SCRIPT = REPO_ROOT / "scripts" / "e2e-deps.sh"
_DEPS_PROBLEM = pytest.StashKey[str]()
_REPORTS = pytest.StashKey[dict[str, pytest.TestReport]]()


def _needs_tools(item: pytest.Item) -> bool:
    return any(item.get_closest_marker(m) for m in ("e2e", "browser"))


def pytest_collection_finish(session: pytest.Session) -> None:
    """Install e2e tools once, before any test and its timeout, if a selected test needs them."""
    config = session.config
    if config.option.collectonly or _DEPS_PROBLEM in config.stash:
        return
    if not any(_needs_tools(i) for i in session.items):
        return
    try:
        run = subprocess.run(
            ["bash", str(DEPS_SCRIPT)], capture_output=True, text=True, timeout=900, check=False
        )
        tail = "\n".join(run.stderr.strip().splitlines()[-3:])  # the script's verdict is last
        config.stash[_DEPS_PROBLEM] = "" if run.returncode == 0 else tail
    except (OSError, subprocess.TimeoutExpired) as exc:
        config.stash[_DEPS_PROBLEM] = f"{DEPS_SCRIPT} did not finish: {exc}"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Keep each phase's report on the item so fixtures can tell a failed test at teardown."""
    report = yield
    item.stash.setdefault(_REPORTS, {})[report.when] = report
    return report


def _failed(request: pytest.FixtureRequest) -> bool:
    reports = request.node.stash.get(_REPORTS, {})
    return any(r.failed for r in reports.values())


def missing_tool(reason: str) -> None:
    """Fail (CI) or skip (locally) a test whose tool is missing, saying what to do."""
    message = (
        f"{reason}\nInstall with scripts/e2e-deps.sh, or deselect: -m 'not e2e and not browser'"
    )
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def e2e_tools(pytestconfig: pytest.Config) -> None:
    """Node and the pinned Playground are installed."""
    problem = pytestconfig.stash.get(_DEPS_PROBLEM, "")
    if problem:
        missing_tool(f"e2e tools missing: {problem}")
    if shutil.which("node") is None or not PLAYGROUND_CLI.is_file():
        missing_tool(f"e2e tools missing: node or {PLAYGROUND_CLI}")


@pytest.fixture(scope="session")
def browser_tools(e2e_tools: None) -> None:
    """Also Debian chromium and the Python playwright package."""
    if not CHROMIUM.exists():
        missing_tool(f"browser missing: {CHROMIUM} (Debian package chromium)")
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        missing_tool("python package playwright missing (pip install -e '.[dev]')")


def _safe_name(request: pytest.FixtureRequest) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid.split("::", 1)[-1])


@pytest.fixture
async def echo_bot() -> AsyncIterator[RunningEchoBot]:
    """The echo bot on a free loopback port."""
    async with serve_echo_bot() as running:
        yield running


@pytest.fixture
async def start_playground(
    e2e_tools: None, request: pytest.FixtureRequest
) -> AsyncIterator[StartPlayground]:
    """``await start_playground(endpoint, config)``: a Playground stopped after the test.

    Its logs go to ``test-output/playground/<test>/`` when the test failed.
    """
    started: list[Playground] = []

    async def start(
        bot_endpoint: str, config: PlaygroundConfig = DEFAULT_CONFIG, name: str = ""
    ) -> Playground:
        label = name or f"{_safe_name(request)}-{len(started)}"
        playground = Playground(bot_endpoint, config, name=label)
        started.append(playground)
        await playground.start()
        return playground

    yield start
    for playground in reversed(started):
        await playground.stop(save_logs=_failed(request))


@pytest.fixture
async def drp_bot(tmp_path: Path) -> AsyncIterator[RunningDrpBot]:
    """drp-bot on a free port over a fresh SQLite file with the demo directory."""
    async with serve_drp_bot(tmp_path / "drp.sqlite3") as running:
        yield running


@pytest.fixture
async def echo_playground(
    echo_bot: RunningEchoBot, start_playground: StartPlayground
) -> Playground:
    """The Playground in front of the echo bot, with the default mock tenant."""
    return await start_playground(echo_bot.endpoint)


@pytest.fixture
async def browser(browser_tools: None, request: pytest.FixtureRequest) -> AsyncIterator[Browser]:
    """Headless chromium; screenshots under ``test-output/e2e/<test>/``."""
    async with Browser(TEST_OUTPUT / "e2e" / _safe_name(request)) as running:
        yield running
