"""Raising a dispute from the DRP form: show it, preview its deadlines, submit it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from cards.form import form_card, practitioner_responds
from cards.form_input import FormInput, input_id_for, parse_form
from cards.verbs import Verb, nonce_of
from drp.commands import AlertImmediateHarm, Raise
from drp.errors import InvalidInput, NotPermitted
from drp.events import JsonValue
from drp.machine import Decision, decide, raise_dispute
from drp.model import Actor
from drp.policy import Policy, Process, Stage
from drp.roles import Role
from store.errors import DuplicateCommand
from store.rows import Person
from store.store import Transaction
from teams_bot import inputs, messages, parties
from teams_bot.deps import Deps
from teams_bot.handlers.disputes import DisputeActions, remember_card
from teams_bot.notifier import Notifier
from teams_bot.once import Earlier, Keep, earlier_of, idempotent
from teams_bot.outbox_kinds import Origin
from teams_bot.router import Parsed
from teams_bot.staffing import staff_stage
from teams_bot.turn import Card, Reply, Turn, TurnKind

CANNOT_RAISE = "Under the {policy} policy, a {role} cannot raise a dispute from Teams."
NAME_PRACTITIONER = "Name the practitioner who responds at this stage."
UNKNOWN_PRACTITIONER = "Choose a practitioner from the directory."
PRACTITIONER_TEAM = "Choose a practitioner in the team you chose."
NOT_YOURSELF = "Name the other practitioner, not yourself."
NAME_PLAN_CHAIR = "Name the child's CP chair or IRO: they are told when the child has a plan."
UNKNOWN_PLAN_CHAIR = "Choose the child's CP chair or IRO from the list."
NAME_OWN_CHAIR = "Name the child's own {role}: they respond at a later stage."


class RaiseFlow:
    """The DRP form's three verbs."""

    def __init__(self, deps: Deps, disputes: DisputeActions) -> None:
        self.deps = deps
        self.disputes = disputes
        self.ctx = deps.ctx

    def _process_for(self, person: Person, key: str) -> tuple[Process, Role] | None:
        processes = self.ctx.policy.processes
        chosen = [p for p in processes if p.key == key] if key else list(processes)
        for process in chosen:
            role = parties.acting_role(person, process.raisers)
            if role is not None and process.opening_stages(role):
                return process, role
        return None

    async def _card(
        self,
        tx: Transaction,
        person: Person,
        today: date,
        data: Mapping[str, Any],
        errors: Mapping[str, str],
    ) -> Card:
        found = self._process_for(person, str(data.get("process") or ""))
        if found is None:
            policy = self.ctx.policy
            role = policy.role_title(person.roles[0].role) if person.roles else "person"
            text = CANNOT_RAISE.format(policy=self.ctx.policy.name, role=role)
            return messages.error_card("You cannot raise a dispute", [text])
        process, role = found
        others = [
            (p.key, p.title)
            for p in self.ctx.policy.processes
            if p.key != process.key and self._process_for(person, p.key) is not None
        ]
        teams = [(team.name, team.name) for team in await tx.directory.teams()]
        values = {k: v for k, v in data.items() if isinstance(v, str)}
        return form_card(
            self.ctx.policy,
            process,
            role,
            teams,
            today,
            calendar=self.ctx.calendar,
            values=values,
            errors=errors,
            practitioners=await _practitioners(tx, self.ctx.policy.practitioner_role),
            plan_chairs=await _plan_chairs(tx, self.ctx.policy, process, role),
            other_processes=others,
            key_factory=self.deps.keys,
        )

    async def form(self, turn: Turn, person: Person, process: str = "") -> Reply:
        """The blank form (``new``, or the New button), or the preview with input kept; in
        ``process`` if named (``new plan-dissent``, or the form's button for another process)."""
        now = self.deps.clock()
        async with self.deps.store.transaction(readonly=True) as tx:
            data = turn.data if turn.kind == TurnKind.ACTION else {"process": process}
            card = await self._card(tx, person, self.ctx.calendar.local_date(now), data, {})
        if turn.kind == TurnKind.ACTION:
            return Reply(invoke_card=card)
        return Reply(cards=(card,))

    async def text_form(self, turn: Turn, person: Person, parsed: Parsed) -> Reply:
        """``new`` typed in the chat, or ``new KEY`` for one of the policy's processes (words
        naming none the person may raise in open the first one they may)."""
        named = parsed.argument.strip().lower()
        keys = {p.key for p in self.ctx.policy.processes}
        chosen = named if named in keys and self._process_for(person, named) else ""
        return await self.form(turn, person, chosen)

    async def submit(self, turn: Turn, person: Person) -> Reply:
        """Validate the form, raise the dispute and route it; errors come back on the form.
        A nonce used before shows its dispute only to whoever raised it with that nonce."""
        now = self.deps.clock()
        try:
            async with self.deps.store.transaction() as tx:

                async def work() -> tuple[Card | list[Decision], Keep | None]:
                    return await self._submit(tx, turn, person, now)

                async def replay(earlier: Earlier) -> Card | list[Decision]:
                    return await self.disputes.replayed(
                        tx, person, earlier.reference, Verb.RAISE.value, earlier, now
                    )

                done = await idempotent(tx, nonce_of(turn.data), person.id, now, work, replay)
        except DuplicateCommand as raced:
            earlier = earlier_of(raced.result, None, person.id)
            if not earlier.yours:
                return Reply(invoke_card=messages.outsider("", messages.USED_BY_SOMEONE_ELSE))
            return await self.disputes.current(turn, person, earlier.reference)
        if not isinstance(done, list):
            return Reply(invoke_card=done)
        card = await self.disputes.committed_card(done[-1], person, now)
        return Reply(invoke_card=card)

    async def _submit(
        self, tx: Transaction, turn: Turn, person: Person, now: datetime
    ) -> tuple[Card | list[Decision], Keep | None]:
        today = self.ctx.calendar.local_date(now)
        form = parse_form(turn.data, today, self.ctx.policy)
        errors = {**form.errors, **inputs.field_errors(turn.data)}
        outcome = errors or await self._decide(tx, person, form, now)
        if not isinstance(outcome, Decision):
            return await self._card(tx, person, today, turn.data, outcome), None
        decisions = await self._record(tx, turn, person, form, outcome, now)
        reference = outcome.dispute.reference
        result: dict[str, JsonValue] = {
            "reference": reference,
            "version": decisions[-1].dispute.version,
        }
        return decisions, Keep(result, reference)

    async def _decide(
        self, tx: Transaction, person: Person, form: FormInput, now: datetime
    ) -> Decision | dict[str, str]:
        found = self._process_for(person, form.process)
        if found is None:
            return {"stage": "Your role cannot raise a dispute under this policy."}
        process, role = found
        if not process.has_stage(form.stage):
            return {"stage": "Choose the stage to start at."}
        stage = process.stage(form.stage)
        named = self.ctx.policy.practitioner_role
        practitioner, wrong = await _named_practitioner(tx, person, form, stage, named)
        if wrong:
            return {"practitioner": wrong}
        plan_chair, wrong = await _named_plan_chair(tx, self.ctx.policy, process, role, form)
        if wrong:
            return {"plan_chair": wrong}
        raising = _Raising(
            process.key, form.team, person.team, practitioner, person.id, plan_chair
        )
        staffing = await staff_stage(tx, self.ctx, raising, stage)
        command = Raise(
            actor=Actor(person.id, role),
            at=now,
            reference=_stand_in(now.year),
            process=process.key,
            stage=stage.key,
            children=form.children,
            team=form.team,
            concern=form.concern,
            date_of_concern=form.date_of_concern or self.ctx.calendar.local_date(now),
            owners=staffing.owners,
            approvers=staffing.approvers,
            deciders=staffing.deciders,
            due=form.due,
            practitioner=practitioner,
            raiser_team=person.team,
            child_on_plan=form.child_on_plan,
            plan_chair=plan_chair,
            conference_date=form.conference_date,
            consulted=form.consulted,
        )
        try:
            raise_dispute(command, self.ctx)
        except (InvalidInput, NotPermitted) as problem:
            return _form_errors(problem, self.ctx.policy.roles.titles(stage.responsible))
        # The year's next reference only once the domain has accepted the raise: a refused form
        # commits its transaction (the refusal is kept), and a number taken for it would leave a
        # gap in the year's references.
        reference = await tx.disputes.next_reference(now.year)
        return raise_dispute(replace(command, reference=reference), self.ctx)

    async def _record(
        self,
        tx: Transaction,
        turn: Turn,
        person: Person,
        form: FormInput,
        raised: Decision,
        now: datetime,
    ) -> list[Decision]:
        origin = Origin.of(turn.where)
        notifier = Notifier(tx, self.ctx)
        await tx.disputes.add(raised)
        await notifier.fan_out(None, raised, origin, now)
        decisions = [raised]
        if form.immediate_harm:
            # The alert goes out at once, as its own recorded step.
            details = form.harm_details or form.summary
            alert = AlertImmediateHarm(Actor(person.id, raised.dispute.raiser_role), now, details)
            alerted = decide(raised.dispute, alert, self.ctx)
            version = raised.dispute.version
            await tx.disputes.save(alerted, expected_version=version, before=raised.dispute)
            await notifier.fan_out(raised.dispute, alerted, origin, now)
            decisions.append(alerted)
        await remember_card(tx, turn, raised.dispute.reference, person.id, now)
        return decisions


@dataclass(frozen=True, slots=True)
class _Raising:
    """The dispute being raised, as staffing reads it."""

    process: str
    team: str
    raiser_team: str
    practitioner: str
    raised_by: str
    plan_chair: str


async def _practitioners(tx: Transaction, named: Role) -> list[tuple[str, str]]:
    """Every practitioner (holder of the profile's practitioner role) as (person id,
    "Name (team)") for the form's drop-down."""
    found = []
    for person in await tx.directory.people(role=named):
        teams = [g.team for g in person.roles if g.role == named and g.team]
        found.append((person.id, f"{person.name} ({', '.join(teams) or 'no team'})"))
    return found


async def _named_practitioner(
    tx: Transaction, raiser: Person, form: FormInput, stage: Stage, named: Role
) -> tuple[str, str]:
    """The named practitioner's person id ("" if none), or why the one named cannot be."""
    chosen = form.practitioner
    if not chosen:
        return "", NAME_PRACTITIONER if practitioner_responds(stage, named) else ""
    person = await tx.directory.person(chosen)
    if person is None and "@" in chosen:
        person = await tx.directory.by_email(chosen)
    if person is None:
        return "", UNKNOWN_PRACTITIONER
    if not person.has_role(named, form.team):
        return "", PRACTITIONER_TEAM
    if person.id == raiser.id:
        return "", NOT_YOURSELF
    return person.id, ""


def owned_roles(process: Process) -> tuple[Role, ...]:
    """The roles whose holder at some stage is the child's own (seed 002 §4.4: the CPCC)."""
    return tuple(dict.fromkeys(r for s in process.all_stages() for r in s.childs_own))


def plan_roles(policy: Policy, process: Process, raiser: Role) -> tuple[Role, ...]:
    """The council-wide roles whose one holder for this child the raiser must name: those a
    stage tells when the child has a plan (a CP chair, an IRO; none if the raiser holds one),
    and those whose holder for the child responds at a stage."""
    roles = dict.fromkeys(r for s in process.all_stages() for r in s.notify_if_on_plan)
    told = tuple(r for r in roles if not policy.roles.per_team(r))
    return tuple(dict.fromkeys((*owned_roles(process), *(() if raiser in told else told))))


async def _plan_chairs(
    tx: Transaction, policy: Policy, process: Process, raiser: Role
) -> list[tuple[str, str]]:
    """The people a raiser may name as the child's own chair or IRO: (id, "Name (role)")."""
    found: dict[str, str] = {}
    for role in plan_roles(policy, process, raiser):
        for person in await tx.directory.holders(role, None):
            found.setdefault(person.id, f"{person.name} ({policy.role_title(role)})")
    return sorted(found.items(), key=lambda item: item[1])


async def _named_plan_chair(
    tx: Transaction, policy: Policy, process: Process, raiser: Role, form: FormInput
) -> tuple[str, str]:
    """The child's own chair or IRO named on the form ("" if none), or why it cannot be."""
    roles = plan_roles(policy, process, raiser)
    owned = owned_roles(process)
    if not roles or not (form.plan_chair or form.child_on_plan or owned):
        return "", ""
    if not form.plan_chair:
        if owned:
            return "", NAME_OWN_CHAIR.format(role=policy.roles.titles(owned))
        return "", NAME_PLAN_CHAIR
    person = await tx.directory.person(form.plan_chair)
    if person is None or parties.acting_role(person, roles) is None:
        return "", UNKNOWN_PLAN_CHAIR
    return person.id, ""


def _form_errors(problem: InvalidInput | NotPermitted, responders: str) -> dict[str, str]:
    if isinstance(problem, NotPermitted):
        return {"stage": problem.reason}
    if problem.field == "owners":
        return {"team": f"Nobody in the directory is the {responders} for this team."}
    if problem.field == "approver":
        return {"stage": problem.reason}
    return {input_id_for(problem.field): problem.reason}


def _stand_in(year: int) -> str:
    """A well-formed reference for trying a raise before the real one is allocated."""
    return f"DRP-{year:04d}-000000"
