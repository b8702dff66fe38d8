"""Domain values to rows and back: every field of ``Dispute`` and ``Event`` round-trips exactly."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row

from drp.events import Event, EventKind
from drp.governance import split_payload
from drp.model import Child, Concern, Dispute, Outcome, Status, TrackedAction
from drp.roles import Role
from store.payloads import actions_from, actions_json, payload_from, payload_json
from store.schema import APPROVER, DECIDER, PLAN_CHAIR

Values = dict[str, Any]


def dispute_values(dispute: Dispute, at: datetime) -> Values:
    """The ``disputes`` row of a dispute (children and owners have their own tables)."""
    concern = dispute.concern
    return {
        "reference": dispute.reference,
        "policy": dispute.policy,
        "process": dispute.process,
        "raised_by": dispute.raised_by,
        "raiser_role": dispute.raiser_role.value,
        "raised_at": dispute.raised_at,
        "date_of_concern": dispute.date_of_concern,
        "team": dispute.team,
        "raiser_team": dispute.raiser_team,
        "practitioner": dispute.practitioner,
        "child_on_plan": dispute.child_on_plan,
        "category": concern.category,
        "category_other": concern.category_other,
        "issue_type": concern.issue_type,
        "summary": concern.summary,
        "impact": concern.impact,
        "evidence": concern.evidence,
        "requested_actions": actions_json(concern.requested_actions),
        **_state_values(dispute),
        "updated_at": at,
        "erased_at": dispute.erased_at,
    }


def _state_values(dispute: Dispute) -> Values:
    return {
        "status": dispute.status.value,
        "stage": dispute.stage,
        "tier": dispute.tier,
        "due_at": dispute.due_at,
        "review_due_at": dispute.review_due_at,
        "overall_due_at": dispute.overall_due_at,
        "formal_started_at": dispute.formal_started_at,
        "pending_stage": dispute.pending_stage,
        "pending_due": dispute.pending_due,
        "pending_outcome": dispute.pending_outcome.value if dispute.pending_outcome else None,
        "pending_note": dispute.pending_note,
        "resume_status": dispute.resume_status.value if dispute.resume_status else None,
        "extensions_used": dispute.extensions_used,
        "responded_by": dispute.responded_by,
        "overdue_noted": dispute.overdue_noted,
        "outcome": dispute.outcome.value if dispute.outcome else None,
        "closed_at": dispute.closed_at,
        "referrals": list(dispute.referrals),
        "reopened": dispute.reopened,
        "version": dispute.version,
    }


def children_values(dispute: Dispute) -> list[Values]:
    """One ``children`` row per child, in the order given."""
    return [
        {
            "reference": dispute.reference,
            "position": n,
            "name": c.name,
            "local_id": c.local_id,
            "dob": c.dob,
            "pseudonym": c.pseudonym,
        }
        for n, c in enumerate(dispute.children)
    ]


def owner_values(dispute: Dispute) -> list[Values]:
    """One ``dispute_owners`` row per current owner, in the order given."""
    return [
        {"reference": dispute.reference, "position": n, "person_id": person}
        for n, person in enumerate(dispute.owners)
    ]


def people_values(dispute: Dispute) -> list[Values]:
    """One ``dispute_people`` row per approver and decider, in the order given, and one for
    the child's own chair or IRO if named."""
    chair = (dispute.plan_chair,) if dispute.plan_chair else ()
    named = ((APPROVER, dispute.approvers), (DECIDER, dispute.deciders), (PLAN_CHAIR, chair))
    return [
        {"reference": dispute.reference, "part": part, "position": n, "person_id": person}
        for part, people in named
        for n, person in enumerate(people)
    ]


def category_values(dispute: Dispute) -> list[Values]:
    """One ``dispute_categories`` row per category ticked after the first, in order."""
    return [
        {"reference": dispute.reference, "position": n, "category": key}
        for n, key in enumerate(dispute.concern.more_categories)
    ]


def dispute_from(
    row: Row[Any],
    kids: Sequence[Child],
    owners: Sequence[str],
    people: Mapping[str, Sequence[str]] | None = None,
    more_categories: Sequence[str] = (),
    tracked: Sequence[TrackedAction] | None = None,
) -> Dispute:
    """Rebuild a dispute from its row, its children, its owners, its other people (approvers
    and deciders, by part) and the categories ticked after the first."""
    named = people or {}
    m = row._mapping
    concern = Concern(
        category=m["category"],
        summary=m["summary"],
        impact=m["impact"],
        requested_actions=actions_from(m["requested_actions"]),
        evidence=m["evidence"],
        category_other=m["category_other"],
        issue_type=m["issue_type"],
        more_categories=tuple(more_categories),
    )
    return Dispute(
        reference=m["reference"],
        policy=m["policy"],
        process=m["process"],
        raised_by=m["raised_by"],
        raiser_role=Role(m["raiser_role"]),
        raised_at=m["raised_at"],
        date_of_concern=m["date_of_concern"],
        children=tuple(kids),
        team=m["team"],
        concern=concern,
        status=Status(m["status"]),
        stage=m["stage"],
        tier=m["tier"],
        practitioner=m["practitioner"],
        raiser_team=m["raiser_team"],
        child_on_plan=bool(m["child_on_plan"]),
        plan_chair=next(iter(named.get(PLAN_CHAIR, ())), ""),
        owners=tuple(owners),
        due_at=m["due_at"],
        review_due_at=m["review_due_at"],
        overall_due_at=m["overall_due_at"],
        formal_started_at=m["formal_started_at"],
        approvers=tuple(named.get(APPROVER, ())),
        deciders=tuple(named.get(DECIDER, ())),
        pending_stage=m["pending_stage"],
        pending_due=m["pending_due"],
        pending_outcome=Outcome(m["pending_outcome"]) if m["pending_outcome"] else None,
        pending_note=m["pending_note"],
        resume_status=Status(m["resume_status"]) if m["resume_status"] else None,
        extensions_used=m["extensions_used"],
        responded_by=m["responded_by"],
        overdue_noted=bool(m["overdue_noted"]),
        outcome=Outcome(m["outcome"]) if m["outcome"] else None,
        closed_at=m["closed_at"],
        referrals=tuple(m["referrals"]),
        reopened=int(m["reopened"] or 0),
        actions=tuple(tracked or ()),
        version=m["version"],
        erased_at=m["erased_at"],
    )


def child_from(row: Row[Any]) -> Child:
    """A child from its ``children`` row."""
    m = row._mapping
    return Child(m["name"], m["local_id"], m["dob"], m["pseudonym"])


def event_values(event: Event) -> Values:
    """The ``events`` row of an event: its payload's facts only (the free text is apart)."""
    facts, _ = split_payload(payload_json(event.payload))
    return {
        "reference": event.reference,
        "sequence": event.sequence,
        "kind": event.kind.value,
        "actor": event.actor,
        "actor_role": event.actor_role.value,
        "at": event.at,
        "from_stage": event.from_stage,
        "to_stage": event.to_stage,
        "payload": facts,
    }


def event_text_values(event: Event) -> Values | None:
    """The ``event_texts`` row of an event: its payload's free text; None if it has none."""
    _, texts = split_payload(payload_json(event.payload))
    if not texts:
        return None
    return {"reference": event.reference, "sequence": event.sequence, "texts": texts}


def event_from(row: Row[Any]) -> Event:
    """Rebuild an event from its row, joined with its free text (``texts``, None if erased)."""
    m = row._mapping
    texts = m.get("texts") or {}
    return Event(
        reference=m["reference"],
        sequence=m["sequence"],
        actor=m["actor"],
        actor_role=Role(m["actor_role"]),
        at=m["at"],
        from_stage=m["from_stage"],
        to_stage=m["to_stage"],
        payload=payload_from(EventKind(m["kind"]), {**m["payload"], **texts}),
    )


def action_values(dispute: Dispute) -> list[Values]:
    """One ``dispute_actions`` row per tracked action, by number."""
    return [
        {
            "reference": dispute.reference,
            "position": a.number,
            "text": a.text,
            "complete_by": a.complete_by,
            "owner": a.owner,
            "added_by": a.added_by,
            "added_at": a.added_at,
            "stage": a.stage,
            "done_by": a.done_by,
            "done_at": a.done_at,
            "passed_noted": a.passed_noted,
        }
        for a in dispute.actions
    ]


def action_from(row: Row[Any]) -> TrackedAction:
    """A tracked action from its row."""
    m = row._mapping
    return TrackedAction(
        number=m["position"],
        text=m["text"],
        complete_by=m["complete_by"],
        owner=m["owner"],
        added_by=m["added_by"],
        added_at=m["added_at"],
        stage=m["stage"],
        done_by=m["done_by"],
        done_at=m["done_at"],
        passed_noted=bool(m["passed_noted"]),
    )
