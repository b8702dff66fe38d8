"""The bot's reading commands: the ``Case record`` button, ``report`` and ``supervision``.

Each is one store read, written to the audit log ("who read what") in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from cards.record import record_card
from cards.report import outstanding_card, report_summary_card
from cards.verbs import Verb
from drp.policy import Policy
from drp.report import Period
from drp.roles import Role
from store.rows import Person
from store.store import Transaction
from teams_bot import gate, messages
from teams_bot.audited_reads import (
    RECORD_EXPORTED,
    REFUSED,
    Format,
    build_report,
    case_record,
    last_full_quarter,
    may_read_record,
    raisers,
    render_record,
    render_report,
    supervision_rows,
)
from teams_bot.deps import Deps
from teams_bot.gate import Attempt
from teams_bot.handlers.files import in_personal_chat, record_offer, report_offer
from teams_bot.router import Parsed
from teams_bot.turn import FileOffer, Reply, Turn

RECORD_HINT = (
    "The printable HTML record for the child's file: "
    "drp-bot record {reference} --format html --out {reference}.html"
)
REPORT_HINT = (
    "Teams cannot receive files from this bot here; the full report with charts (HTML) is "
    "made with: drp-bot report --from {start} --to {end} --format html --out report.html"
)
NOT_YOURS = "Only the chair who raised it and the monitoring service may export the record."
ONLY_REPORTERS = "Only the chairs' service manager and the QA / monitoring team run the report."
ONLY_SUPERVISION = "The supervision list is for chairs, IROs and their service manager."
BAD_PERIOD = "Type report, or report FROM TO with dates like 2026-01-01 2026-03-31."
NO_SUCH_CHAIR = "There is no one with that e-mail address in the directory."


@dataclass(frozen=True, slots=True)
class _Refusal:
    text: str


class ReadingCommands:
    """``Case record`` button, ``report`` and ``supervision``: one store read each, audited."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self.ctx = deps.ctx

    async def record(self, turn: Turn, person: Person) -> Reply:
        """The Case record button: the record as a card in the chat; the clicked card stays."""
        reference = str(turn.data.get("reference") or "")
        now = self.deps.clock()
        async with self.deps.store.transaction() as tx:
            sight = await gate.look(tx, self.ctx, person, reference, now)
            if sight is None:
                return Reply(invoke_card=messages.no_such_dispute(reference))
            if not sight.sees:
                await gate.record(tx, sight, Verb.RECORD.value, Attempt.VIEW, now)
                return Reply(invoke_card=messages.not_yours(reference))
            current = await self.deps.render.dispute(tx, sight, now)
            if not may_read_record(self.ctx.policy, person, sight.dispute):
                detail = {"verb": Verb.RECORD.value, "state": sight.state}
                await tx.audit.record(
                    REFUSED, person.id, at=now, reference=reference, detail=detail
                )
                return Reply(invoke_card=messages.refusal(NOT_YOURS, current))
            record = await case_record(tx, reference, person.name, now)
            assert record is not None
            detail = {"format": Format.CARD.value}
            await tx.audit.record(
                RECORD_EXPORTED, person.id, at=now, reference=reference, detail=detail
            )
        hint = RECORD_HINT.format(reference=reference)
        card = record_card(record, self.ctx.policy, hint)
        offers: tuple[FileOffer, ...] = ()
        if in_personal_chat(turn):
            offers = (record_offer(reference, render_record(record, self.ctx, Format.HTML)),)
        return Reply(cards=(card,), invoke_card=current, offers=offers)

    async def report(self, turn: Turn, person: Person, parsed: Parsed) -> Reply:
        """``report`` (the last full quarter) or ``report FROM TO``: the summary card."""
        now = self.deps.clock()
        period = _period(parsed.argument, self.ctx.calendar.local_date(now))
        if period is None:
            return Reply(texts=(BAD_PERIOD,))
        async with self.deps.store.transaction() as tx:
            refusal = await _may_report(tx, self.ctx.policy, person, now)
        if refusal is not None:
            return Reply(texts=(refusal.text,))
        report = await build_report(
            self.deps.store, self.ctx, period, now, actor=person.id, fmt=Format.CARD
        )
        hint = REPORT_HINT.format(start=period.start.isoformat(), end=period.end.isoformat())
        offers: tuple[FileOffer, ...] = ()
        if in_personal_chat(turn):
            offers = (report_offer(period, render_report(report, Format.HTML)),)
        return Reply(cards=(report_summary_card(report, hint),), offers=offers)

    async def supervision(self, turn: Turn, person: Person, parsed: Parsed) -> Reply:
        """A chair's open disputes (their own; a service manager's: all chairs', or one's)."""
        now = self.deps.clock()
        async with self.deps.store.transaction(readonly=True) as tx:
            chosen = await _supervised(tx, self.ctx.policy, person, parsed.argument)
            if isinstance(chosen, _Refusal):
                return Reply(texts=(chosen.text,))
            title, ids = chosen
            rows = await supervision_rows(tx, self.ctx, ids, now)
        return Reply(cards=(outstanding_card(title, rows, self.deps.keys),))


def _holds(person: Person, roles: Iterable[Role]) -> bool:
    return any(person.has_role(role) for role in roles)


async def _may_report(
    tx: Transaction, policy: Policy, person: Person, now: datetime
) -> _Refusal | None:
    if _holds(person, policy.access.reports):
        return None
    await tx.audit.record(REFUSED, person.id, at=now, detail={"command": "report"})
    return _Refusal(ONLY_REPORTERS)


async def _supervised(
    tx: Transaction, policy: Policy, person: Person, argument: str
) -> tuple[str, list[str]] | _Refusal:
    if _holds(person, policy.access.supervise):
        if argument:
            chair = await tx.directory.by_email(argument.strip().lower())
            if chair is None:
                return _Refusal(NO_SUCH_CHAIR)
            return f"Open disputes of {chair.name}", [chair.id]
        return "Open disputes of every chair", [p.id for p in await raisers(tx, policy)]
    if _holds(person, policy.raising_roles):
        return "Your open disputes, for supervision", [person.id]
    return _Refusal(ONLY_SUPERVISION)


def _period(argument: str, today: date) -> Period | None:
    words = argument.split()
    if not words:
        return last_full_quarter(today)
    if len(words) != 2:
        return None
    try:
        return Period(date.fromisoformat(words[0]), date.fromisoformat(words[1]))
    except ValueError:
        return None
