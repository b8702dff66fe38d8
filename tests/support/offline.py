"""The one guard for unit tests that must not touch the network (PTB's ``OfflineRequest``
idea): any socket connect from this process fails the test, naming why."""

from __future__ import annotations

import socket
from typing import NoReturn

import pytest


def refuse_network(monkeypatch: pytest.MonkeyPatch, why: str) -> None:
    """Until the test ends, every connect fails it with ``why`` (subprocesses are not guarded)."""

    def refuse(*_args: object, **_kwargs: object) -> NoReturn:
        pytest.fail(f"{why}: a network connection was attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
