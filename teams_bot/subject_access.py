"""Subject access (UK GDPR article 15): everything the bot holds about one child, found by the
child's local ID, for ``drp-bot sar``.

Each dispute that still names the child comes with its whole case record (siblings on it are
shown and marked as siblings), who read or exported it (the audit log) and whose Teams chats
hold a card of it. Nothing about a dispute that does not name the child is read. Every export
is written to the audit log, once per dispute, with the child's pseudonym (never the local ID,
which the append-only log would keep past retention).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from cards.record import CaseRecord
from drp import validation as check
from drp.governance import MAX_LOCAL_ID, printable
from drp.tally import child_key
from exports.sar import HeldDispute, Praise, Read, Reader, Shown, SubjectAccess
from store.rows import AuditEntry, Compliment, Person, PostedCard
from store.store import Store, Transaction
from teams_bot.audited_reads import case_record
from teams_bot.compliment_views import ComplimentText

SAR_EXPORTED = "sar_exported"


def local_id_of(text: str) -> str:
    """The local ID asked for; InvalidInput naming ``local_id`` if it cannot be one."""
    return check.text("local_id", printable("local_id", text), max_length=MAX_LOCAL_ID)


async def subject_access(
    store: Store, local_id: str, actor: str, actor_name: str, now: datetime
) -> SubjectAccess:
    """Everything held about the child with this local ID, with the export audited."""
    wanted = local_id_of(local_id)
    key = child_key(wanted)
    async with store.transaction() as tx:
        records = await _records(tx, key, actor_name, now)
        found = [await _found(tx, record) for record in records]
        ids = {e.actor for _, reads, cards in found for e in reads}
        ids |= {card.recipient for _, _, cards in found for card in cards}
        people = await tx.directory.people_by_id(ids)
        held = tuple(
            HeldDispute(
                record,
                _subject(record, key),
                tuple(Read(e.at, _reader(people, e.actor), e.action, e.detail) for e in reads),
                tuple(Shown(_reader(people, c.recipient), c.posted_at, c.kind) for c in cards),
            )
            for record, reads, cards in found
        )
        praise = await _compliments(tx, key)
        entries = [_entry(h, actor, now) for h in held]
        entries += [
            AuditEntry(now, actor, SAR_EXPORTED, None, {"compliment": c.id}) for c, _ in praise
        ]
        await tx.audit.record_many(
            entries or [AuditEntry(now, actor, SAR_EXPORTED, None, {"disputes": 0})]
        )
        named = await tx.directory.people_by_id(
            {p for c, _ in praise for p in (c.from_person, c.to_practitioner, c.team_manager)}
        )
    praised = tuple(_praise(c, text, named) for c, text in praise)
    return SubjectAccess(wanted, now, actor_name, held, praised)


async def _compliments(tx: Transaction, key: str) -> list[tuple[Compliment, ComplimentText]]:
    """Compliments whose form named this child (their text is JSON with the local ID)."""
    found = []
    for compliment in await tx.compliments.mentioning(key):
        text = ComplimentText.loads(compliment.text)
        if text.child_local_id and child_key(text.child_local_id) == key:
            found.append((compliment, text))
    return found


def _praise(compliment: Compliment, text: ComplimentText, people: Mapping[str, Person]) -> Praise:
    c = compliment
    return Praise(
        c.created_at,
        _reader(people, c.from_person),
        _reader(people, c.to_practitioner),
        _reader(people, c.team_manager),
        text.good_practice,
        text.impact,
        c.acknowledged_at,
    )


async def _records(tx: Transaction, key: str, actor_name: str, now: datetime) -> list[CaseRecord]:
    found = []
    for dispute in await tx.disputes.for_child(key):
        record = await case_record(tx, dispute.reference, actor_name, now)
        if record is not None:
            found.append(record)
    return found


async def _found(
    tx: Transaction, record: CaseRecord
) -> tuple[CaseRecord, list[AuditEntry], list[PostedCard]]:
    reference = record.dispute.reference
    return (
        record,
        await tx.audit.for_dispute(reference),
        await tx.posted_cards.for_dispute(reference),
    )


def _subject(record: CaseRecord, key: str) -> frozenset[int]:
    children = record.dispute.children
    return frozenset(n for n, c in enumerate(children) if child_key(c.local_id) == key)


def _reader(people: Mapping[str, Person], person_id: str) -> Reader:
    person = people.get(person_id)
    if person is None:  # the command line (cli:login) or the bot itself (system)
        return Reader(person_id, "")
    return Reader(person.name, person.email)


def _entry(held: HeldDispute, actor: str, now: datetime) -> AuditEntry:
    children = held.record.dispute.children
    pseudonym = next((children[n].pseudonym for n in sorted(held.subject)), "")
    detail = {"child": pseudonym, "format": "html"}
    return AuditEntry(now, actor, SAR_EXPORTED, held.record.dispute.reference, detail)
