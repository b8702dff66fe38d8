"""``GET /metrics`` in the Prometheus text format (prometheus-client), one registry per bot.

Counts only: requests by path and status, how long activities take to answer (card actions are
``type="invoke"``), deliveries by outcome, the outbox's due backlog and its oldest row's age,
how far behind the scheduler's sweep is, and open disputes by RAG. No label ever carries an id,
a name, a reference or any text from a person, so nothing about a child can reach a scrape; the
endpoint is therefore not authenticated (keep it off the public route, see docs/deploy.md).

To add a metric: declare it in ``Metrics`` with fixed label values, and either count it where
it happens or set it in ``observe_store`` (read at scrape time).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from enum import StrEnum

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from drp.calendar import WorkingDayCalendar
from drp.timescale import Timescale, TimeUnit
from store.store import Store

CONTENT_TYPE = CONTENT_TYPE_LATEST
PATHS = ("/api/messages", "/healthz", "/metrics")
ACTIVITY_TYPES = ("message", "invoke", "other")
# Amber is "due within one working day", as cards.views.rag says.
AMBER_WINDOW = Timescale(1, TimeUnit.WORKING_DAYS)
LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0)


class Outcome(StrEnum):
    """What became of one outbox message a deliverer handled."""

    SENT = "sent"
    SKIPPED = "skipped"  # no longer needed (the dispute moved on, the recipient left)
    RETRYING = "retrying"
    GIVEN_UP = "given_up"
    MENTIONED = "mentioned"  # Teams refused a chat: @mentioned on the board instead


class Metrics:
    """The bot's metrics; ``render`` reads the store's figures, then the exposition."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter(
            "drp_http_requests", "HTTP requests answered", ["path", "status"], registry=r
        )
        self.activity_seconds = Histogram(
            "drp_activity_duration_seconds",
            "Time to answer an activity on /api/messages (card actions are type=invoke)",
            ["type"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.deliveries = Counter(
            "drp_deliveries", "Outbox messages handled, by outcome", ["outcome"], registry=r
        )
        self.outbox_due = Gauge(
            "drp_outbox_due_messages",
            "Outbox messages due and not yet sent or given up",
            registry=r,
        )
        self.outbox_oldest = Gauge(
            "drp_outbox_oldest_due_age_seconds",
            "How long the oldest due, unsent outbox message has been due (0 if none)",
            registry=r,
        )
        self.scheduler_lag = Gauge(
            "drp_scheduler_lag_seconds",
            "Time since the instant up to which the scheduler has owed everything due",
            registry=r,
        )
        self.open_disputes = Gauge(
            "drp_open_disputes", "Open disputes by deadline status", ["rag"], registry=r
        )
        for outcome in Outcome:
            self.deliveries.labels(outcome.value)

    def request(self, path: str, status: int) -> None:
        """Count one answered request (unknown paths together, so labels stay few)."""
        self.requests.labels(path if path in PATHS else "other", str(status)).inc()

    def activity(self, kind: str, seconds: float) -> None:
        """Time one activity's answer."""
        label = kind if kind in ACTIVITY_TYPES else "other"
        self.activity_seconds.labels(label).observe(seconds)

    def delivered(self, outcome: Outcome) -> None:
        """Count what became of one outbox message."""
        self.deliveries.labels(outcome.value).inc()

    def render(self) -> bytes:
        """The exposition of every metric as it stands."""
        return generate_latest(self.registry)


Observe = Callable[[], Awaitable[None]]


def store_observer(
    metrics: Metrics,
    store: Store,
    clock: Callable[[], datetime],
    calendar: WorkingDayCalendar,
    swept_until: Callable[[], datetime | None],
) -> Observe:
    """What ``/metrics`` reads from the store before it renders: the outbox backlog, open
    disputes by RAG and the scheduler's lag (two short read-only statements). Until the
    scheduler's first sweep its lag counts from now, when the bot was built."""
    started = clock()

    async def observe() -> None:
        now = clock()
        soon = calendar.due(now, AMBER_WINDOW)
        async with store.transaction(readonly=True) as tx:
            due, oldest = await tx.outbox.backlog(now)
            red, amber, green = await tx.disputes.open_by_deadline(now, soon)
        metrics.outbox_due.set(due)
        metrics.outbox_oldest.set(_seconds(now - oldest) if oldest else 0.0)
        for rag, count in (("red", red), ("amber", amber), ("green", green)):
            metrics.open_disputes.labels(rag).set(count)
        metrics.scheduler_lag.set(_seconds(now - (swept_until() or started)))

    return observe


def _seconds(delta: timedelta) -> float:
    return max(0.0, delta.total_seconds())
