"""Directory sync benchmark: a council tenant in the loopback Graph (HTTPS, real msgraph-sdk and
azure-identity clients), synced into an SQLite (or PostgreSQL) store.

Measured in one run:
- the full sync (first run): users/s and Graph requests made;
- the next day's delta with a few dozen changes (joiners, leavers, a promotion): time and
  requests, against the full sync (the ratio is what delta queries save);
- baseline for reading Graph: the SDK's typed models (``client.users.delta.get()``) against the
  raw JSON the sync reads through the same SDK adapter, over the same pages of users.

    python bench/graph_sync_bench.py                      # 3,000 DRP staff in a 6,000 tenant
    python bench/graph_sync_bench.py --users 5000 --page-size 200
    python bench/graph_sync_bench.py --database-url postgresql+asyncpg://127.0.0.1/bench
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from drp.calendar import WorkingDayCalendar
from drp.machine import Context
from drp.policy import load_policy
from store import Store
from teams_bot.graph.client import GraphClient
from teams_bot.graph.mapping import parse_mapping
from teams_bot.graph.sync import DirectorySync, SyncReport
from teams_bot.leavers import Leavers
from tests.support.graph import LoopbackGraph
from tests.support.graph_tenant import group_id, large_tenant, register

NOW = datetime(2026, 12, 1, 2, 30, tzinfo=UTC)


async def _sync(store: Store, client: GraphClient, mapping: str) -> tuple[SyncReport, float]:
    ctx = Context(load_policy("nottingham"), WorkingDayCalendar())
    sync = DirectorySync(
        store,
        client,
        parse_mapping(mapping, "bench"),
        Leavers(store, ctx, lambda: NOW),
        lambda: NOW,
    )
    started = time.perf_counter()
    report = await sync.run()
    return report, time.perf_counter() - started


def _changes(graph: LoopbackGraph, teams: int, count: int) -> None:
    """A day's changes: a third joiners, a third leavers, a third promotions."""
    users = sorted(graph.directory.users.values(), key=lambda u: u.mail or "")
    members = [u for u in users if any(u.id in g.members for g in graph.directory.groups.values())]
    outsiders = [u for u in users if u not in members]
    for n in range(count // 3):
        graph.directory.add_member(group_id("team", str(n % teams)), outsiders[n].id)
        graph.directory.delete_user(members[n].id)
        graph.directory.put_user(replace(members[-1 - n], job_title="Team Manager"))


async def _read_rates(client: GraphClient, pages: int) -> tuple[float, float, int]:
    """Users/s through the SDK's typed models and through raw JSON, over the same pages."""
    fields = ["id", "displayName", "mail", "userPrincipalName", "accountEnabled", "jobTitle"]
    started, users, link = time.perf_counter(), 0, None
    for _ in range(pages):
        page = await client.users_delta(link, fields)
        users += len(page.items)
        link = page.next_link
    raw = users / (time.perf_counter() - started)
    from kiota_abstractions.base_request_configuration import RequestConfiguration
    from msgraph.generated.users.delta.delta_request_builder import DeltaRequestBuilder

    query = DeltaRequestBuilder.DeltaRequestBuilderGetQueryParameters(select=fields)
    started, typed_users = time.perf_counter(), 0
    response = await client.sdk.users.delta.get(RequestConfiguration(query_parameters=query))
    for n in range(pages):
        typed_users += len(response.value or []) if response else 0
        if response is None or not response.odata_next_link or n == pages - 1:
            break
        response = await client.sdk.users.delta.with_url(response.odata_next_link).get()
    typed = typed_users / (time.perf_counter() - started)
    return raw, typed, users


async def main(args: argparse.Namespace) -> None:
    directory = Path(tempfile.mkdtemp(prefix="graph-bench-"))
    url = args.database_url or f"sqlite+aiosqlite:///{directory / 'drp.sqlite3'}"
    async with LoopbackGraph(directory / "tls", page_size=args.page_size) as graph:
        tenant = large_tenant(graph, users=args.users, teams=args.teams)
        client = GraphClient(register(graph))
        store = await Store.open(url)
        await store.upgrade()
        try:
            calls = graph.count()
            full, full_s = await _sync(store, client, tenant.mapping)
            full_calls = graph.count() - calls
            _changes(graph, args.teams, args.changes)
            calls = graph.count()
            delta, delta_s = await _sync(store, client, tenant.mapping)
            delta_calls = graph.count() - calls
            raw, typed, sampled = await _read_rates(client, args.sample_pages)
        finally:
            await client.close()
            await store.close()
    print(
        f"tenant: {args.users * 2} accounts, {args.users} in {args.teams + 2} mapped groups, "
        f"pages of {args.page_size}, {store.backend}"
    )
    print(
        f"full sync:  {full.users_read} users read, {full.added} added in {full_s:.2f} s = "
        f"{full.users_read / full_s:,.0f} users/s ({full.added / full_s:,.0f} DRP staff/s); "
        f"{full.requests} Graph requests ({full_calls} answered by the loopback)"
    )
    print(
        f"delta sync: {delta.users_read} users, {delta.memberships_read} memberships read; "
        f"{delta.added} added, {delta.updated} updated, {delta.left} left in {delta_s:.2f} s; "
        f"{delta.requests} Graph requests ({delta_calls} answered)"
    )
    print(
        f"  ratio full/delta: {full_s / delta_s:.1f}x time, "
        f"{full.requests / max(1, delta.requests):.1f}x requests"
    )
    print(
        f"reading {sampled} users: raw JSON through the SDK adapter {raw:,.0f} users/s, "
        f"the SDK's typed models {typed:,.0f} users/s (baseline): ratio {raw / typed:.0f}x"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=3000, help="DRP staff (the tenant has 2x)")
    parser.add_argument("--teams", type=int, default=40)
    parser.add_argument("--page-size", type=int, default=100)
    parser.add_argument("--changes", type=int, default=30, help="the next day's changes")
    parser.add_argument("--sample-pages", type=int, default=5, help="pages for the read baseline")
    parser.add_argument("--database-url", help="default: an SQLite file in a temporary folder")
    asyncio.run(main(parser.parse_args()))
