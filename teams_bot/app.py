"""Assemble the running bot: store, policy, clock, service, outbox delivery, router, web app."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from cards.verbs import KeyFactory, new_key
from drp.governance import RetentionPeriod
from drp.machine import Context
from store.errors import StoreError
from store.store import Store
from teams_bot.admission import Admission
from teams_bot.botframework import TokenKeys
from teams_bot.delivery import compliments, mailboxes
from teams_bot.delivery.engine import Deliverer, DeliveryPolicy
from teams_bot.delivery.mail import Mailer
from teams_bot.delivery.renderers import standard_senders
from teams_bot.delivery.senders import Installer
from teams_bot.delivery.throttle import Throttle
from teams_bot.deps import Deps
from teams_bot.edge import ServiceUrls
from teams_bot.files import Uploads
from teams_bot.handlers import build_router
from teams_bot.handlers.files import FileAnswers
from teams_bot.hosting import boundary
from teams_bot.http import make_app
from teams_bot.metrics import Metrics, store_observer
from teams_bot.rendering import Renderer
from teams_bot.respond import notices as partner_notices
from teams_bot.respond.app import PREFIX as RESPOND_PREFIX
from teams_bot.respond.app import make_respond
from teams_bot.respond.tokens import LinkKeys
from teams_bot.retention import daily_job
from teams_bot.router import Router
from teams_bot.scheduler import Scheduler, Timing
from teams_bot.settings import BotCredentials, BotHost
from teams_bot.tabs.app import PREFIX as TABS_PREFIX
from teams_bot.tabs.app import make_tabs
from teams_bot.tabs.sso import ENTRA_KEYS_URL, SsoCheck, tenants_for
from teams_bot.turn import Messenger

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The wall clock, used only here at the edge; everything below takes time as input."""
    return datetime.now(UTC)


@dataclass
class Bot:
    """The parts of a running bot, for the server and for tests that drive it."""

    store: Store
    deps: Deps
    deliverer: Deliverer
    router: Router
    web: web.Application
    scheduler: Scheduler
    metrics: Metrics


def build_bot(
    store: Store,
    ctx: Context,
    credentials: BotCredentials,
    *,
    clock: Clock = utc_now,
    keys: KeyFactory = new_key,
    messenger: Messenger | None = None,
    delivery: DeliveryPolicy | None = None,
    throttle: Throttle | None = None,
    timing: Timing | None = None,
    deliver_in_background: bool = True,
    service_urls: tuple[str, ...] = (),
    token_keys: TokenKeys | None = None,
    retention: RetentionPeriod | None = None,
    mailer: Mailer | None = None,
    installer: Installer | None = None,
    tab_domain: str | None = None,
    tab_keys_url: str = ENTRA_KEYS_URL,
    metrics: Metrics | None = None,
    public_url: str = "",
    bot_host: BotHost = BotHost.BOTBUILDER,
    agents_tokens: Any = None,
) -> Bot:
    """Wire the bot; tests pass their own clock, keys, delivery policy and throttle (pacing
    sleeps on the wall clock: a test driving its own clock passes ``Throttle.off()``), and may
    drive delivery and the scheduler themselves (``deliverer.run_once``, ``scheduler.tick``)
    instead of the background tasks. ``service_urls`` is DRP_ALLOWED_SERVICE_URLS; tests serve
    their own token-signing keys with ``token_keys``. Without a ``mailer`` (no DRP_SMTP_URL)
    the policy's mailbox copies are not owed at all. An ``installer`` installs the app for
    people Teams will not open a chat with (else they are @mentioned on the board).
    ``tab_domain`` (DRP_TAB_DOMAIN) turns on the tab's Teams SSO with an app id; tests serve
    Entra ID's keys at ``tab_keys_url``. ``public_url`` is the address e-mailed response links
    start with (``https://DRP_TAB_DOMAIN``, else the address served on). ``bot_host``
    (DRP_BOT_HOST) picks the SDK; on the agents host tests hand out the bot's own token with
    ``agents_tokens``."""
    if mailer is None:
        ctx = mailboxes.without_mailboxes(ctx)
    sdk = boundary(bot_host, credentials, token_keys, agents_tokens)
    sender = messenger or sdk.messenger
    renderer = Renderer(ctx, keys)
    metrics = metrics or Metrics()
    senders = standard_senders()
    compliments.register(senders)
    if mailer is not None:
        mailboxes.register(senders, mailer)
    partners = partner_notices.PartnerMail(
        mailer, LinkKeys.for_credentials(credentials), public_url
    )
    partner_notices.register(senders, partners)
    deliverer = Deliverer(
        store,
        sender,
        renderer,
        clock,
        delivery,
        throttle=throttle or Throttle(),
        senders=senders,
        installer=installer,
        outcomes=metrics.delivered,
    )
    deps = Deps(store, ctx, clock, renderer, deliverer.wake)
    uploads = Uploads(credentials.open, ServiceUrls(service_urls))
    tab_base = f"https://{tab_domain}" if tab_domain else ""
    router = build_router(deps, FileAnswers(deps, uploads, tab_base))
    erase = daily_job(store, retention, ctx)
    daily = (erase,) if erase is not None else ()
    scheduler = Scheduler(store, ctx, clock, timing, deliverer.wake, daily)

    async def health() -> bool:
        try:
            async with store.transaction(readonly=True) as tx:
                await tx.disputes.count()
        except (StoreError, OSError) as error:
            log.warning("health check: store unreachable (%s)", type(error).__name__)
            return False
        return True

    host = sdk.host(Admission(router))
    observe = store_observer(metrics, store, clock, ctx.calendar, lambda: scheduler.swept_until)
    app = make_app(host, credentials, health, ServiceUrls(service_urls), metrics, observe)
    app.add_subapp(
        TABS_PREFIX, make_tabs(deps, credentials, _sso(credentials, tab_domain, tab_keys_url))
    )
    app.add_subapp(RESPOND_PREFIX, make_respond(deps, partners))
    if sdk.close is not None:
        app.on_cleanup.append(_closing(sdk.close))
    if deliver_in_background:
        app.cleanup_ctx.append(_background(deliverer.run, "outbox-delivery"))
        app.cleanup_ctx.append(_background(scheduler.run, "deadline-scheduler"))
    return Bot(store, deps, deliverer, router, app, scheduler, metrics)


def _sso(credentials: BotCredentials, domain: str | None, keys_url: str) -> SsoCheck | None:
    """The tab's SSO check: with an app id and the tab's domain only."""
    if credentials.open or domain is None:
        return None
    tenants = tenants_for(credentials.allowed_tenants, credentials.app_type, credentials.tenant_id)
    return SsoCheck(credentials.app_id, domain, tenants, keys_url)


def _closing(close: Callable[[], Awaitable[None]]) -> Callable[[web.Application], Awaitable[None]]:
    async def on_cleanup(app: web.Application) -> None:
        await close()

    return on_cleanup


def _background(
    work: Callable[[], Coroutine[Any, Any, None]], name: str
) -> Callable[[web.Application], contextlib.AbstractAsyncContextManager[None]]:
    @contextlib.asynccontextmanager
    async def run(app: web.Application) -> AsyncIterator[None]:
        task = asyncio.create_task(work(), name=name)
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    return run
