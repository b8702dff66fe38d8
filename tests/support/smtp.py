"""A real SMTP server for tests (aiosmtpd, in the test's own event loop, on a free port):
plain, STARTTLS or implicit TLS with a throwaway CA (trustme), optionally requiring a login,
and able to answer a recipient with an error code. What it accepted is kept as parsed mail."""

from __future__ import annotations

import asyncio
import ssl
import warnings
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any, Literal

import trustme
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from teams_bot.settings import SmtpServer
from tests.support.ports import LOOPBACK

Tls = Literal["none", "starttls", "implicit"]
SENDER = "DRP bot <drp-bot@ashdown-vale.example>"


@dataclass(frozen=True)
class Received:
    """One accepted message: its envelope and the parsed message."""

    mail_from: str
    rcpt_to: tuple[str, ...]
    message: EmailMessage

    @property
    def text(self) -> str:
        """The plain-text body."""
        body = self.message.get_body(("plain",))
        assert body is not None
        return str(body.get_content()).replace("\r\n", "\n")


@dataclass
class Handler:
    """Keeps what arrives; refuses recipients listed in ``refuse`` with their code."""

    received: list[Received] = field(default_factory=list)
    refuse: dict[str, int] = field(default_factory=dict)

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        code = self.refuse.get(address.lower())
        if code is not None:
            return f"{code} {'Try again later' if code < 500 else 'No such mailbox'}"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        message = message_from_bytes(raw, policy=policy.default)
        assert isinstance(message, EmailMessage)
        sender = str(envelope.mail_from or "")
        self.received.append(Received(sender, tuple(envelope.rcpt_tos), message))
        return "250 Message accepted"


@dataclass
class LocalSmtp:
    """A running local SMTP server and how a client reaches it."""

    handler: Handler
    port: int
    tls: Tls
    client_context: ssl.SSLContext
    logins: list[str]

    @property
    def received(self) -> list[Received]:
        """Every message accepted so far."""
        return self.handler.received

    def server(self, username: str = "", password: str = "") -> SmtpServer:
        """The ``SmtpServer`` settings that reach it."""
        return SmtpServer(
            LOOPBACK,
            self.port,
            SENDER,
            implicit_tls=self.tls == "implicit",
            starttls=True if self.tls == "starttls" else None,
            username=username,
            password=password,
        )

    def to(self, address: str) -> list[Received]:
        """The messages whose envelope reached ``address``."""
        return [r for r in self.received if address.lower() in (a.lower() for a in r.rcpt_to)]


@asynccontextmanager
async def local_smtp(
    tls: Tls = "none", users: dict[str, str] | None = None
) -> AsyncIterator[LocalSmtp]:
    """An SMTP server on a free loopback port for the duration of the block."""
    ca = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(LOOPBACK, "localhost").configure_cert(server_context)
    client_context = ssl.create_default_context()
    ca.configure_trust(client_context)
    handler = Handler()
    logins: list[str] = []

    def authenticate(
        server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        ok = (
            isinstance(data, LoginPassword)
            and (users or {}).get(data.login.decode()) == data.password.decode()
        )
        if ok:
            logins.append(data.login.decode())
        return AuthResult(success=ok, handled=False)

    def factory() -> SMTP:
        with warnings.catch_warnings():  # implicit TLS: aiosmtpd warns of AUTH without TLS
            warnings.simplefilter("ignore", UserWarning)
            return SMTP(
                handler,
                hostname="mail.ashdown-vale.example",
                tls_context=server_context if tls == "starttls" else None,
                require_starttls=tls == "starttls",
                authenticator=authenticate if users else None,
                auth_required=bool(users),
                # aiosmtpd counts only STARTTLS as TLS; implicit TLS is encrypted from the start.
                auth_require_tls=tls == "starttls",
            )

    loop = asyncio.get_running_loop()
    listener = await loop.create_server(
        factory, LOOPBACK, 0, ssl=server_context if tls == "implicit" else None
    )
    port = int(listener.sockets[0].getsockname()[1])
    try:
        yield LocalSmtp(handler, port, tls, client_context, logins)
    finally:
        listener.close()
        await listener.wait_closed()
