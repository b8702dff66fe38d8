"""Fixtures for the domain core's unit tests: pure code, so any network use is a bug."""

from __future__ import annotations

import socket
from typing import NoReturn

import pytest


def _refuse(*_args: object, **_kwargs: object) -> NoReturn:
    pytest.fail("tests/drp are pure unit tests: a network connection was attempted")


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test on any socket connect (the `drp` package must never do I/O)."""
    monkeypatch.setattr(socket.socket, "connect", _refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", _refuse)
    monkeypatch.setattr(socket, "create_connection", _refuse)
