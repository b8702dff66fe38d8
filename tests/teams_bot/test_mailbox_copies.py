"""Issue 14.6, mailbox copies the seeds require, over real HTTP and real SMTP: the bot (aiohttp,
a SQLite store, the loopback Bot Connector) walks a dispute while an aiosmtpd server receives
what the outbox e-mails. Seed 000: "forward a copy of all disputes to the Dispute Resolution
Email"; seed 004: "e-mail the details through to chscp@hackney.gov.uk"."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from drp.policy_loader import shipped_text
from teams_bot.delivery.mail import SmtpMailer
from tests.support import hosts
from tests.support.smtp import LocalSmtp, Received, local_smtp
from tests.teams_bot.bot_harness import CHILD, LONDON, Walk, form_values, running_bot

MONDAY = datetime(2026, 11, 23, 9, 30, tzinfo=LONDON)
REF = "DRP-2026-000001"
NOTTINGHAM_BOX = "Dispute.Resolution@nottinghamcity.gov.uk"
CHSCP = "chscp@hackney.gov.uk"
SUMMARY = form_values()["summary"]
CONSULTED = "Agreed with the Principal Manager."


def mailer(smtp: LocalSmtp) -> SmtpMailer:
    return SmtpMailer(smtp.server(), tls_context=smtp.client_context)


def subject(mail: Received) -> str:
    """The subject as a mail client shows it (a long one is folded onto a second line)."""
    return " ".join(str(mail.message["Subject"]).split())


def assert_nothing_about_the_child(mail: Received) -> None:
    text = f"{mail.message['Subject']}\n{mail.text}"
    for part in (*CHILD[0].split(), CHILD[1], "2016", SUMMARY[:30]):
        assert part not in text, f"{part!r} is in an ordinary mailbox's copy"


async def walk_nottingham_to_stage_2(walk: Walk) -> None:
    await walk.raise_dispute("alex", practitioner=await walk.person_id("patti"))
    walk.clock.advance(hours=2)
    await walk.act("megan", REF, "drp.respond", response="Visit next week.")
    walk.clock.advance(hours=1)
    await walk.act("alex", REF, "drp.escalate", escalate_reason="Not good enough.")


async def test_nottingham_every_formal_step_is_copied_to_the_dispute_resolution_mailbox(
    tmp_path: Path,
) -> None:
    async with local_smtp("starttls") as smtp:
        async with running_bot(tmp_path, "nottingham", MONDAY, mailer=mailer(smtp)) as walk:
            await walk_nottingham_to_stage_2(walk)
            await walk.deliver()  # delivering again sends nothing twice
        copies = smtp.to(NOTTINGHAM_BOX)
    subjects = [subject(mail) for mail in copies]
    assert subjects == [
        f"{REF}: Raised (Stage 1: Team / Line Manager)",
        f"{REF}: Responded (Stage 1: Team / Line Manager)",
        f"{REF}: Escalated (Stage 2: Service Manager and Principal Manager)",
    ]
    raised, _, escalated = copies
    assert f"Reference: {REF}" in raised.text
    assert "Response due: Mon 30 Nov 2026" in raised.text
    assert "Overall deadline: Mon 21 Dec 2026" in raised.text
    assert "Response due: Mon 30 Nov 2026" in escalated.text  # 5 working days from Monday
    assert "By: Alex Wilber (Child Protection Chair)" in escalated.text
    for mail in copies:
        assert_nothing_about_the_child(mail)


async def test_nottingham_the_informal_stage_is_not_copied_until_it_goes_formal(
    tmp_path: Path,
) -> None:
    async with local_smtp() as smtp:
        async with running_bot(tmp_path, "nottingham", MONDAY, mailer=mailer(smtp)) as walk:
            patti = await walk.person_id("patti")
            await walk.raise_dispute("alex", stage="informal", practitioner=patti)
            walk.clock.advance(hours=2)
            await walk.act("megan", REF, "drp.respond", response="Not this week.")
            assert smtp.received == []
            walk.clock.advance(hours=1)
            await walk.act("alex", REF, "drp.escalate", escalate_reason="No resolution.")
        [formal] = smtp.to(NOTTINGHAM_BOX)
    assert subject(formal) == f"{REF}: Escalated (Stage 1: Team / Line Manager)"


async def test_hackney_the_partnership_is_sent_the_details_when_the_commissioner_is_involved(
    tmp_path: Path,
) -> None:
    async with local_smtp() as smtp:
        async with running_bot(tmp_path, "city-hackney", MONDAY, mailer=mailer(smtp)) as walk:
            riley = await walk.person_id("riley")
            await walk.raise_dispute(
                "patti",
                team="Hillcrest Children in Care",
                category="levels-of-need",
                category_other="",
                practitioner=riley,
                due="2026-11-26",
                consulted="My supervisor agrees.",
            )
            steps = [("riley", "2", "2026-11-30"), ("taylor", "3", "2026-12-04")]
            steps.append(("avery", "4", "2026-12-11"))
            for who, to, due in steps:
                walk.clock.advance(hours=2)
                await walk.act(who, REF, "drp.respond", response="No agreement.")
                assert smtp.received == [], "nothing before the Commissioner"
                walk.clock.advance(hours=1)
                await walk.act(
                    "patti",
                    REF,
                    "drp.escalate",
                    escalate_reason="Still not resolved.",
                    escalate_due=due,
                    to_stage=to,
                    escalate_consulted="Both Board members engaged; no agreement.",
                )
        [details] = smtp.to(CHSCP)
    commissioner = "Escalated (Stage 4: Independent Safeguarding Children Commissioner)"
    assert commissioner in subject(details)
    assert "Response due: Fri 11 Dec 2026" in details.text
    assert_nothing_about_the_child(details)


async def test_a_secure_mailbox_gets_the_childrens_names_and_the_concern(tmp_path: Path) -> None:
    profile = tmp_path / "nottingham-secure.toml"
    secure = shipped_text("nottingham").replace(
        'stages = ["1", "2", "3", "4", "5"]', 'stages = ["1", "2", "3", "4", "5"]\nsecure = true'
    )
    profile.write_text(secure, encoding="utf-8")
    async with local_smtp() as smtp:
        async with running_bot(tmp_path, str(profile), MONDAY, mailer=mailer(smtp)) as walk:
            await walk.raise_dispute("alex", practitioner=await walk.person_id("patti"))
        [raised] = smtp.to(NOTTINGHAM_BOX)
    assert f"{CHILD[0]} (Liquid Logic ID {CHILD[1]}" in raised.text
    assert SUMMARY in raised.text
    assert "Zara" not in subject(raised), "never in a header"


async def test_a_mailbox_that_refuses_the_copy_is_given_up_and_logged_without_its_address(
    tmp_path: Path,
) -> None:
    async with local_smtp() as smtp:
        smtp.handler.refuse = {NOTTINGHAM_BOX.lower(): 550}
        async with running_bot(tmp_path, "nottingham", MONDAY, mailer=mailer(smtp)) as walk:
            await walk.raise_dispute("alex", practitioner=await walk.person_id("patti"))
            async with walk.bot.store.transaction() as tx:
                [copy] = [m for m in await tx.outbox.for_dispute(REF) if m.kind == "mailbox_copy"]
        assert smtp.received == []
    assert copy.failed
    assert copy.last_error is not None
    assert "SMTP 550" in copy.last_error
    assert "nottinghamcity" not in copy.last_error


async def test_without_smtp_no_copy_is_owed(tmp_path: Path) -> None:
    async with running_bot(tmp_path, "nottingham", MONDAY) as walk:
        await walk_nottingham_to_stage_2(walk)
        async with walk.bot.store.transaction() as tx:
            kinds = {m.kind for m in await tx.outbox.for_dispute(REF)}
    assert "mailbox_copy" not in kinds


async def test_serve_says_at_start_which_copies_will_not_go_without_smtp(tmp_path: Path) -> None:
    env = hosts.serve_env(DRP_DATA_DIR=str(tmp_path), DRP_POLICY="nottingham")
    said = await hosts.serve_banner(env, tmp_path)
    assert f"sqlite store, {hosts.current()} host)" in said  # the subprocess runs the test's host
    assert "DRP_SMTP_URL is not set: these mailbox copies will not be sent:" in said
    assert f"Dispute Resolution mailbox <{NOTTINGHAM_BOX}> (steps 1, 2, 3, 4, 5)" in said
