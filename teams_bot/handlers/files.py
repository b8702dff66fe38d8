"""The case record and the report as files in the personal chat (Teams' file consent).

``Case record`` and ``report`` offer the HTML file; when the person accepts, who they are is
checked again (the answer may come from anyone who can send an invoke) before the document is
made, audited, and uploaded to where Teams said; declined, or not uploadable, the DRP tab's
address is given instead.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date

from drp.report import Period
from drp.validation import REFERENCE
from store.rows import Json, Person
from teams_bot import gate
from teams_bot.audited_reads import (
    RECORD_EXPORTED,
    REFUSED,
    Format,
    build_report,
    case_record,
    may_read_record,
    render_record,
    render_report,
)
from teams_bot.deps import Deps
from teams_bot.files import Answer, UploadRefused, Uploads, answer_of
from teams_bot.turn import FILE_ANSWER, ConversationKind, FileOffer, FileSent, Reply, Turn

log = logging.getLogger(__name__)

DECLINED = "No file was sent. You can open it in the DRP tab: {link}"
NOT_SENT = "The file could not be put in your OneDrive. You can open it in the DRP tab: {link}"
REFUSED_FILE = "Only those who may read it can have it as a file; nothing was sent."
RECORD_FILE = "The printable case record of {reference} (HTML), for the child's file."
REPORT_FILE = "The DRP report {start} to {end} with its charts (HTML)."


def record_offer(reference: str, document: str) -> FileOffer:
    """The case record offered as a file."""
    return FileOffer(
        name=f"{reference} case record.html",
        size=len(document.encode("utf-8")),
        description=RECORD_FILE.format(reference=reference),
        context={"kind": "record", "reference": reference},
    )


def report_offer(period: Period, document: str) -> FileOffer:
    """The report offered as a file."""
    start, end = period.start.isoformat(), period.end.isoformat()
    return FileOffer(
        name=f"DRP report {start} to {end}.html",
        size=len(document.encode("utf-8")),
        description=REPORT_FILE.format(start=start, end=end),
        context={"kind": "report", "from": start, "to": end},
    )


def in_personal_chat(turn: Turn) -> bool:
    """Files go only to a personal chat (Teams' file consent works only there)."""
    return turn.where.kind == ConversationKind.PERSONAL


class FileAnswers:
    """Answers to file offers: upload on accept, the tab's address on decline."""

    def __init__(self, deps: Deps, uploads: Uploads, tab_base: str = "") -> None:
        self.deps = deps
        self.uploads = uploads
        self.tab_base = tab_base

    async def answer(self, turn: Turn, person: Person) -> Reply:
        """The person's answer to a FileConsentCard."""
        answer = answer_of(turn.data)
        link = self._link(answer.context) if answer is not None else None
        if answer is None or link is None or not in_personal_chat(turn):
            log.info("file consent answer not understood: activity=%s", turn.activity_id)
            return Reply()
        if not answer.accepted or answer.upload is None:
            return Reply(texts=(DECLINED.format(link=link),))
        document = await self._document(person, answer.context)
        if document is None:
            return Reply(texts=(REFUSED_FILE,))
        return await self._upload(answer, document, link)

    async def _upload(self, answer: Answer, document: str, link: str) -> Reply:
        upload = answer.upload
        assert upload is not None
        try:
            await self.uploads.put(upload.upload_url, document.encode("utf-8"))
        except UploadRefused as refused:
            log.warning("file upload failed (%s)", refused)
            return Reply(texts=(NOT_SENT.format(link=link),))
        sent = FileSent(upload.name, upload.content_url, upload.unique_id, upload.file_type)
        return Reply(files=(sent,))

    def _link(self, context: Mapping[str, str]) -> str | None:
        """The tab page of the offered document; None if the context is not one we made."""
        if context.get("kind") == "record" and REFERENCE.match(context.get("reference", "")):
            return f"{self.tab_base}/tabs/disputes/{context['reference']}/record"
        period = _period(context)
        if context.get("kind") == "report" and period is not None:
            start, end = period.start.isoformat(), period.end.isoformat()
            return f"{self.tab_base}/tabs/report?from={start}&to={end}"
        return None

    async def _document(self, person: Person, context: Mapping[str, str]) -> str | None:
        """The document, made and audited for the person answering, if they may read it."""
        now, ctx = self.deps.clock(), self.deps.ctx
        reference = context.get("reference", "")
        async with self.deps.store.transaction() as tx:
            if context.get("kind") == "report":
                allowed = any(person.has_role(r) for r in ctx.policy.access.reports)
            else:
                sight = await gate.look(tx, ctx, person, reference, now)
                allowed = (
                    sight is not None
                    and sight.sees
                    and may_read_record(ctx.policy, person, sight.dispute)
                )
            detail: Json = {"verb": FILE_ANSWER, "kind": context.get("kind", "")}
            if not allowed:
                ref = reference or None
                await tx.audit.record(REFUSED, person.id, at=now, reference=ref, detail=detail)
                return None
            if context.get("kind") == "record":
                record = await case_record(tx, reference, person.name, now)
                assert record is not None
                exported: Json = {"format": Format.HTML.value, "via": "file"}
                await tx.audit.record(
                    RECORD_EXPORTED, person.id, at=now, reference=reference, detail=exported
                )
                return render_record(record, ctx, Format.HTML)
        period = _period(context)
        assert period is not None
        report = await build_report(
            self.deps.store, ctx, period, now, actor=person.id, fmt=Format.HTML
        )
        return render_report(report, Format.HTML)


def _period(context: Mapping[str, str]) -> Period | None:
    """The offered report's period, as the report command allows it (2000-2100, ten years)."""
    try:
        start = date.fromisoformat(context.get("from", ""))
        end = date.fromisoformat(context.get("to", ""))
        period = Period(start, end)
    except ValueError:
        return None
    years_ok = start.year >= 2000 and end.year <= 2100
    return period if years_ok and (end - start).days <= 3700 else None
