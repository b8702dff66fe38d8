"""``drp-bot serve``: run the bot (``POST /api/messages``, ``GET /healthz``) and its delivery."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import logging
import signal
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from aiohttp import web

from drp.machine import Context
from store.demo import load_demo_directory
from store.errors import StoreError
from store.store import Store
from teams_bot.cli.errors import CliError
from teams_bot.delivery.mail import Mailer, SmtpMailer
from teams_bot.delivery.mailboxes import copies_not_sent
from teams_bot.http import AccessLog
from teams_bot.logs import configure_logging
from teams_bot.settings import Settings, SettingsError

if TYPE_CHECKING:
    from teams_bot.app import Bot
    from teams_bot.graph.client import GraphClient
    from teams_bot.graph.install import AppInstaller

log = logging.getLogger("drp-bot")

OPEN_WARNING = (
    "NO MicrosoftAppId IS SET: the bot accepts every request without authentication. "
    "This is for the local Agents Playground only; never expose it to a network."
)


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``serve``."""
    serve = commands.add_parser("serve", help="run the Teams bot")
    serve.add_argument("--host", help="address to listen on (default DRP_HOST)")
    serve.add_argument("--port", type=int, help="port to listen on (default DRP_PORT or 3978)")
    serve.add_argument(
        "--demo",
        action="store_true",
        help="load the demo directory into an empty directory (local use with the Playground)",
    )
    serve.set_defaults(handler=_serve)


def _serve(args: argparse.Namespace) -> int:
    try:
        settings = Settings.load()
    except SettingsError as error:
        raise CliError(str(error)) from None
    configure_logging(logging.INFO, settings.log_format)
    host = args.host or settings.host
    port = args.port or settings.port
    if not 1 <= port <= 65535:
        raise CliError(f"--port: {port} is not a port number (1-65535)")
    asyncio.run(_run(settings, host, port, demo=args.demo))
    return 0


async def _run(settings: Settings, host: str, port: int, *, demo: bool) -> None:
    from teams_bot.app import build_bot  # botbuilder loads only when serving
    from teams_bot.scheduler import Timing

    store = await _open_store(settings, demo=demo)
    graph = _graph_client(settings)
    installer = await _installer(settings, graph)
    ctx = Context(settings.policy, settings.calendar())
    timing = Timing(settings.digest_time, float(settings.scheduler_interval))
    bot = build_bot(
        store,
        ctx,
        settings.bot,
        timing=timing,
        service_urls=settings.allowed_service_urls,
        retention=settings.retention,
        mailer=_mailer(settings),
        installer=installer,
        tab_domain=settings.tab_domain,
        bot_host=settings.bot_host,
        public_url=f"https://{settings.tab_domain}"
        if settings.tab_domain
        else f"http://{host}:{port}",
    )
    if settings.bot.open:
        log.warning(OPEN_WARNING)
    log.info(retention_line(settings))
    if settings.smtp is None:
        await _partners_unreached(store)
    log.info(tab_line(settings, host, port))
    directory = _directory_sync(settings, bot, graph)
    runner = web.AppRunner(bot.web, access_log_class=AccessLog)
    await runner.setup()
    settle_heap()
    stop = _stop_on_signals()
    try:
        await web.TCPSite(runner, host, port).start()
        log.info(
            "drp-bot serving http://%s:%s/api/messages (policy %s, %s store, %s host)",
            host,
            port,
            settings.policy.key,
            store.backend,
            settings.bot_host,
        )
        await stop.wait()
        log.info("drp-bot stopping")
    finally:
        await directory.aclose()
        await runner.cleanup()
        await store.close()


def settle_heap() -> None:
    """Keep what start-up built out of the garbage collector's full passes.

    Start-up loads botbuilder, the Agents SDK's or Graph's generated models, SQLAlchemy and the
    policy: a few hundred thousand objects that live as long as the process. Python's full
    collection walks all of them; in ``bench/invoke_bench.py`` each took 60-90 ms (every 15-40
    s under load), and every request in flight waited that long: the p99 of a 25 ms card
    refresh was three to four times its median (issue 16). ``gc.freeze()`` moves them to a
    generation the collector never walks; what the bot allocates afterwards is still collected
    as before, so a full pass costs only what has been allocated since."""
    gc.collect()
    gc.freeze()


def tab_line(settings: Settings, host: str, port: int) -> str:
    """What ``serve`` says at start about the DRP tab and how people sign in to it."""
    if settings.bot.open:
        return f"the DRP tab: http://{host}:{port}/tabs/sign-in (local sign-in, no app id)"
    if settings.tab_domain is None:
        return "the DRP tab signs no one in: DRP_TAB_DOMAIN is not set (Teams SSO needs it)"
    audience = f"api://{settings.tab_domain}/{settings.bot.app_id}"
    return f"the DRP tab: https://{settings.tab_domain}/tabs/mine (Teams SSO for {audience})"


def retention_line(settings: Settings) -> str:
    """What ``serve`` says at start about retention (DRP_RETENTION)."""
    if settings.retention is None:
        return "retention: DRP_RETENTION is not set; no dispute's data is ever erased"
    return (
        f"retention: identifying data of disputes closed more than {settings.retention} ago "
        "is erased daily (DRP_RETENTION)"
    )


def _mailer(settings: Settings) -> Mailer | None:
    """The SMTP mailer, or None; says at start where mail goes, or which copies will not go."""
    if settings.smtp is None:
        unsent = copies_not_sent(settings.policy)
        if unsent:
            log.warning(unsent)
        return None
    log.info("e-mail goes through %s", settings.smtp.describe())
    return SmtpMailer(settings.smtp)


async def _partners_unreached(store: Store) -> None:
    """Say at start that e-mail-only partners (issue 18) get nothing without DRP_SMTP_URL."""
    async with store.transaction(readonly=True) as tx:
        partners = [p for p in await tx.directory.people() if p.by_email and p.active]
    if partners:
        log.warning(PARTNERS_UNREACHED, len(partners))


PARTNERS_UNREACHED = (
    "DRP_SMTP_URL is not set: %d e-mail-only people (directory channel 'email') will get no "
    "notices and no response links; each such message is given up and noted on the board"
)


class _Background:
    """The daily directory sync's task and Graph client, if DRP_DIRECTORY_SYNC is set."""

    def __init__(
        self,
        task: asyncio.Task[None] | None = None,
        close: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.task = task
        self.close = close

    async def aclose(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
        if self.close is not None:
            await self.close()


def _graph_client(settings: Settings) -> GraphClient | None:
    if settings.graph is None:
        return None
    from teams_bot.graph.client import GraphClient

    return GraphClient(settings.graph)


async def _installer(settings: Settings, graph: GraphClient | None) -> AppInstaller | None:
    from teams_bot.graph.install import start_installer

    return await start_installer(graph, settings.graph)


def _directory_sync(settings: Settings, bot: Bot, graph: GraphClient | None) -> _Background:
    close = graph.close if graph is not None else None
    if settings.directory_sync is None or graph is None or settings.mapping is None:
        return _Background(close=close)
    from teams_bot.app import utc_now
    from teams_bot.graph.schedule import SyncSchedule
    from teams_bot.graph.sync import DirectorySync
    from teams_bot.leavers import Leavers

    leavers = Leavers(bot.store, bot.deps.ctx, utc_now, bot.deps.wake)
    sync = DirectorySync(bot.store, graph, settings.mapping, leavers, utc_now)
    schedule = SyncSchedule(bot.store, sync, settings.directory_sync, utc_now)
    log.info("directory sync from Entra ID daily at %s", settings.directory_sync.strftime("%H:%M"))
    return _Background(asyncio.create_task(schedule.run(), name="directory-sync"), close)


def _stop_on_signals() -> asyncio.Event:
    """Ctrl-C or SIGTERM stops serving cleanly: delivery cancelled, store closed."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):  # no signal handlers on Windows
            loop.add_signal_handler(signum, stop.set)
    return stop


async def _open_store(settings: Settings, *, demo: bool) -> Store:
    try:
        if settings.database_url.startswith("sqlite"):
            settings.ensure_data_dir()
        store = await Store.open(settings.database_url)
        if store.backend == "sqlite":
            await store.upgrade()  # the embedded default upgrades itself
        elif await store.current_revision() is None:
            raise CliError("the PostgreSQL schema is missing: run drp-bot db upgrade first")
        if demo:
            added = await load_demo_directory(store)
            log.info("demo directory: %s people loaded", added)
        return store
    except StoreError as error:
        raise CliError(f"DRP_DATABASE_URL: {error}") from None
