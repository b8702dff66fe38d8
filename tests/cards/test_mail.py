"""The mailbox copy's text: an ordinary mailbox gets no child data; a secure one gets the
children and the concern as plain text, whatever was typed; the subject is always one line."""

from __future__ import annotations

from dataclasses import replace

from cards.mail import NOT_INCLUDED, mailbox_copy
from cards.views import DisputeView
from drp.model import Child
from drp.policy import Mailbox
from tests.cards.scenarios import raise_story

HOSTILE = "Line one\r\nBcc: spy@evil.example\r\n\r\n<script>x</script> [link](http://x)"
BOX = Mailbox("box", "Monitoring mailbox", "box@council.example", ())


def _copy(secure: bool) -> tuple[str, str]:
    story = raise_story("nottingham", summary=HOSTILE, children=(Child("Amy Zed", "LL-9"),))
    view = DisputeView(story.dispute, story.events, {}, story.dispute.team)
    text = mailbox_copy(view, story.events[-1], replace(BOX, secure=secure), story.policy)
    return text.subject, text.text


def test_an_ordinary_mailbox_copy_carries_no_child_data() -> None:
    subject, text = _copy(secure=False)
    assert "DRP-2026-000123" in subject
    for part in ("Amy", "Zed", "LL-9", "Line one", "script"):
        assert part not in subject + text
    assert NOT_INCLUDED in text


def test_a_secure_copy_has_the_typed_text_in_the_body_only() -> None:
    subject, text = _copy(secure=True)
    assert "\n" not in subject
    assert "\r" not in subject
    assert "Amy Zed (Liquid Logic ID LL-9)" in text
    assert "Bcc: spy@evil.example" in text  # plain text in the body, not a header
    assert "Amy" not in subject
