"""The SMTP mailer against a real local SMTP server (aiosmtpd): plain, STARTTLS and implicit
TLS, a login, refusals and an unreachable server as the outbox's retryable or final errors."""

from __future__ import annotations

import pytest

from teams_bot.delivery.mail import LOGIN_REFUSED, PERMANENT, TRANSIENT, Mail, SmtpMailer
from teams_bot.turn import DeliveryError
from tests.support.ports import free_port
from tests.support.smtp import SENDER, Tls, local_smtp

MAIL = Mail(("mailbox@council.example",), "DRP-2026-000001: Raised (Stage 1)", "Reference: x\n")


@pytest.mark.parametrize("tls", ["none", "starttls", "implicit"])
async def test_a_mail_reaches_the_server_over_each_kind_of_connection(tls: Tls) -> None:
    async with local_smtp(tls) as smtp:
        mailer = SmtpMailer(smtp.server(), tls_context=smtp.client_context)
        await mailer.send(MAIL)
    [got] = smtp.received
    assert got.rcpt_to == ("mailbox@council.example",)
    assert got.message["Subject"] == MAIL.subject
    assert got.message["From"] == SENDER
    assert got.message["Auto-Submitted"] == "auto-generated"
    assert got.message["Message-ID"].endswith("@ashdown-vale.example>")
    assert got.text == "Reference: x\n"


@pytest.mark.parametrize("tls", ["starttls", "implicit"])
async def test_the_login_is_used_and_a_wrong_password_is_a_final_error(tls: Tls) -> None:
    async with local_smtp(tls, users={"drp": "s3cret"}) as smtp:
        good = SmtpMailer(smtp.server("drp", "s3cret"), tls_context=smtp.client_context)
        await good.send(MAIL)
        bad = SmtpMailer(smtp.server("drp", "wrong"), tls_context=smtp.client_context)
        with pytest.raises(DeliveryError) as caught:
            await bad.send(MAIL)
    assert smtp.logins == ["drp"]
    assert len(smtp.received) == 1
    assert caught.value.status == LOGIN_REFUSED
    assert not caught.value.retryable
    assert "wrong" not in str(caught.value)


async def test_a_server_whose_certificate_is_not_trusted_is_refused() -> None:
    async with local_smtp("implicit") as smtp:
        mailer = SmtpMailer(smtp.server())  # the system's trust store: not our test CA
        with pytest.raises(DeliveryError) as caught:
            await mailer.send(MAIL)
    assert smtp.received == []
    assert caught.value.retryable


async def test_a_refused_mailbox_is_final_and_a_busy_one_is_retried() -> None:
    async with local_smtp() as smtp:
        smtp.handler.refuse = {"gone@council.example": 550, "busy@council.example": 451}
        mailer = SmtpMailer(smtp.server(), tls_context=smtp.client_context)
        with pytest.raises(DeliveryError) as gone:
            await mailer.send(Mail(("gone@council.example",), "s", "t"))
        with pytest.raises(DeliveryError) as busy:
            await mailer.send(Mail(("busy@council.example",), "s", "t"))
    assert (gone.value.status, gone.value.retryable) == (PERMANENT, False)
    assert (busy.value.status, busy.value.retryable) == (TRANSIENT, True)
    assert "council.example" not in str(gone.value) + str(busy.value)


async def test_an_unreachable_server_is_retried_later() -> None:
    async with local_smtp() as smtp:
        server = smtp.server()
    mailer = SmtpMailer(type(server)(server.host, free_port(), server.sender))
    with pytest.raises(DeliveryError) as caught:
        await mailer.send(MAIL)
    assert caught.value.retryable


async def test_a_subject_cannot_carry_extra_headers() -> None:
    async with local_smtp() as smtp:
        mailer = SmtpMailer(smtp.server(), tls_context=smtp.client_context)
        await mailer.send(Mail(("a@council.example",), "x\r\nBcc: spy@evil.example", "t"))
    [got] = smtp.received
    assert got.rcpt_to == ("a@council.example",)
    assert got.message["Bcc"] is None
    assert got.message["Subject"] == "x Bcc: spy@evil.example"
