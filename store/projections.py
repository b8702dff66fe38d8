"""Read models projected from each event in the same transaction: stage visits, responses, reviews.

The event log stays the record; these tables answer "who owed what, by when" and the reports
without replaying events.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, insert, update
from sqlalchemy.ext.asyncio import AsyncConnection

from drp.events import Escalated, Event, EventKind, Extended, Resolved, Responded
from drp.model import Dispute
from store.payloads import actions_from, actions_json
from store.rows import ResponseRecord, ReviewRecord, StageVisit
from store.schema import chair_reviews, responses, stage_visits


async def project(conn: AsyncConnection, dispute: Dispute, event: Event) -> None:
    """Update every projection for one accepted event."""
    await _project_visits(conn, dispute, event)
    payload = event.payload
    if isinstance(payload, Responded):
        await conn.execute(insert(responses).values(response_values(event, payload)))
    elif isinstance(payload, Resolved | Extended | Escalated):
        await conn.execute(insert(chair_reviews).values(_review_values(event, payload)))


async def _project_visits(conn: AsyncConnection, dispute: Dispute, event: Event) -> None:
    open_visit = (stage_visits.c.reference == dispute.reference) & stage_visits.c.left_at.is_(None)
    # A climb to the next tier of management within a stage is a visit of its own.
    climbed = isinstance(event.payload, Escalated) and event.payload.tier > 0
    if event.from_stage != event.to_stage or climbed or not dispute.is_open:
        if event.sequence > 1:  # a dispute's first event has no stage to leave
            left = {"left_at": event.at, "left_sequence": event.sequence}
            await conn.execute(update(stage_visits).where(open_visit).values(left))
        if dispute.is_open and dispute.stage:
            await conn.execute(insert(stage_visits).values(_visit_values(dispute, event)))
    elif event.kind == EventKind.EXTENDED:
        await conn.execute(update(stage_visits).where(open_visit).values(due_at=dispute.due_at))


def _visit_values(dispute: Dispute, event: Event) -> dict[str, Any]:
    return {
        "reference": dispute.reference,
        "stage": dispute.stage,
        "owners": list(dispute.owners),
        "entered_sequence": event.sequence,
        "entered_at": event.at,
        "first_due_at": dispute.due_at,
        "due_at": dispute.due_at,
    }


def response_values(event: Event, payload: Responded) -> dict[str, Any]:
    """The ``responses`` row of a response event."""
    return {
        "reference": event.reference,
        "sequence": event.sequence,
        "stage": event.from_stage,
        "responded_by": event.actor,
        "on_behalf_of": payload.on_behalf_of,
        "at": event.at,
        "response": payload.response,
        "actions": actions_json(payload.actions),
        "practice_issues": payload.practice_issues,
        "on_time": payload.on_time,
        "due_at": payload.due_at,
    }


def _review_values(event: Event, payload: Resolved | Extended | Escalated) -> dict[str, Any]:
    values = {
        "reference": event.reference,
        "sequence": event.sequence,
        "stage": event.from_stage,
        "reviewer": event.actor,
        "at": event.at,
        "decision": event.kind.value,
        "updated_concerns": "",
        "to_stage": "",
        "due_at": None,
        "automatic": False,
    }
    match payload:
        case Resolved(comments=comments):
            return {**values, "comments": comments}
        case Extended(agreed_work=work, due_at=due):
            return {**values, "comments": work, "due_at": due}
        case Escalated():
            return {
                **values,
                "comments": payload.reason,
                "updated_concerns": payload.updated_concerns,
                "to_stage": payload.to or event.to_stage,
                "automatic": payload.automatic,
            }


def visit_from(row: Row[Any]) -> StageVisit:
    """A stage visit from its row."""
    m = row._mapping
    return StageVisit(
        reference=m["reference"],
        stage=m["stage"],
        owners=tuple(m["owners"]),
        entered_sequence=m["entered_sequence"],
        entered_at=m["entered_at"],
        first_due_at=m["first_due_at"],
        due_at=m["due_at"],
        left_sequence=m["left_sequence"],
        left_at=m["left_at"],
    )


def response_from(row: Row[Any]) -> ResponseRecord:
    """A response from its row."""
    m = row._mapping
    return ResponseRecord(
        reference=m["reference"],
        sequence=m["sequence"],
        stage=m["stage"],
        responded_by=m["responded_by"],
        on_behalf_of=m["on_behalf_of"],
        at=m["at"],
        response=m["response"],
        actions=actions_from(m["actions"]),
        practice_issues=m["practice_issues"],
        on_time=bool(m["on_time"]),
        due_at=m["due_at"],
    )


def review_from(row: Row[Any]) -> ReviewRecord:
    """A chair's review from its row."""
    m = row._mapping
    return ReviewRecord(
        reference=m["reference"],
        sequence=m["sequence"],
        stage=m["stage"],
        reviewer=m["reviewer"],
        at=m["at"],
        decision=m["decision"],
        comments=m["comments"],
        updated_concerns=m["updated_concerns"],
        to_stage=m["to_stage"],
        due_at=m["due_at"],
        automatic=bool(m["automatic"]),
    )
