"""``drp-bot doctor``'s checks: each part a deployment needs, ok or a problem with what to do.

Every check reads; none writes (not even an empty SQLite file) and none sends a message. A part
that is not configured and is optional (SMTP, Graph) is ok with a note of what it means.
"""

from __future__ import annotations

import asyncio
import ssl
from dataclasses import dataclass
from pathlib import Path

from azure.core.exceptions import AzureError, ClientAuthenticationError
from azure.identity.aio import ClientSecretCredential

from drp.policy_check import Level, Staff, findings
from store import migrate
from store.engine import parse_url
from store.errors import StoreError
from store.store import Store
from teams_bot.delivery.mail import SmtpMailer
from teams_bot.graph.client import (
    INSTALL_FOR_USER,
    MEMBERS_READ,
    USERS_READ,
    GraphClient,
    GraphError,
)
from teams_bot.settings import DEFAULT_AUTHORITY, Settings
from teams_bot.turn import DeliveryError

BOT_SCOPE = "https://api.botframework.com/.default"
MULTI_TENANT_AUTHORITY = "botframework.com"  # where a multi-tenant bot's tokens come from
MAX_LISTED = 5


@dataclass(frozen=True, slots=True)
class Check:
    """One part: ok or not, what was found, and what to do about a problem."""

    name: str
    ok: bool
    found: str
    fix: str = ""
    checked: bool = True


def skipped(name: str, why: str) -> Check:
    """A part that could not be checked until another is fixed (not counted as a problem)."""
    return Check(name, False, f"not checked: {why}", checked=False)


def ok(name: str, found: str) -> Check:
    """A part that works."""
    return Check(name, True, found)


def problem(name: str, found: str, fix: str) -> Check:
    """A part that does not, and what to do."""
    return Check(name, False, found, fix)


async def run_checks(settings: Settings) -> list[Check]:
    """Every check after the configuration, in the order an operator would fix them."""
    checks = [await database(settings)]
    store = await _open(settings) if checks[0].ok else None
    try:
        if store is None:
            why = "the database is not ready"
            checks += [skipped(n, why) for n in ("policy and directory", "monitoring channel")]
        else:
            checks += [await staffed(settings, store), await monitoring(store)]
    finally:
        if store is not None:
            await store.close()
    checks += [await bot_token(settings), await graph(settings), await smtp(settings)]
    return checks


async def _open(settings: Settings) -> Store | None:
    try:
        return await Store.open(settings.database_url)
    except (StoreError, OSError):
        return None


async def database(settings: Settings) -> Check:
    """The database answers and its schema is the shipped head."""
    name = "database and migration"
    url = parse_url(settings.database_url)
    where = f"SQLite {url.database}" if url.get_backend_name() == "sqlite" else "PostgreSQL"
    missing = url.get_backend_name() == "sqlite" and not await asyncio.to_thread(
        Path(url.database or "").is_file
    )
    if missing:
        return problem(
            name,
            f"{where}: no database file yet",
            "run drp-bot db upgrade (or start drp-bot serve, which creates it)",
        )
    try:
        store = await Store.open(settings.database_url)
        try:
            revision = await store.current_revision()
        finally:
            await store.close()
    except (StoreError, OSError) as error:
        return problem(
            name,
            f"{where}: cannot connect ({type(error).__name__})",
            "check DRP_DATABASE_URL, that the server runs and the user may log in",
        )
    head = migrate.head()
    if revision != head:
        return problem(
            name,
            f"{where}: schema at {revision or 'none'}, this release needs {head}",
            "run drp-bot db upgrade (once, before starting the replicas)",
        )
    return ok(name, f"{where}: schema at {head} (this release's)")


async def staffed(settings: Settings, store: Store) -> Check:
    """Every role the policy routes to is held by someone in the directory
    (``policies check --directory``, against the directory the bot uses)."""
    name = "policy and directory"
    async with store.transaction(readonly=True) as tx:
        people = [p for p in await tx.directory.people() if p.active]
    if not people:
        return problem(
            name,
            f"policy {settings.policy.key}: the directory is empty",
            "drp-bot directory import people.csv, or drp-bot directory sync",
        )
    staff = Staff.of([(g.role, g.team or "") for g in p.roles] for p in people)
    found = [f.text for f in findings(settings.policy, staff) if f.level is Level.PROBLEM]
    if found:
        listed = "; ".join(found[:MAX_LISTED]) + (" ..." if len(found) > MAX_LISTED else "")
        return problem(
            name,
            f"policy {settings.policy.key}: {listed}",
            "give those roles to people in the directory (import or sync), or change "
            "the profile; drp-bot policies check FILE --directory people.csv",
        )
    return ok(name, f"policy {settings.policy.key}: every stage staffed by {len(people)} people")


async def monitoring(store: Store) -> Check:
    """The monitoring channel is set (failed deliveries and @mentions go there)."""
    name = "monitoring channel"
    async with store.transaction(readonly=True) as tx:
        channel = await tx.directory.monitoring_channel()
    if channel is None:
        return problem(
            name,
            "not set: failed deliveries and @mentions have nowhere to go",
            "add the app to the team, then type `@DRP monitor here` in the channel "
            "(a chairs' service manager)",
        )
    return ok(name, "set")


async def bot_token(settings: Settings) -> Check:
    """The bot's registration obtains a Bot Framework token."""
    name = "bot credentials"
    bot = settings.bot
    if bot.open:
        return ok(name, "MicrosoftAppId is not set: open, for the local Playground only")
    if bot.app_type == "UserAssignedMSI":
        return ok(name, "managed identity: a token can only be checked from inside Azure")
    tenant = bot.tenant_id if bot.app_type == "SingleTenant" else MULTI_TENANT_AUTHORITY
    authority, ca_file = _sign_in(settings)
    credential = ClientSecretCredential(
        tenant,
        bot.app_id,
        bot.app_password,
        authority=authority,
        connection_verify=str(ca_file) if ca_file else True,
    )
    try:
        await credential.get_token(BOT_SCOPE)
    except ClientAuthenticationError as error:
        first = str(error.message or error).splitlines()[0][:200]
        return problem(
            name,
            f"sign-in refused: {first}",
            "check MicrosoftAppId, MicrosoftAppTenantId and MicrosoftAppPassword "
            "(a new client secret in the app registration if it expired)",
        )
    except (AzureError, OSError, ssl.SSLError) as error:
        return problem(
            name,
            f"sign-in host unreachable ({type(error).__name__})",
            "check the network path to the sign-in host (proxy, firewall)",
        )
    finally:
        await credential.close()
    return ok(name, f"app {bot.app_id} obtains a Bot Framework token")


def _sign_in(settings: Settings) -> tuple[str, Path | None]:
    if settings.graph is None:
        return DEFAULT_AUTHORITY, None
    return settings.graph.authority, settings.graph.ca_file


async def graph(settings: Settings) -> Check:
    """The Graph app signs in and holds the permissions what is configured needs."""
    name = "Graph permissions"
    if settings.graph is None:
        return ok(
            name,
            "DRP_GRAPH_* not set: directory from CSV, people without the app "
            "@mentioned on the monitoring channel",
        )
    needed = {USERS_READ, MEMBERS_READ}
    if settings.graph.teams_app_id:
        needed.add(INSTALL_FOR_USER)
    client = GraphClient(settings.graph)
    try:
        granted = await client.granted()
    except GraphError as error:
        return problem(
            name,
            error.reason,
            "check DRP_GRAPH_TENANT_ID, DRP_GRAPH_CLIENT_ID and DRP_GRAPH_CLIENT_SECRET "
            "(a new client secret if it expired)",
        )
    finally:
        await client.close()
    missing = sorted(needed - granted)
    if missing:
        return problem(
            name,
            f"the app lacks {', '.join(missing)}",
            "grant those application permissions in the app registration and an "
            "administrator's consent",
        )
    bot_id = settings.bot.app_id
    if settings.graph.teams_app_id and bot_id and settings.graph.client_id != bot_id:
        return problem(
            name,
            "DRP_GRAPH_CLIENT_ID is not MicrosoftAppId: an app may install only itself (the "
            "manifest's webApplicationInfo names the bot)",
            "use the bot's app registration for Graph too, or unset DRP_TEAMS_APP_ID",
        )
    return ok(name, f"granted {', '.join(sorted(needed))}")


async def smtp(settings: Settings) -> Check:
    """The SMTP server accepts a connection (and the login), nothing sent."""
    name = "SMTP server"
    if settings.smtp is None:
        return ok(name, "DRP_SMTP_URL not set: no e-mail, mailbox copies not sent")
    try:
        await SmtpMailer(settings.smtp).check()
    except DeliveryError as error:
        return problem(
            name,
            f"{settings.smtp.describe()}: {error}",
            "check DRP_SMTP_URL, DRP_SMTP_PASSWORD and DRP_SMTP_STARTTLS, and that "
            "the server lets this host connect",
        )
    return ok(name, f"{settings.smtp.describe()} accepts the bot's connection")
