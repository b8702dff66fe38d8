"""The tab's pages: My disputes, the dashboard, a dispute, its case record, the quarterly report.

Each handler gets the signed-in ``Reader`` from the guard, decides what they may see before
rendering anything, and writes what was shown (or refused) to the audit log in the same
transaction that read it. The record and the report are the CLI's own documents.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from urllib.parse import urlencode

from aiohttp import web

from cards.record import child_rows, chronology, concern_texts, requested_actions, summary_facts
from drp.model import Dispute
from drp.report import Period
from store.rows import Json
from store.store import Transaction
from teams_bot import parties
from teams_bot.audited_reads import (
    RECORD_EXPORTED,
    REFUSED,
    Format,
    build_report,
    case_record,
    last_full_quarter,
    raisers,
    render_record,
    render_report,
)
from teams_bot.deps import Deps
from teams_bot.tabs import dashboard as board
from teams_bot.tabs import keys
from teams_bot.tabs.access import Reader
from teams_bot.tabs.errors import BadRequest, Forbidden, NotFound, TabError
from teams_bot.tabs.templates import DOCUMENT_CSP, Templates, secure

TAB_VIEWED = "tab_viewed"
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100
MAX_REPORT_DAYS = 3700  # ten years and a little
NO_DASHBOARD = "The dashboard is for those the policy lets oversee every dispute."
NO_REPORT = "The quarterly report is for those the policy lets run it."
NO_RECORD = "Only the chair who raised it and those the policy lets read records export it."


class Pages:
    """The page handlers, sharing the bot's store, policy and clock."""

    def __init__(self, deps: Deps, templates: Templates) -> None:
        self.deps = deps
        self.templates = templates

    def _now(self) -> tuple[datetime, date]:
        now = self.deps.clock()
        return now, self.deps.ctx.calendar.local_date(now)

    async def mine(self, request: web.Request) -> web.StreamResponse:
        """The disputes the signed-in person raised, owes a response on (or deputises for its
        owner), must agree or is named in as the practitioner."""
        reader: Reader = request[keys.READER]
        now, today = self._now()
        pid = reader.person.id
        async with self.deps.store.transaction() as tx:
            found = {d.reference: d for d in await tx.disputes.open_holding(pid)}
            found |= {d.reference: d for d in await tx.disputes.open_naming(pid)}
            for principal in await tx.directory.deputising_for(pid, today):  # a deputy's too
                found |= {d.reference: d for d in await tx.disputes.open_for_owner(principal.id)}
            rows = await self._rows(tx, list(found.values()), now)
            await tx.audit.record(
                TAB_VIEWED, pid, at=now, detail={"page": "mine", "rows": len(rows)}
            )
        rows = board.ordered(rows, board.Query())
        return self.templates.page(request, "mine.html", rows=rows, title="My disputes")

    async def _rows(
        self, tx: Transaction, disputes: list[Dispute], now: datetime
    ) -> list[board.Row]:
        names = await parties.names(tx, board.names_needed(disputes))
        ctx = self.deps.ctx
        return [board.row_of(d, ctx.policy, names, now, ctx.calendar) for d in disputes]

    async def dashboard(self, request: web.Request) -> web.StreamResponse:
        """Every open dispute, filtered, searched and sorted by the query string."""
        reader: Reader = request[keys.READER]
        now, _ = self._now()
        pid = reader.person.id
        async with self.deps.store.transaction() as tx:
            if not reader.oversees:
                await tx.audit.record(REFUSED, pid, at=now, detail={"page": "dashboard"})
                return self._refused(request, Forbidden(NO_DASHBOARD))
            choices = await self._choices(tx)
            query = board.parse(request.query, choices)
            disputes = await self._search(tx, query)
            rows = await self._rows(tx, disputes, now)
            kept = [r for d, r in zip(disputes, rows, strict=True) if board.keep(d, r, query)]
            # A search may be a child's local ID: never in the audit detail.
            shown = {k: v for k, v in query.as_params().items() if k != "q"}
            detail: Json = {"page": "dashboard", "rows": len(kept), **shown}
            await tx.audit.record(TAB_VIEWED, pid, at=now, detail=detail)
        return self.templates.page(
            request,
            "dashboard.html",
            rows=board.ordered(kept, query),
            query=query,
            choices=choices,
            statuses=[(s.value, s.label) for s in board.OPEN_STATUSES],
            sorts=list(board.SORTS),
            sort_link=_sort_link(query),
            title="DRP dashboard",
        )

    async def _choices(self, tx: Transaction) -> board.Choices:
        policy = self.deps.ctx.policy
        stages: dict[str, str] = {}
        for process in policy.processes:
            for stage in process.all_stages():
                stages.setdefault(stage.key, stage.title)
        return board.Choices(
            teams=tuple(sorted(team.name for team in await tx.directory.teams())),
            stages=tuple(stages.items()),
            chairs=tuple((p.id, p.name) for p in await raisers(tx, policy)),
        )

    async def _search(self, tx: Transaction, query: board.Query) -> list[Dispute]:
        text = query.search
        if not text:
            return await tx.disputes.open_all()
        if board.is_reference(text):
            found = await tx.disputes.find(text.upper())
            return [found] if found is not None else []
        return await tx.disputes.for_child(text)

    async def _visible(
        self, tx: Transaction, request: web.Request, page: str
    ) -> Dispute | NotFound:
        """The dispute the address names if this reader may see it; else the refusal to raise
        once the transaction (with its audit entry) is committed."""
        reader: Reader = request[keys.READER]
        reference = _reference(request)
        now, today = self._now()
        dispute = await tx.disputes.find(reference)
        if dispute is None or not await reader.may_see(tx, dispute, today):
            detail: Json = {"page": page, "found": dispute is not None}
            await tx.audit.record(
                REFUSED, reader.person.id, at=now, reference=reference, detail=detail
            )
            return NotFound(f"There is no dispute {reference} that you can see.")
        return dispute

    async def dispute(self, request: web.Request) -> web.StreamResponse:
        """One dispute: where it stands, the children, the concern and its history."""
        reader: Reader = request[keys.READER]
        now, _ = self._now()
        policy = self.deps.ctx.policy
        async with self.deps.store.transaction() as tx:
            dispute = await self._visible(tx, request, "dispute")
            if isinstance(dispute, NotFound):
                return self._refused(request, dispute)
            record = await case_record(tx, dispute.reference, reader.person.name, now)
            assert record is not None
            [row] = await self._rows(tx, [dispute], now)
            await tx.audit.record(
                TAB_VIEWED,
                reader.person.id,
                at=now,
                reference=dispute.reference,
                detail={"page": "dispute"},
            )
        return self.templates.page(
            request,
            "dispute.html",
            title=f"Dispute {dispute.reference}",
            row=row,
            facts=summary_facts(record, policy),
            children=child_rows(record),
            concern=concern_texts(dispute),
            actions=requested_actions(dispute),
            steps=list(reversed(chronology(record, policy))),
            may_read_record=reader.may_read_record(dispute),
        )

    async def record(self, request: web.Request) -> web.StreamResponse:
        """The printable case record, the CLI's own document; each export audited."""
        reader: Reader = request[keys.READER]
        now, _ = self._now()
        pid = reader.person.id
        async with self.deps.store.transaction() as tx:
            dispute = await self._visible(tx, request, "record")
            if isinstance(dispute, NotFound):
                return self._refused(request, dispute)
            if not reader.may_read_record(dispute):
                refused: Json = {"page": "record", "found": True}
                await tx.audit.record(
                    REFUSED, pid, at=now, reference=dispute.reference, detail=refused
                )
                return self._refused(request, Forbidden(NO_RECORD))
            record = await case_record(tx, dispute.reference, reader.person.name, now)
            assert record is not None
            detail: Json = {"format": Format.HTML.value, "via": "tab"}
            await tx.audit.record(
                RECORD_EXPORTED, pid, at=now, reference=dispute.reference, detail=detail
            )
        document = render_record(record, self.deps.ctx, Format.HTML)
        back = f"/tabs/disputes/{dispute.reference}"
        return self._document(request, document, back, "Back to the dispute")

    async def report(self, request: web.Request) -> web.StreamResponse:
        """The quarterly report for ``from``..``to`` as HTML with charts, or ``format=csv``;
        without dates, a page to choose the period."""
        reader: Reader = request[keys.READER]
        now, today = self._now()
        if not reader.may_report:
            async with self.deps.store.transaction() as tx:
                await tx.audit.record(REFUSED, reader.person.id, at=now, detail={"page": "report"})
            raise Forbidden(NO_REPORT)
        fmt = _report_format(request.query.get("format", ""))
        period = _period(request.query.get("from", ""), request.query.get("to", ""))
        if period is None:
            default = last_full_quarter(today)
            return self.templates.page(
                request, "report.html", title="Quarterly report", period=default
            )
        built = await build_report(
            self.deps.store, self.deps.ctx, period, now, actor=reader.person.id, fmt=fmt
        )
        text = render_report(built, fmt)
        if fmt == Format.CSV:
            name = f"drp-report-{period.start.isoformat()}-{period.end.isoformat()}.csv"
            response = web.Response(text=text, content_type="text/csv", charset="utf-8")
            response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
            secure(response, DOCUMENT_CSP)
            return response
        return self._document(request, text, "/tabs/report", "Choose another period")

    def _refused(self, request: web.Request, refusal: TabError) -> web.StreamResponse:
        """The refusal's page, returned (not raised) so its audit entry is committed."""
        return self.templates.page(request, "error.html", refusal.status, message=refusal.message)

    def _document(
        self, request: web.Request, document: str, back: str, label: str
    ) -> web.StreamResponse:
        """A record or report document with the tab's navigation above it (not printed)."""
        nav = self.templates.render("document_nav.html", back=back, label=label)
        body = document.replace("<body>", f"<body>{nav}", 1)
        response = web.Response(text=body, content_type="text/html")
        secure(response, DOCUMENT_CSP)
        return response


def _sort_link(query: board.Query) -> Callable[[str], str]:
    """Links of the column heads: sort by that column, or reverse the order it sorts by."""
    params = query.as_params()

    def link(key: str) -> str:
        flip = query.sort == key and not query.descending
        return "/tabs/dashboard?" + urlencode({**params, "sort": f"-{key}" if flip else key})

    return link


def _reference(request: web.Request) -> str:
    text = request.match_info.get("reference", "").upper()
    if not board.is_reference(text):
        raise NotFound("The address does not name a dispute reference like DRP-2026-000123.")
    return text


def _report_format(value: str) -> Format:
    if value in ("", Format.HTML.value):
        return Format.HTML
    if value == Format.CSV.value:
        return Format.CSV
    raise BadRequest("format", "must be csv, or left out for the page with charts")


def _period(start: str, end: str) -> Period | None:
    if not start and not end:
        return None
    first, last = _day("from", start), _day("to", end)
    if last < first:
        raise BadRequest("to", "is before from")
    if (last - first).days > MAX_REPORT_DAYS:
        raise BadRequest("to", "is more than ten years after from")
    return Period(first, last)


def _day(name: str, value: str) -> date:
    try:
        day = date.fromisoformat(value) if len(value) == 10 else None
    except ValueError:
        day = None
    if day is None:
        raise BadRequest(name, "must be a date like 2026-03-31")
    if not EARLIEST_YEAR <= day.year <= LATEST_YEAR:
        raise BadRequest(name, f"must be between {EARLIEST_YEAR} and {LATEST_YEAR}")
    return day
