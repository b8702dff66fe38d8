"""The bot hosts every bot test runs on: ``HOSTS``, the ``bot_host`` fixture's parameters.

Every test in a module that starts the bot over HTTP (one that imports a bot builder:
``BUILDERS``) runs once per host, as ``bot_host[botbuilder]`` and ``bot_host[agents]`` (the root
conftest's ``pytest_generate_tests``); a test about one SDK's internals says so with
``@pytest.mark.one_host`` and runs on DRP_BOT_HOST's. The builders read ``current()``.
Outside such a test (a helper, a ``drp-bot serve`` subprocess) the host is DRP_BOT_HOST's,
botbuilder when unset, so ``DRP_BOT_HOST=agents make test`` runs the rest on the agents host.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

from teams_bot.botframework import TokenKeys
from teams_bot.edge import Host
from teams_bot.hosting import boundary
from teams_bot.settings import BotCredentials, BotHost
from teams_bot.settings_bot import AGENTS_PYTHON
from teams_bot.turn import Dispatcher
from tests.support.ports import free_port

# The Agents SDK needs Python 3.12+: on 3.11 (still supported, botbuilder only) one host.
HOSTS = tuple(BotHost) if sys.version_info >= AGENTS_PYTHON else (BotHost.BOTBUILDER,)
_chosen: list[BotHost] = []  # the running test's host, set by the bot_host fixture
# What a test module imports to start the bot: a builder, or anything from a scene module.
BUILDERS = frozenset({"bot_under_test", "build_bot", "running_bot", "edge_host"})
SCENES = frozenset(
    {"bot_harness", "scheduler_scene", "tab_scene", "partners_scene", "fuzz_target", "drp_support"}
)


def starts_bot(module: ModuleType | None) -> bool:
    """True when a test module imports a bot builder or something from a scene built on one."""
    names = vars(module) if module is not None else {}
    return any(name in BUILDERS for name in names) or any(
        _scene_of(value) in SCENES for value in names.values()
    )


def _scene_of(value: object) -> str:
    if isinstance(value, ModuleType):
        return value.__name__.rsplit(".", 1)[-1]
    module = getattr(value, "__module__", None)
    return module.rsplit(".", 1)[-1] if isinstance(module, str) else ""


def default() -> BotHost:
    """DRP_BOT_HOST's host, or botbuilder."""
    return BotHost(os.environ.get("DRP_BOT_HOST", "").strip().lower() or BotHost.BOTBUILDER)


def current() -> BotHost:
    """The running test's host (its ``bot_host`` parameter), else the default."""
    return _chosen[-1] if _chosen else default()


def choose(host: BotHost) -> None:
    """Run the bots built from now on on ``host`` (the fixture undoes it with ``release``)."""
    _chosen.append(host)


def release() -> None:
    """Back to the host chosen before."""
    _chosen.pop()


def serve_env(**settings: str) -> dict[str, str]:
    """The environment of a ``drp-bot serve`` subprocess: this process's without any DRP_* or
    Microsoft* variable, the current host's DRP_BOT_HOST, and ``settings``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DRP_", "Microsoft"))}
    return env | {"DRP_BOT_HOST": current().value} | settings


async def serve_banner(env: dict[str, str], cwd: Path) -> str:
    """What ``drp-bot serve`` writes to stderr up to its "drp-bot serving" line; the process is
    stopped once that line is read (or it stops first, which fails the test)."""
    command = [str(Path(sys.executable).parent / "drp-bot"), "serve", "--port", str(free_port())]
    process = await asyncio.create_subprocess_exec(
        *command, env=env, cwd=cwd, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL
    )
    lines: list[str] = []
    try:
        assert process.stderr is not None
        while not any("drp-bot serving" in line for line in lines):
            line = await asyncio.wait_for(process.stderr.readline(), 60)
            assert line, "serve stopped: " + "".join(lines)
            lines.append(line.decode())
    finally:
        if process.returncode is None:
            process.terminate()
        await process.wait()
    return "".join(lines)


def edge_host(
    dispatcher: Dispatcher,
    credentials: BotCredentials,
    token_keys: TokenKeys | None = None,
    agents_tokens: object = None,
) -> Host:
    """The ``/api/messages`` host on the current host's SDK around a test's dispatcher (tests of
    the edge itself); ``agents_tokens`` hands out the bot's own token on the agents host."""
    return boundary(current(), credentials, token_keys, agents_tokens).host(dispatcher)
