"""The Playground's generated mock-data file follows its schema 0.1.1 (pure, no process)."""

from __future__ import annotations

import pytest

from tests.support.playground import DEFAULT_CONFIG, PlaygroundConfig


def test_config_has_the_current_user_apart_from_exactly_five_others() -> None:
    config = DEFAULT_CONFIG.as_current("user-id-2").to_config()

    assert config["currentUser"]["id"] == "user-id-2"
    assert len(config["users"]) == 5
    assert "user-id-2" not in [u["id"] for u in config["users"]]
    assert "userPrincipleName" in config["currentUser"]  # the schema's own spelling


def test_config_refuses_a_tenant_the_playground_would_reject() -> None:
    config = PlaygroundConfig(users=DEFAULT_CONFIG.users[:5], current_user_id="user-id-0")

    with pytest.raises(ValueError, match="exactly 5 other users"):
        config.to_config()
