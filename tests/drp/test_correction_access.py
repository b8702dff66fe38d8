"""Who may correct a child's details is the profile's ``[access] correct`` (default: the chairs'
service manager), asked of the machine like every other permission."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from drp.commands import Correct
from drp.errors import NotPermitted
from drp.machine import Context, decide
from drp.policy import load_policy
from drp.roles import Role
from tests.store.erasure_seed import CSM, KEPT, NOTTINGHAM, NOW, seeded

WYVERN = Path(__file__).parents[1] / "profiles" / "wyvern-marches.toml"


def test_the_shipped_profiles_let_the_chairs_service_manager_correct() -> None:
    assert NOTTINGHAM.policy.access.correct == (Role.CHAIRS_SERVICE_MANAGER,)
    principal = load_policy(str(WYVERN)).access.correct
    assert [str(role) for role in principal] == ["safeguarding_principal"]


def test_the_profiles_access_decides_who_may_correct() -> None:
    dispute = seeded().stories[KEPT][-1].dispute
    fix = Correct(CSM, NOW, "child_1_name", "KEEP New Name", "typo")
    assert decide(dispute, fix, NOTTINGHAM).dispute.children[0].name == "KEEP New Name"
    policy = NOTTINGHAM.policy
    monitors_only = replace(policy, access=replace(policy.access, correct=(Role.MONITOR,)))
    with pytest.raises(NotPermitted):
        decide(dispute, fix, Context(monitors_only, NOTTINGHAM.calendar))
