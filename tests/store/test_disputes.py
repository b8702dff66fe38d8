"""Disputes: exact round-trips, the chronology, projections, queries and reference numbers."""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import MISSING, fields
from datetime import UTC, date, datetime, timedelta

import pytest

from cards.views import deadline
from drp.machine import Decision
from drp.model import Action, Dispute, Status
from store import DuplicateReference, InvalidRecord, NotFound, Store
from tests.store.scenario import (
    CHAIR,
    CHAIRS_MANAGER,
    T0,
    TEAM,
    TEAM_MANAGER,
    raised,
    story,
    variety,
)

INSTANTS = (
    "raised_at",
    "due_at",
    "review_due_at",
    "overall_due_at",
    "formal_started_at",
    "closed_at",
)


async def keep(store: Store, stories: list[list[Decision]]) -> None:
    """Store each story: its first decision added, the rest saved in order, one tx each."""
    for decisions in stories:
        async with store.transaction() as tx:
            await tx.disputes.add(decisions[0])
        for before, after in itertools.pairwise(decisions):
            async with store.transaction() as tx:
                await tx.disputes.save(after, expected_version=before.dispute.version)


def finals(stories: list[list[Decision]]) -> list[Dispute]:
    return [decisions[-1].dispute for decisions in stories]


def test_the_stories_give_every_dispute_field_a_non_default_value() -> None:
    # Otherwise the round-trip test below could miss a field the store forgets.
    disputes = [d.dispute for decisions in variety() for d in decisions]
    # erased_at is set by retention (store.erasure), not by a command: tests/store/test_erasure.py.
    defaults = {
        f.name: f.default
        for f in fields(Dispute)
        if f.default is not MISSING and f.name != "erased_at"
    }
    unset = [
        name
        for name, default in defaults.items()
        if all(getattr(d, name) == default for d in disputes)
    ]
    assert unset == []


async def test_every_state_of_every_dispute_round_trips_exactly(store: Store) -> None:
    for decisions in variety():
        for number, decision in enumerate(decisions):
            async with store.transaction() as tx:
                if number == 0:
                    await tx.disputes.add(decision)
                else:
                    await tx.disputes.save(decision, expected_version=number)
            async with store.transaction(readonly=True) as tx:
                assert await tx.disputes.get(decision.dispute.reference) == decision.dispute


async def test_instants_come_back_as_utc(store: Store) -> None:
    stories = variety()
    await keep(store, stories)
    async with store.transaction(readonly=True) as tx:
        for expected in finals(stories):
            loaded = await tx.disputes.get(expected.reference)
            for name in INSTANTS:
                value = getattr(loaded, name)
                assert value is None or value.tzinfo is UTC, name
                assert value == getattr(expected, name)


async def test_the_chronology_is_every_event_in_order(store: Store) -> None:
    stories = variety()
    await keep(store, stories)
    async with store.transaction(readonly=True) as tx:
        for decisions in stories:
            reference = decisions[0].dispute.reference
            assert await tx.disputes.events(reference) == [d.event for d in decisions]


async def test_stage_visits_responses_and_reviews_are_projected_from_events(store: Store) -> None:
    decisions = story("DRP-2026-000001")
    await keep(store, [decisions])
    async with store.transaction(readonly=True) as tx:
        visits = await tx.disputes.visits("DRP-2026-000001")
        responses = await tx.disputes.responses("DRP-2026-000001")
        reviews = await tx.disputes.reviews("DRP-2026-000001")
    assert [(v.stage, v.entered_sequence, v.left_sequence) for v in visits] == [
        ("1", 1, 3),
        ("2", 3, 5),
    ]
    assert visits[0].owners == (TEAM_MANAGER.id,)
    assert visits[0].due_at == decisions[0].dispute.due_at
    assert visits[1].left_at == decisions[4].event.at
    assert [(r.sequence, r.stage, r.on_time) for r in responses] == [
        (2, "1", True),
        (4, "2", True),
    ]
    assert responses[0].actions == (Action("Core group meeting", date(2026, 3, 20)),)
    assert responses[0].practice_issues == "Core groups were not diarised at conference."
    assert [(r.decision, r.stage, r.to_stage) for r in reviews] == [
        ("escalated", "1", "2"),
        ("resolved", "2", ""),
    ]
    assert reviews[0].comments == "Plan still drifting."


async def test_an_extension_moves_the_open_visits_deadline_and_is_a_review(store: Store) -> None:
    stories = variety()
    await keep(store, stories)
    extended = next(s for s in stories if s[-1].event.kind == "extended")
    reference = extended[0].dispute.reference
    async with store.transaction(readonly=True) as tx:
        (visit,) = await tx.disputes.visits(reference)
        reviews = await tx.disputes.reviews(reference)
    assert visit.first_due_at == extended[0].dispute.due_at
    assert visit.due_at == extended[-1].dispute.due_at != visit.first_due_at
    assert [(r.decision, r.due_at) for r in reviews] == [("extended", visit.due_at)]


async def test_open_disputes_by_owner_raiser_team_approver_and_child(store: Store) -> None:
    stories = variety()
    await keep(store, stories)
    disputes = finals(stories)
    open_ = [d for d in disputes if d.is_open]
    async with store.transaction(readonly=True) as tx:
        owned = await tx.disputes.open_for_owner(TEAM_MANAGER.id)
        mine = await tx.disputes.open_for_raiser(CHAIR.id)
        team = await tx.disputes.open_for_team(TEAM)
        every = await tx.disputes.open_all()
        review = await tx.disputes.awaiting_review_for(CHAIR.id)
        approval = await tx.disputes.awaiting_approval_by(CHAIRS_MANAGER)
        child = await tx.disputes.for_child("LL-1001")
        nobody = await tx.disputes.open_for_owner("nobody")
    assert {d.reference for d in owned} == {
        d.reference for d in open_ if TEAM_MANAGER.id in d.owners
    }
    assert {d.reference for d in mine} == {d.reference for d in open_}
    assert {d.reference for d in team} == {d.reference for d in open_}
    assert sorted(d.reference for d in every) == sorted(d.reference for d in open_)
    assert [d.status for d in review] == [Status.AWAITING_REVIEW]
    assert sorted(d.reference for d in approval) == [
        "DRP-2026-000104",
        "DRP-2026-000106",
        "DRP-2026-000109",
    ]
    assert [d.reference for d in child] == sorted(d.reference for d in disputes)
    assert nobody == []
    assert owned == sorted(owned, key=lambda d: (d.due_at is None, d.due_at, d.reference))


@pytest.mark.parametrize("days", [0, 3, 8, 40])
async def test_due_before_finds_exactly_the_passed_response_and_review_deadlines(
    store: Store, days: int
) -> None:
    stories = variety()
    await keep(store, stories)
    instant = T0 + timedelta(days=days)
    expected = sorted(
        (
            d
            for d in finals(stories)
            if (d.status == Status.AWAITING_RESPONSE and d.due_at and d.due_at < instant)
            or (
                d.status == Status.AWAITING_REVIEW
                and d.review_due_at
                and d.review_due_at < instant
            )
        ),
        key=lambda d: d.review_due_at or d.due_at or T0,
    )
    async with store.transaction(readonly=True) as tx:
        found = await tx.disputes.due_before(instant)
    assert found == expected
    assert days < 40 or len(found) == 7  # the tiers' story and the reopened one (14.4)


@pytest.mark.parametrize("days", [0, 3, 8, 40])
async def test_open_disputes_are_counted_by_their_current_deadline(
    store: Store, days: int
) -> None:
    stories = variety()
    await keep(store, stories)
    now, soon = T0 + timedelta(days=days), T0 + timedelta(days=days + 1)
    counts = [0, 0, 0]
    for dispute in finals(stories):
        if dispute.status == Status.CLOSED:
            continue
        due = deadline(dispute)
        counts[0 if due and due < now else 1 if due and due <= soon else 2] += 1
    async with store.transaction(readonly=True) as tx:
        found = await tx.disputes.open_by_deadline(now, soon)
    assert found == tuple(counts)
    assert sum(found) == sum(1 for d in finals(stories) if d.status != Status.CLOSED)


async def test_the_report_streams_the_window_in_batches_oldest_first(store: Store) -> None:
    stories = [[raised(f"DRP-2026-{n:06d}", at=T0 + timedelta(hours=n % 3))] for n in range(1, 12)]
    await keep(store, stories)
    start, end = T0 + timedelta(hours=1), T0 + timedelta(hours=3)
    async with store.transaction(readonly=True) as tx:
        found = [d async for d in tx.disputes.for_report(start, end, batch=2)]
    expected = sorted(
        (d for d in finals(stories) if start <= d.raised_at < end),
        key=lambda d: (d.raised_at, d.reference),
    )
    assert [d.reference for d in found] == [d.reference for d in expected]
    assert len(found) == 8


async def test_a_missing_dispute_is_not_found(store: Store) -> None:
    async with store.transaction(readonly=True) as tx:
        assert await tx.disputes.find("DRP-2026-999999") is None
        with pytest.raises(NotFound) as caught:
            await tx.disputes.get("DRP-2026-999999")
    assert caught.value.key == "DRP-2026-999999"


async def test_a_reference_cannot_be_added_twice(store: Store) -> None:
    decision = raised("DRP-2026-000001")
    async with store.transaction() as tx:
        await tx.disputes.add(decision)
    with pytest.raises(DuplicateReference):
        async with store.transaction() as tx:
            await tx.disputes.add(decision)


async def test_a_naive_datetime_is_refused(store: Store) -> None:
    with pytest.raises(InvalidRecord):
        async with store.transaction() as tx:
            await tx.audit.record("exported", CHAIR.id, at=datetime(2026, 3, 2, 9, 30))


async def test_references_count_up_per_year(store: Store) -> None:
    async with store.transaction() as tx:
        numbers = [await tx.disputes.next_reference(2026) for _ in range(3)]
        numbers.append(await tx.disputes.next_reference(2027))
    assert numbers == ["DRP-2026-000001", "DRP-2026-000002", "DRP-2026-000003", "DRP-2027-000001"]


async def test_concurrent_raises_get_every_number_once_and_rollbacks_leave_no_gap(
    store: Store,
) -> None:
    class Abandoned(Exception):
        pass

    async def command(n: int) -> str:
        async with store.transaction() as tx:
            reference = await tx.disputes.next_reference(2026)
            await tx.disputes.add(raised(reference))
            if n % 3 == 0:
                raise Abandoned  # the command fails after taking a number: it gives it back
            return reference

    results = await asyncio.gather(*(command(n) for n in range(18)), return_exceptions=True)
    kept = sorted(r for r in results if isinstance(r, str))
    assert sum(isinstance(r, Abandoned) for r in results) == 6
    assert kept == [f"DRP-2026-{n:06d}" for n in range(1, 13)]
    async with store.transaction(readonly=True) as tx:
        assert await tx.disputes.count() == 12
