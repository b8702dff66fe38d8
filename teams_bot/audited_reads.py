"""Records and reports from the store: the case record, the quarterly report, the supervision
list, for the bot's ``Case record``, ``report`` and ``supervision`` and for the CLI.

Every case-record export and every report is written to the audit log ("who read what") in
the same transaction that read it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date, datetime
from enum import StrEnum

from cards.record import CaseRecord, Route
from cards.views import DisputeView
from drp.events import Event, HandedOver, Responded
from drp.figures import figures, report_of
from drp.machine import Context
from drp.model import Dispute
from drp.policy import Policy
from drp.quarter_notes import Quarter, report_notes
from drp.report import Period, QuarterlyReport, Recognition
from drp.roles import Role
from drp.supervision import OutstandingRow, outstanding
from drp.tally import Tally, month_bounds
from exports.record import record_html, record_markdown
from exports.report import report_html, report_markdown
from exports.report_csv import report_csv
from store.rows import Person
from store.store import Store, Transaction
from teams_bot import parties

RECORD_EXPORTED = "record_exported"
REPORT_GENERATED = "report_generated"
REFUSED = "refused"
# Who may send compliments (seed 000: the chair recognises good practice). Who may read any
# record, run the report or read every raiser's supervision list is the profile's [access].
RAISERS = frozenset({Role.CHAIR, Role.IRO})


class Format(StrEnum):
    """What a record or report is exported as."""

    HTML = "html"
    MARKDOWN = "md"
    CSV = "csv"
    CARD = "card"


# --- the case record --------------------------------------------------------------------------


async def case_record(
    tx: Transaction, reference: str, generated_by: str, now: datetime
) -> CaseRecord | None:
    """The dispute's record with everyone's names and each stage's recipients; None if none."""
    dispute = await tx.disputes.find(reference)
    if dispute is None:
        return None
    events = tuple(await tx.disputes.events(reference))
    visits = await tx.disputes.visits(reference)
    routes = {v.entered_sequence: Route(v.owners, v.first_due_at) for v in visits}
    ids = _people_named(dispute, events, [owner for v in visits for owner in v.owners])
    names = await parties.names(tx, ids)
    view = DisputeView(dispute, events, names, dispute.team)
    return CaseRecord(view, now, generated_by, routes)


def _people_named(dispute: Dispute, events: Iterable[Event], owners: Sequence[str]) -> set[str]:
    ids = {e.actor for e in events} | set(parties.party_ids(dispute)) | set(owners)
    behalf = (e.payload.on_behalf_of for e in events if isinstance(e.payload, Responded))
    ids |= {person for person in behalf if person}
    handed = (e.payload for e in events if isinstance(e.payload, HandedOver))
    ids |= {person for p in handed for person in (p.leaver, p.successor)}
    return ids


def render_record(record: CaseRecord, ctx: Context, fmt: Format) -> str:
    """The record as an HTML page or Markdown."""
    if fmt == Format.HTML:
        return record_html(record, ctx.policy)
    return record_markdown(record, ctx.policy)


async def export_record(
    store: Store,
    ctx: Context,
    reference: str,
    actor: str,
    actor_name: str,
    fmt: Format,
    now: datetime,
) -> str | None:
    """Render the record and write the export to the audit log; None if there is no dispute."""
    async with store.transaction() as tx:
        record = await case_record(tx, reference, actor_name, now)
        if record is None:
            return None
        await tx.audit.record(
            RECORD_EXPORTED, actor, at=now, reference=reference, detail={"format": fmt.value}
        )
    return render_record(record, ctx, fmt)


# --- the quarterly report ---------------------------------------------------------------------


async def period_tally(tx: Transaction, period: Period, ctx: Context) -> Tally:
    """The period of this policy counted by the store, with its compliments."""
    start, end = period.bounds(ctx.calendar)
    reader = tx.reports
    months = month_bounds(period, ctx.calendar)
    counted = await reader.tally(start, end, months, ctx.policy.key)
    compliments = await reader.compliments_between(start, end)
    teams = await _teams_of(tx, {c.to_practitioner for c in compliments})
    recognitions = tuple(
        Recognition(c.created_at, teams.get(c.to_practitioner, ""), c.acknowledged_at is not None)
        for c in compliments
    )
    return replace(counted, compliments=recognitions)


async def _teams_of(tx: Transaction, ids: Iterable[str]) -> dict[str, str]:
    found = {}
    for person_id in ids:
        person = await tx.directory.person(person_id)
        if person is not None:
            found[person_id] = home_team(person)
    return found


def home_team(person: Person) -> str:
    """The person's team: their home team, else the first team they hold a role in."""
    return person.team or next((g.team for g in person.roles if g.team), "")


async def build_report(
    store: Store, ctx: Context, period: Period, now: datetime, *, actor: str, fmt: Format
) -> QuarterlyReport:
    """Load the period and the same period last year, compute the report, audit it."""
    policy, calendar = ctx.policy, ctx.calendar
    async with store.transaction() as tx:
        # Each tally becomes figures before the next is counted: a ten-year report's tally
        # names every child of the period, and its year-earlier twin overlaps nine years.
        current = figures(period, await period_tally(tx, period, ctx), policy, calendar)
        before = period.last_year()
        last_year = figures(before, await period_tally(tx, before, ctx), policy, calendar)
        late = await tx.reports.open_deadlines(ctx.policy.key, now)
        last_quarter = Quarter.of(period.end)
        written = await tx.quarter_notes.up_to(policy.key, last_quarter)
        detail = {
            "from": period.start.isoformat(),
            "to": period.end.isoformat(),
            "format": fmt.value,
        }
        await tx.audit.record(REPORT_GENERATED, actor, at=now, detail=detail)
    report = report_of(current, last_year, late, policy=policy, calendar=calendar, now=now)
    return replace(report, notes=report_notes(written, period.start, period.end))


def render_report(report: QuarterlyReport, fmt: Format) -> str:
    """The report as CSV, HTML or Markdown."""
    if fmt == Format.CSV:
        return report_csv(report)
    if fmt == Format.HTML:
        return report_html(report)
    return report_markdown(report)


def last_full_quarter(today: date) -> Period:
    """The calendar quarter before the one ``today`` is in (Jan-Mar, Apr-Jun, ...)."""
    first_month = 3 * ((today.month - 1) // 3) + 1
    year, month = (today.year, first_month - 3) if first_month > 3 else (today.year - 1, 10)
    end_year, end_month = (year, month + 2)
    after = date(end_year + 1, 1, 1) if end_month == 12 else date(end_year, end_month + 1, 1)
    return Period(date(year, month, 1), date.fromordinal(after.toordinal() - 1))


# --- the supervision list ---------------------------------------------------------------------


async def open_by_raiser(tx: Transaction, raiser_ids: Iterable[str]) -> list[Dispute]:
    """Every open dispute these people raised."""
    found: list[Dispute] = []
    for person_id in raiser_ids:
        found += await tx.disputes.open_for_raiser(person_id)
    return found


async def supervision_rows(
    tx: Transaction, ctx: Context, raiser_ids: Iterable[str], now: datetime
) -> tuple[OutstandingRow, ...]:
    """The supervision list of these chairs: open disputes, longest open first."""
    return outstanding(await open_by_raiser(tx, raiser_ids), now, ctx.calendar)


def may_read_record(policy: Policy, person: Person, dispute: Dispute) -> bool:
    """The raiser, and those the profile lets read any record (``[access] records``; by
    default QA and the chairs' service manager)."""
    return person.id == dispute.raised_by or any(
        person.has_role(role) for role in policy.access.records
    )


async def raisers(tx: Transaction, policy: Policy) -> list[Person]:
    """Everyone who may raise a dispute under the policy (by default chairs and IROs)."""
    roles = policy.raising_roles
    found = {p.id: p for role in roles for p in await tx.directory.holders(role)}
    return sorted(found.values(), key=lambda p: p.email)
