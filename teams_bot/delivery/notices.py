"""What the bot's own messages say: reminders, digests, failed deliveries, mentions.

Rendered at send time from the store. A reminder that is no longer true when its turn comes (the
manager answered, the dispute moved on) is not sent: ``still_owed`` decides.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from cards import elements as el
from cards.banners import notice_card
from cards.lists import dispute_list_card, row_for
from cards.permissions import options
from cards.text import format_date, format_due, plain
from cards.verbs import KeyFactory, Verb
from cards.views import RAG, Viewer, ViewerKind
from drp import tiers
from drp.deadlines import Occasion, deadline_for
from drp.machine import Context
from drp.model import Dispute, Status
from drp.policy import Stage
from drp.roles import Role
from drp.timescale import Timescale, TimeUnit
from store.rows import Person
from store.store import Transaction
from teams_bot.outbox_kinds import REFRESH_RECIPIENT, LeaverFlag, MonitoringNote
from teams_bot.turn import Card

ESCALATE_NOW = "Escalate now"
ESCALATE_NOW_REASON = "No response by the deadline."
AUTO_ESCALATION_REASON = "No response by the deadline: escalated automatically under the policy."


_TITLES = {
    Occasion.DUE_NEXT_WORKING_DAY: "Reminder: a response is due by the next working day",
    Occasion.DUE_TODAY: "Reminder: a response is due today",
    Occasion.REVIEW_DUE: "Reminder: your review of a response is due today",
    Occasion.REVIEW_OVERDUE: "Your review of a response is overdue",
    Occasion.EXTENSION_ENDED: "The extension has ended: please review",
    Occasion.OVERALL_LIMIT_NEAR: "The overall time limit ends the next working day",
    Occasion.OVERALL_LIMIT_PASSED: "The overall time limit has passed",
}
_TEXTS = {
    Occasion.DUE_NEXT_WORKING_DAY: "{ref} needs your response by {due}.",
    Occasion.DUE_TODAY: "{ref} needs your response today, by {due}.",
    Occasion.REVIEW_DUE: "A response to {ref} is waiting for your review, due {due}.",
    Occasion.REVIEW_OVERDUE: "A response to {ref} was due for your review by {due}.",
    Occasion.OVERALL_LIMIT_NEAR: "{ref} is still open; its overall time limit ends {due}.",
    Occasion.OVERALL_LIMIT_PASSED: "{ref} is still open past its overall time limit ({due}).",
    Occasion.EXTENSION_ENDED: (
        "The further time agreed on {ref} ended {due}: resolve it or escalate it."
    ),
}
FAILED_TITLE = "A DRP message could not be delivered"
_RECIPIENTS = {REFRESH_RECIPIENT: "the cards already posted of the dispute"}
MENTION_TEXT = (
    "{mention}, the DRP bot has a message for you{about} but Teams would not let it open a "
    "chat with you. Please open the DRP app in Teams (Apps, then DRP) so it can reach you."
)
LEAVER_TITLE = "A leaver's dispute has nobody to take it on"
LEAVER_TEXT = (
    "{who}: this person has left and no deputy is named for them. Please arrange who takes it "
    "on: name their deputy in the directory, or have the DRP administrator run "
    "drp-bot directory hand-over."
)
AUTO_ESCALATED_TITLE = "Escalated automatically: no response by the deadline"


def reminder_card(dispute: Dispute, occasion: Occasion, ctx: Context, keys: KeyFactory) -> Card:
    """A reminder rendered from the dispute as it is now."""
    deadline = deadline_for(dispute, occasion)
    due = format_due(deadline) if deadline else "—"
    facts = [
        ("Reference", dispute.reference),
        ("Children", dispute.initials),
        ("Stage", stage_title(dispute, ctx)),
        ("Due", due),
    ]
    return notice_card(
        _TITLES[occasion],
        _TEXTS[occasion].format(ref=dispute.reference, due=due),
        facts,
        urgent=occasion in {Occasion.REVIEW_OVERDUE, Occasion.OVERALL_LIMIT_PASSED},
        reference=dispute.reference,
        version=dispute.version,
        key_factory=keys,
    )


def stage_title(dispute: Dispute, ctx: Context) -> str:
    """Where the dispute stands: "Stage 2: Service Manager", or an informal step's title."""
    process = ctx.policy.process(dispute.process)
    if not process.has_stage(dispute.stage):
        return dispute.stage
    return tiers.label(ctx.policy, process.stage(dispute.stage), dispute.tier)


def brief_text(dispute: Dispute, ctx: Context) -> str:
    """What someone alerted to an overdue response is asked to do (seed 001: "the service
    manager for the Child Protection Chairs will also make the head of service aware")."""
    stage = stage_title(dispute, ctx)
    process = ctx.policy.process(dispute.process)
    roles = process.stage(dispute.stage).brief if process.has_stage(dispute.stage) else ()
    if not roles:
        return f" No response arrived at {stage} by the deadline."
    who = ctx.policy.roles.titles(roles)
    return f" No response arrived at {stage} by the deadline: please make the {who} aware."


def escalate_now(dispute: Dispute, ctx: Context, now: datetime, keys: KeyFactory) -> Card | None:
    """The chair's one-click "Escalate now" on an overdue notice, when the machine would accept
    it with nothing more to fill in (the next stage's deadline is the policy's, not theirs)."""
    viewer = Viewer(dispute.raised_by, ViewerKind.RAISER)
    allowed = options(dispute, viewer, ctx.policy, now, ctx.calendar)
    target = allowed.next_step
    if Verb.ESCALATE not in allowed.verbs or not isinstance(target, Stage):
        return None
    if target.timescale is None:
        return None
    extra = {"escalate_reason": ESCALATE_NOW_REASON}
    return el.execute(
        f"{ESCALATE_NOW} (to stage {target.key})",
        Verb.ESCALATE,
        dispute.reference,
        dispute.version,
        keys,
        extra=extra,
        with_inputs=False,
        style="positive",
    )


async def digest_card(
    tx: Transaction, person_id: str, day: date, now: datetime, ctx: Context, keys: KeyFactory
) -> Card | None:
    """This morning's list of what the person owes and what is overdue; None if nothing."""
    owed: list[Dispute] = list(await tx.disputes.open_for_owner(person_id))
    owed += await tx.disputes.awaiting_approval_by(person_id)
    owed += await tx.disputes.awaiting_review_for(person_id)
    raised = await tx.disputes.open_for_raiser(person_id)
    owed += [d for d in raised if d.status == Status.AWAITING_RESPONSE and _late(d, now)]
    owed += await near_overall_limit(tx, person_id, raised, now, ctx)
    unique = list({d.reference: d for d in owed}.values())
    if not unique:
        return None
    rows = [row_for(d, ctx.policy, now, ctx.calendar) for d in unique]
    rows.sort(key=lambda r: (r.rag != RAG.RED, r.due is None, r.due, r.reference))
    late = sum(1 for r in rows if r.rag == RAG.RED)
    title = f"DRP digest for {format_date(day)}: {len(rows)} for you, {late} overdue"
    return dispute_list_card(title, rows, keys)


def overall_limit_window(now: datetime, ctx: Context) -> datetime:
    """Overall limits ending by then are near (amber: within a working day) or past."""
    return ctx.calendar.due(now, Timescale(1, TimeUnit.WORKING_DAYS))


async def near_overall_limit(
    tx: Transaction, person_id: str, raised: list[Dispute], now: datetime, ctx: Context
) -> list[Dispute]:
    """Issue 14.3: the chair's disputes near or past their overall limit; for the chairs'
    service manager, every such dispute."""
    until = overall_limit_window(now, ctx)
    found = [d for d in raised if d.overall_due_at is not None and d.overall_due_at <= until]
    person = await tx.directory.person(person_id)
    if person is not None and person.has_role(Role.CHAIRS_SERVICE_MANAGER):
        found += await tx.schedule.near_overall_limit(until)
    return found


def _late(dispute: Dispute, now: datetime) -> bool:
    return dispute.due_at is not None and now > dispute.due_at


def failed_card(note: MonitoringNote, reference: str | None, person: Person | None) -> Card:
    """The monitoring channel's note of a message given up on (ids, no content)."""
    who = person.name if person else _RECIPIENTS.get(note.person, "—")
    facts = [
        ("Reference", reference or "—"),
        ("Message", note.kind),
        ("For", who),
        ("Attempts", str(note.attempts)),
        ("Last error", note.error),
    ]
    body = [
        el.container(
            [el.text_block(FAILED_TITLE, weight="bolder", size="medium")], style="attention"
        ),
        el.fact_set((k, plain(v)) for k, v in facts),
    ]
    return el.card(body, fallback_text=FAILED_TITLE)


def mention_card(person: Person, reference: str) -> Card:
    """A monitoring-channel message @mentioning someone the bot cannot open a chat with."""
    mention, entity = _mention(person)
    about = f" about {plain(reference)}" if reference else ""
    text = MENTION_TEXT.format(mention=mention, about=about)
    name = entity["mentioned"]["name"]
    card = el.card([el.text_block(text)], fallback_text=f"{name}: a DRP message is waiting")
    card["msteams"] = {"entities": [entity]}
    return card


def _mention(person: Person) -> tuple[str, dict[str, Any]]:
    """``<at>Name</at>`` and the Teams mention entity that makes it notify them."""
    name = "".join(c for c in person.name if c not in "<>") or "colleague"
    mention = f"<at>{name}</at>"
    mentioned = person.teams_user_id or person.aad_object_id or person.email
    entity = {"type": "mention", "text": mention, "mentioned": {"id": mentioned, "name": name}}
    return mention, entity


def leaver_card(
    flag: LeaverFlag, reference: str, leaver: Person | None, managers: list[Person]
) -> Card:
    """The board's flag: someone left holding a dispute and has no deputy (ids and staff
    names only, nothing about the child); the chairs' service managers are @mentioned."""
    facts = [
        ("Reference", plain(reference or "—")),
        ("Left", plain(leaver.name if leaver else "—")),
        ("Held", plain(", ".join(flag.parts) or "—")),
        ("Stage", plain(flag.stage or "—")),
    ]
    mentions = [_mention(m) for m in managers]
    addressed = ", ".join(m for m, _ in mentions) or "Chairs' service manager"
    body = [
        el.container(
            [el.text_block(LEAVER_TITLE, weight="bolder", size="medium")], style="attention"
        ),
        el.fact_set(facts),
        el.text_block(LEAVER_TEXT.format(who=addressed)),
    ]
    card = el.card(body, fallback_text=LEAVER_TITLE)
    if mentions:
        card["msteams"] = {"entities": [entity for _, entity in mentions]}
    return card


def notice_title(event: str, automatic: bool) -> str | None:
    """A title for notices the scheduler caused (None: the usual title)."""
    if event == "escalated" and automatic:
        return AUTO_ESCALATED_TITLE
    return None
