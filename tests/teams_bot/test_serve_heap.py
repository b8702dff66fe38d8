"""``drp-bot serve`` keeps what start-up built out of the collector's full passes (issue 16:
each walked every start-up object, 60-90 ms with every request waiting), and still collects
what the bot allocates afterwards."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from teams_bot.cli.serve import settle_heap


@pytest.fixture
def thawed() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()  # the rest of the test session as it was


class Cycle:
    def __init__(self) -> None:
        self.me = self


def test_start_up_objects_are_frozen_and_later_garbage_is_still_collected(thawed: None) -> None:
    before = gc.get_freeze_count()
    settle_heap()
    assert gc.get_freeze_count() > before + 10_000  # the modules, models and policy loaded
    for _ in range(100):
        Cycle()  # garbage only the cycle collector finds
    assert gc.collect() >= 100
