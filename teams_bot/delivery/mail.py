"""Sending e-mail through the council's SMTP server (aiosmtplib): implicit TLS (smtps) or
STARTTLS, an optional login, certificates checked against the system's trust store.

SMTP's failures become ``DeliveryError``s the outbox understands: a 4xx reply, a dropped
connection or a timeout is worth retrying; a 5xx reply (no such mailbox, refused) is not.
Errors carry SMTP codes only, never an address or the message.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from typing import Protocol

import aiosmtplib

from teams_bot.settings import SmtpServer
from teams_bot.turn import DeliveryError

SEND_TIMEOUT = 30.0  # seconds for the whole conversation with the server
PERMANENT = 422  # the outbox gives up at once (not a retryable status)
TRANSIENT = 503  # the outbox backs off and tries again
LOGIN_REFUSED = 401


@dataclass(frozen=True, slots=True)
class Mail:
    """One e-mail: recipients, a one-line subject and a plain-text body."""

    to: tuple[str, ...]
    subject: str
    text: str


class Mailer(Protocol):
    """Sends e-mail; delivery calls this and nothing below it knows SMTP."""

    async def send(self, mail: Mail) -> None:
        """Hand the mail to the server; ``DeliveryError`` if it was not accepted."""
        ...


class SmtpMailer:
    """A ``Mailer`` over one SMTP server; ``tls_context`` replaces the system trust store
    (tests trust their own throwaway CA with it)."""

    def __init__(self, server: SmtpServer, *, tls_context: ssl.SSLContext | None = None) -> None:
        self.server = server
        self._tls_context = tls_context

    def message(self, mail: Mail) -> EmailMessage:
        """The RFC 5322 message for ``mail``, from the configured sender."""
        message = EmailMessage()
        message["From"] = self.server.sender
        message["To"] = ", ".join(mail.to)
        message["Subject"] = " ".join(mail.subject.split())  # one line: no injected headers
        message["Date"] = formatdate(localtime=False, usegmt=True)
        message["Message-ID"] = make_msgid("drp", domain=_domain(self.server.sender))
        message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies
        message.set_content(mail.text)
        return message

    async def send(self, mail: Mail) -> None:
        """Send through the server; failures become ``DeliveryError``s."""
        server = self.server
        try:
            await aiosmtplib.send(
                self.message(mail),
                hostname=server.host,
                port=server.port,
                username=server.username or None,
                password=server.password or None,
                use_tls=server.implicit_tls,
                start_tls=server.starttls,
                tls_context=self._tls_context,
                timeout=SEND_TIMEOUT,
            )
        except aiosmtplib.SMTPRecipientsRefused as refused:
            codes = sorted({r.code for r in refused.recipients})
            raise _by_code(codes[-1] if codes else 550, "recipient refused") from None
        except aiosmtplib.SMTPAuthenticationError as error:
            raise DeliveryError(LOGIN_REFUSED, f"SMTP {error.code}: login refused") from None
        except aiosmtplib.SMTPResponseException as error:
            raise _by_code(error.code, type(error).__name__) from None
        except (aiosmtplib.SMTPException, OSError, ssl.SSLError) as error:
            raise DeliveryError(TRANSIENT, f"SMTP: {type(error).__name__}") from None

    async def check(self) -> None:
        """Connect, say EHLO, upgrade to TLS as configured and log in, sending nothing
        (``drp-bot doctor``); ``DeliveryError`` saying what failed."""
        server = self.server
        client = aiosmtplib.SMTP(
            hostname=server.host,
            port=server.port,
            use_tls=server.implicit_tls,
            start_tls=server.starttls,
            tls_context=self._tls_context,
            timeout=SEND_TIMEOUT,
        )
        try:
            await client.connect()
            if server.username:
                await client.login(server.username, server.password)
            await client.quit()
        except aiosmtplib.SMTPAuthenticationError as error:
            raise DeliveryError(LOGIN_REFUSED, f"SMTP {error.code}: login refused") from None
        except aiosmtplib.SMTPResponseException as error:
            raise _by_code(error.code, type(error).__name__) from None
        except (aiosmtplib.SMTPException, OSError, ssl.SSLError) as error:
            raise DeliveryError(TRANSIENT, f"SMTP: {type(error).__name__}") from None
        finally:
            client.close()


def _by_code(code: int, what: str) -> DeliveryError:
    status = TRANSIENT if 400 <= code < 500 else PERMANENT
    return DeliveryError(status, f"SMTP {code}: {what}")


def _domain(sender: str) -> str:
    address = parseaddr(sender)[1]
    return address.rpartition("@")[2] or "localhost"
