"""Turn a card's verb and submitted inputs into a domain command, resolving people as needed."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from cards.action_input import ROW_PREFIX, ActionInput, parse_action
from cards.verbs import Verb
from drp import tiers
from drp.commands import (
    AlertImmediateHarm,
    Approve,
    Command,
    Conclude,
    Decline,
    Extend,
    Refer,
    Resolve,
    Respond,
    TickAction,
    Withdraw,
)
from drp.errors import InvalidInput
from drp.machine import Context, current_stage, process_of
from drp.model import Actor, Dispute
from drp.roles import Role
from store.rows import Person
from store.store import Transaction
from teams_bot import parties
from teams_bot.staffing import close_approvers, escalation, pending_staffing, reopening

# Domain field names -> the dispute card's input ids (cards.action_input.VERB_INPUTS), per verb.
FIELD_INPUTS: dict[Verb, dict[str, str]] = {
    Verb.RESPOND: {"answer": "response_answer"},
    Verb.RESOLVE: {"comments": "resolve_comments"},
    Verb.EXTEND: {"agreed_work": "agreed_work", "due": "extend_due"},
    Verb.ESCALATE: {
        "reason": "escalate_reason",
        "due": "escalate_due",
        "owners": "to_stage",
        "approver": "to_stage",
        "consulted": "escalate_consulted",
    },
    Verb.REFER: {"target": "refer_target", "reason": "refer_reason"},
    Verb.HARM: {"details": "harm_details"},
    Verb.WITHDRAW: {"reason": "withdraw_reason"},
    Verb.CONCLUDE: {"outcome": "outcome"},
    Verb.APPROVE: {"comments": "approve_comments", "owners": "approve_comments"},
    Verb.DECLINE: {"reason": "decline_reason"},
    Verb.REOPEN: {
        "reason": "reopen_reason",
        "owners": "reopen_to",
        "approver": "reopen_to",
        "to_stage": "reopen_to",
        "due": "reopen_to",
    },
}
_ACTION_FIELD = re.compile(r"^actions\[(\d+)\]\.(text|complete_by)$")


class CardInputError(Exception):
    """The card's inputs were wrong: show the card again with them kept and the errors shown."""

    def __init__(self, values: Mapping[str, str], errors: Mapping[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.values = values
        self.errors = errors


def input_for(verb: Verb, field: str) -> str:
    """The card input a domain field name stands for."""
    match = _ACTION_FIELD.match(field)
    if match:
        prefix = ROW_PREFIX.get(verb, "action")
        return f"{prefix}_{match.group(1)}_{'text' if match.group(2) == 'text' else 'date'}"
    return FIELD_INPUTS.get(verb, {}).get(field, field)


def actor_for(person: Person, dispute: Dispute, ctx: Context) -> Actor:
    """The role a person acts in on this dispute."""
    if person.id == dispute.raised_by:
        return Actor(person.id, dispute.raiser_role)
    process = process_of(dispute, ctx)
    pending = dispute.pending_stage or dispute.stage
    agreeing = parties.acting_role(person, ctx.policy.approvers(process, pending))
    if agreeing is not None and person.id in dispute.approvers:
        return Actor(person.id, agreeing)
    stage_roles: tuple[Role, ...] = ()
    stage = current_stage(dispute, ctx)  # the current tier's roles, where the stage has tiers
    if stage is not None:
        stage_roles = stage.responsible + stage.raiser_side + stage.raiser_line
        if person.id in dispute.deciders:
            stage_roles = stage.deciders + stage_roles
    if process.final_step is not None and dispute.stage == process.final_step.key:
        stage_roles = process.final_step.acts
    role = parties.acting_role(person, stage_roles) or (
        person.roles[0].role if person.roles else Role.PRACTITIONER
    )
    return Actor(person.id, role)


def _same_tier_ahead(
    ctx: Context, dispute: Dispute, shown: str, values: Mapping[str, str]
) -> None:
    """The tier the chair's card said the escalation climbs to must still be the next one (a
    forged or garbled tier is refused, nothing changed); a card without one (a stage without
    tiers, an older card) says nothing to check."""
    if not shown:
        return
    stage = current_stage(dispute, ctx)
    ahead = tiers.next_tier(stage, dispute.tier) if stage is not None else 0
    if shown != str(ahead) or not ahead:
        said = "the next stage" if not ahead else f"tier {ahead}"
        raise CardInputError(values, {"to_tier": f"this card is out of date: {said} is next"})


async def build_command(
    tx: Transaction,
    ctx: Context,
    verb: Verb,
    dispute: Dispute,
    person: Person,
    data: Mapping[str, Any],
    now: datetime,
) -> Command:
    """The domain command a card button asks for; CardInputError if its inputs are wrong."""
    actor = actor_for(person, dispute, ctx)
    today = ctx.calendar.local_date(now)
    read = parse_action(verb, data, today)
    if not read.ok:
        raise CardInputError(read.values, read.errors)
    text = read.texts.get
    if verb == Verb.RESPOND:
        on_behalf = ""
        if person.id not in dispute.owners:
            on_behalf = await parties.deputising_owner(tx, dispute, person.id, today)
        return Respond(
            actor,
            now,
            text("response", ""),
            tuple(read.actions),
            text("practice_issues", ""),
            on_behalf_of=on_behalf,
            answer=text("response_answer", ""),
        )
    if verb == Verb.ESCALATE:
        _same_tier_ahead(ctx, dispute, read.texts.get("to_tier", ""), read.values)
        return await escalation(
            tx,
            ctx,
            dispute,
            actor,
            now,
            reason=read.texts.get("escalate_reason", ""),
            updated_concerns=read.texts.get("updated_concerns", ""),
            to_stage=read.texts.get("to_stage", ""),
            due=read.dates.get("escalate_due"),
            consulted=read.texts.get("escalate_consulted", ""),
        )
    if verb == Verb.APPROVE:
        return await _approve(tx, ctx, dispute, actor, read, now)
    if verb in (Verb.RESOLVE, Verb.CONCLUDE):
        approvers = await close_approvers(tx, ctx, dispute)
        if verb == Verb.RESOLVE:
            comments = text("resolve_comments", "")
            return Resolve(actor, now, comments, approvers=approvers, actions=read.actions)
        return Conclude(actor, now, text("outcome", ""), approvers=approvers)
    if verb == Verb.REOPEN:
        escalate = text("reopen_to", "") == "escalate"
        reason = text("reopen_reason", "")
        return await reopening(tx, ctx, dispute, actor, now, reason=reason, escalate=escalate)
    return _simple(verb, actor, now, read)


def _simple(verb: Verb, actor: Actor, now: datetime, read: ActionInput) -> Command:
    """The commands that need nothing but the card's own inputs."""
    text = read.texts.get
    if verb == Verb.REFER:
        concurrent = read.flags.get("concurrent", False)
        return Refer(
            actor,
            now,
            text("refer_target", ""),
            text("refer_reason", ""),
            text("consulted", ""),
            concurrent=concurrent,
        )
    builders: dict[Verb, Callable[[], Command]] = {
        Verb.EXTEND: lambda: Extend(
            actor,
            now,
            text("agreed_work", ""),
            due=read.dates.get("extend_due"),
            actions=read.actions,
        ),
        Verb.ACTION_DONE: lambda: TickAction(actor, now, read.number),
        Verb.HARM: lambda: AlertImmediateHarm(actor, now, text("harm_details", "")),
        Verb.WITHDRAW: lambda: Withdraw(actor, now, text("withdraw_reason", "")),
        Verb.DECLINE: lambda: Decline(actor, now, text("decline_reason", "")),
    }
    if verb not in builders:
        raise InvalidInput("verb", f"{verb.value} is not an action on a dispute")
    return builders[verb]()


async def _approve(
    tx: Transaction,
    ctx: Context,
    dispute: Dispute,
    actor: Actor,
    read: ActionInput,
    now: datetime,
) -> Approve:
    staffing = await pending_staffing(tx, ctx, dispute)
    comments = read.texts.get("approve_comments", "")
    return Approve(actor, now, staffing.owners, comments, deciders=staffing.deciders)
