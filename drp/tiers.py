"""Tiers of management within a two-sided stage (seed 004 §2.10: "If there remains
disagreement, the expectation is that escalation continues through the appropriate tiers of
management in each organisation until the matter is resolved").

A stage's own roles are its tier 1; ``Stage.tiers`` are tiers 2, 3, ... When the managers at one
tier do not resolve it, the raiser's Escalate climbs to the next tier of the same stage, and only
after the last to the next stage. A tier where a side has nobody (the service finds out from the
directory) is passed over, and the escalation records which and why. Each tier restarts the
stage's clock: the seed gives its stages no timescale of their own ("within the shortest possible
timescale"), so the raiser sets a deadline for each tier as for each stage; where a stage has a
timescale, each tier has all of it (a tier is a new discussion between new managers).

Pure: no directory here. ``at`` is the stage as its tier's owners see it, which is what routing,
guards and staffing read.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from drp.errors import CommandRejected, InvalidInput
from drp.model import Dispute
from drp.policy import Policy, Stage

FIRST = 1


@dataclass(frozen=True, slots=True)
class Skip:
    """A tier passed over on the way up, and why (e.g. "nobody holds it in Hillcrest")."""

    tier: int
    why: str


def count(stage: Stage) -> int:
    """How many tiers the stage has (1 for a stage without further tiers)."""
    return FIRST + len(stage.tiers)


def at(stage: Stage, tier: int) -> Stage:
    """The stage as its owners at ``tier`` see it: the tier's responding roles on each side.
    Copies, alerts, deadlines and the rest stay the stage's."""
    if tier <= FIRST or tier > count(stage):
        return stage
    found = stage.tiers[tier - FIRST - 1]
    return replace(
        stage,
        responsible=found.responsible,
        raiser_side=found.raiser_side,
        raiser_line=found.raiser_line,
    )


def title(policy: Policy, stage: Stage, tier: int) -> str:
    """The tier's name: its own title, or its responsible roles' titles (tier 1: the stage's)."""
    if tier <= FIRST or tier > count(stage):
        return stage.title
    found = stage.tiers[tier - FIRST - 1]
    return found.title or policy.roles.titles(found.responsible)


def label(policy: Policy, stage: Stage, tier: int) -> str:
    """``Stage 3, tier 2: Head of service``; a stage's first tier is the stage itself
    (``Stage 3: Senior managers``), and a stage without tiers reads as before."""
    name = stage.title if not stage.formal else f"Stage {stage.key}"
    if tier <= FIRST or tier > count(stage):
        return name if not stage.formal else f"{name}: {stage.title}"
    return f"{name}, tier {tier}: {title(policy, stage, tier)}"


def remaining(stage: Stage, tier: int) -> tuple[int, ...]:
    """The tiers above ``tier`` in the stage, lowest first."""
    return tuple(range(tier + 1, count(stage) + 1))


def next_tier(stage: Stage, tier: int) -> int:
    """The tier an escalation climbs to before any is passed over; 0 after the last."""
    return tier + 1 if tier < count(stage) else 0


def target(dispute: Dispute, stage: Stage, to_stage: str, skips: tuple[Skip, ...]) -> int:
    """The tier an escalation from ``stage`` climbs to: the lowest tier above the dispute's that
    is not passed over, or 0 when none is left (then it goes on to the next stage). Going to
    another stage while a tier is left is refused: the tiers are climbed first."""
    above = remaining(stage, dispute.tier)
    passed = {skip.tier for skip in skips}
    strangers = sorted(passed - set(above))
    if strangers:
        raise InvalidInput("tier", f"tier {strangers[0]} is not above this one in the stage")
    left = [tier for tier in above if tier not in passed]
    if not left:
        return 0
    if to_stage and to_stage != stage.key:
        raise CommandRejected(
            dispute.status,
            "Escalate",
            f"the tiers of stage {stage.key} are climbed first: tier {left[0]} is next",
        )
    return left[0]


def skipped_text(policy: Policy, stage: Stage, skips: tuple[Skip, ...]) -> str:
    """What the chair reads of the tiers passed over: "tier 2 (Head of service): nobody holds
    it in Hillcrest Children in Care"."""
    return "; ".join(
        f"tier {skip.tier} ({title(policy, stage, skip.tier)}): {skip.why}"
        for skip in sorted(skips, key=lambda s: s.tier)
    )
