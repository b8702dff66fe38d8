"""The response link's token and code (issue 18), without a server: signed, bound to one person
and one step, unreadable once altered, and never stored as itself."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

from drp.model import Dispute, Status
from drp.roles import Role
from teams_bot.respond.tokens import LinkKeys, link_id
from teams_bot.settings import BotCredentials
from tests.drp.support import concern, london

DUE = london(2026, 11, 30, 17, 0)
DISPUTE = Dispute(
    reference="DRP-2026-000001",
    policy="city-hackney",
    process="drp",
    raised_by="patti",
    raiser_role=Role.PRACTITIONER,
    raised_at=london(2026, 11, 23, 9, 30),
    date_of_concern=date(2026, 11, 20),
    children=(),
    team="Hillcrest Children in Care",
    concern=concern(),
    status=Status.AWAITING_RESPONSE,
    stage="2",
    due_at=DUE,
)


def keys(secret: str = "s3cret") -> LinkKeys:
    return LinkKeys.for_credentials(BotCredentials(app_id="app", app_password=secret))


def test_a_token_names_its_person_and_step_and_is_stored_only_as_a_hash() -> None:
    token = keys().token("taylor", DISPUTE)
    assert token is not None
    link = keys().read(token)  # another replica, same client secret
    assert link is not None
    assert (link.person_id, link.reference, link.stage, link.deadline) == (
        "taylor",
        "DRP-2026-000001",
        "2",
        DUE,
    )
    assert link.link_id == link_id(token) != token
    assert "taylor" not in link.link_id


def test_an_altered_or_foreign_token_reads_as_nothing() -> None:
    token = keys().token("taylor", DISPUTE)
    assert token is not None
    body, _, signature = token.rpartition(".")
    altered = body[:-1] + ("A" if body[-1] != "A" else "B")
    assert keys().read(altered + "." + signature) is None
    assert keys("another secret").read(token) is None
    assert keys().read("x" * 5000) is None
    assert keys().read("") is None


def test_a_link_opens_only_the_step_it_was_made_for() -> None:
    link = keys().read(keys().token("taylor", DISPUTE) or "")
    assert link is not None
    assert link.opens(DISPUTE)
    assert not link.opens(replace(DISPUTE, stage="3"))
    assert not link.opens(replace(DISPUTE, due_at=DUE + timedelta(days=2)))  # extended
    assert not link.opens(replace(DISPUTE, status=Status.CLOSED))
    assert keys().token("taylor", replace(DISPUTE, due_at=None)) is None


def test_a_code_matches_only_itself_and_only_for_its_link() -> None:
    k = keys()
    taylor = k.read(k.token("taylor", DISPUTE) or "")
    megan = k.read(k.token("megan", DISPUTE) or "")
    assert taylor is not None
    assert megan is not None
    code = k.new_code()
    assert len(code) == 6
    assert code.isdigit()
    stored = k.code_hash(taylor, code)
    assert code not in stored
    assert k.code_matches(taylor, f" {code} ", stored)
    assert not k.code_matches(megan, code, stored)
    assert not k.code_matches(taylor, "x" + code[1:], stored)


def test_locally_each_start_makes_its_own_key() -> None:
    local = BotCredentials()
    token = LinkKeys.for_credentials(local).token("taylor", DISPUTE) or ""
    assert LinkKeys.for_credentials(local).read(token) is None
    assert isinstance(DUE, datetime)
