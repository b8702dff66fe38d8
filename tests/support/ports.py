"""Free loopback ports for servers started by tests (never a fixed port)."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import web

LOOPBACK = "127.0.0.1"


def free_port(host: str = LOOPBACK) -> int:
    """Return a TCP port on ``host`` that was free a moment ago (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def bound_socket(host: str = LOOPBACK) -> socket.socket:
    """A TCP socket bound to a free port on ``host`` and kept: a server that must know its
    port before it starts (``serve_app(sock=)``) cannot lose it to another test meanwhile, as
    a port from ``free_port`` can."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 0))
    return sock


def is_listening(port: int, host: str = LOOPBACK) -> bool:
    """True when something accepts TCP connections on ``host:port``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.2)
        return sock.connect_ex((host, port)) == 0


@asynccontextmanager
async def serve_app(
    app: web.Application,
    host: str = LOOPBACK,
    port: int = 0,
    *,
    sock: socket.socket | None = None,
) -> AsyncIterator[str]:
    """Serve an aiohttp app on ``port`` (default: a free one) of ``host``, or on ``sock``
    (``bound_socket``); yields its base URL, cleans up after."""
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    site: web.BaseSite = web.SockSite(runner, sock) if sock else web.TCPSite(runner, host, port)
    await site.start()
    try:
        port = int(runner.addresses[0][1])
        yield f"http://{host}:{port}"
    finally:
        await runner.cleanup()
