"""Read a profile file: TOML, then the schema (``drp.profile_schema``), then the checks that span
fields; every error names the file and the dotted field, and old forms still read are noted."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import replace
from importlib import resources
from pathlib import Path
from typing import NoReturn

from pydantic import ValidationError

from drp.errors import PolicyError
from drp.policy import (
    DEFAULT_ACCESS,
    INFORMAL,
    OTHER_CATEGORY,
    Access,
    Approval,
    Category,
    ExtensionRule,
    FinalStep,
    Mailbox,
    Move,
    Policy,
    Process,
    Referral,
    Stage,
    StepKind,
    Tier,
)
from drp.profile_schema import FinalStepDoc, ProcessDoc, ProfileDoc, StageDoc
from drp.profile_tables import AccessDoc, CategoryDoc, MailboxDoc, ReferralDoc
from drp.profile_types import profile_error
from drp.roles import DEFAULT_ROLES, Role, RoleBook, RoleDef, Scope
from drp.timescale import Timescale


def shipped_profiles() -> tuple[str, ...]:
    """The names of the profiles shipped in the package, sorted."""
    folder = resources.files("drp") / "profiles"
    return tuple(sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml")))


def shipped_text(name: str) -> str:
    """The TOML text of a shipped profile."""
    return (resources.files("drp") / "profiles" / f"{name}.toml").read_text(encoding="utf-8")


def load_policy(name_or_path: str) -> Policy:
    """A shipped profile by name (``nottingham``) or a profile file by path."""
    if name_or_path in shipped_profiles():
        return parse_policy(shipped_text(name_or_path), f"{name_or_path}.toml")
    path = Path(name_or_path)
    if not path.is_file():
        known = ", ".join(shipped_profiles())
        raise PolicyError(name_or_path, "policy", f"no such profile or file (shipped: {known})")
    return parse_policy(read_profile(path), str(path))


def read_profile(path: Path) -> str:
    """A profile file's text; a PolicyError naming the file if it cannot be read."""
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise PolicyError(str(path), "(file)", "not UTF-8 text") from None
    except OSError as error:
        raise PolicyError(str(path), "(file)", f"cannot read: {error.strerror}") from None


def parse_policy(text: str, source: str) -> Policy:
    """Parse and validate a profile's TOML text; ``source`` names it in errors."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise PolicyError(source, "(file)", f"not valid TOML: {error}") from error
    try:
        doc = ProfileDoc.model_validate(data)
    except ValidationError as error:
        raise profile_error(source, error) from None
    return _Builder(source, doc).policy()


class _Builder:
    """Turns a validated document into a Policy, checking what spans fields."""

    def __init__(self, source: str, doc: ProfileDoc) -> None:
        self.source = source
        self.doc = doc
        self.notes: list[str] = []
        self.book = self._book()

    def fail(self, field: str, reason: str) -> NoReturn:
        raise PolicyError(self.source, field, reason)

    def _book(self) -> RoleBook:
        found: dict[Role, RoleDef] = {}
        if self.doc.default_roles:
            found.update((role.key, role) for role in DEFAULT_ROLES)
        declared: set[str] = set()
        for index, role in enumerate(self.doc.roles):
            if role.key in declared:
                self.fail("roles", f"duplicate key {role.key!r}")
            declared.add(role.key)
            try:
                key = Role(role.key)
            except ValueError as error:
                self.fail(f"roles[{index}].key", str(error))
            found[key] = RoleDef(key, role.title, Scope(role.scope))
        return RoleBook(found.values())

    def roles(self, field: str, names: Iterable[str]) -> tuple[Role, ...]:
        """Role keys the profile declares; the first unknown one is an error."""
        known: list[Role] = []
        for name in names:
            role = Role(name) if _is_key(name) else None
            if role is None or role not in self.book:
                self.fail(field, f"unknown role {name!r} (known: {self.book.known()})")
            known.append(role)
        return tuple(dict.fromkeys(known))

    def policy(self) -> Policy:
        doc = self.doc
        processes = tuple(self._process(p, f"processes[{n}]") for n, p in enumerate(doc.processes))
        _unique(self, "processes", [p.key for p in processes])
        return Policy(
            key=doc.key,
            name=doc.name,
            title=doc.title,
            seed=doc.seed,
            source=self.source,
            processes=self._with_legacy_approval(processes),
            categories=self._categories(doc.categories),
            multiple_categories=self._multiple_categories(),
            roles=self.book,
            access=self._access(),
            practitioner_role=self._practitioner(),
            issue_types=tuple(doc.issue_types),
            referrals=self._referrals(doc.referrals),
            immediate_harm_alerts=self.roles("immediate_harm_alerts", doc.immediate_harm_alerts),
            immediate_harm_in_raisers_agency=doc.immediate_harm_in_raisers_agency,
            chair_review=_timescale(doc.chair_review),
            chair_review_stages=self._review_stages(processes),
            evidence_required=doc.evidence_required,
            extension=self._extension(),
            auto_escalate=doc.auto_escalate,
            raise_within=_timescale(doc.raise_within),
            requested_action_limit=_timescale(doc.requested_action_limit),
            reopen_within=_timescale(doc.reopen_within),
            local_id_label=doc.local_id_label,
            monitoring_copy=doc.monitoring_copy,
            compliments=doc.compliments,
            compliments_copied=self.roles("compliments_copied", doc.compliments_copied),
            mailboxes=self._mailboxes(doc.mailboxes, processes),
            notes=tuple(self.notes),
        )

    # --- processes and stages --------------------------------------------------------------

    def _process(self, doc: ProcessDoc, path: str) -> Process:
        raisers = self.roles(f"{path}.raisers", doc.raisers)
        keys = ([INFORMAL] if doc.informal else []) + [str(n + 1) for n in range(len(doc.stages))]
        if doc.approval_from and doc.approval_from not in keys:
            self.fail(f"{path}.approval_from", f"no stage {doc.approval_from!r}")
        shared = _Shared(
            self.roles(f"{path}.approver", doc.approver),
            doc.approval_for,
            keys.index(doc.approval_from) if doc.approval_from else 0,
        )
        stages = [
            self._stage(stage, str(n), f"{path}.stages[{n - 1}]", raisers, shared.at(keys, str(n)))
            for n, stage in enumerate(doc.stages, start=1)
        ]
        informal = None
        if doc.informal is not None:
            approval = shared.at(keys, INFORMAL)
            informal = self._stage(doc.informal, INFORMAL, f"{path}.informal", raisers, approval)
        process = Process(
            key=doc.key,
            title=doc.title,
            raisers=raisers,
            stages=tuple(stages),
            informal=informal,
            final_step=self._final(doc.final_step, f"{path}.final_step", len(stages) + 1),
            overall_limit=_timescale(doc.overall_limit),
            overall_limit_caps_stages=doc.overall_limit_caps_stages,
            bypass=doc.bypass,
            conference_date=doc.conference_date,
            auto_escalate=doc.auto_escalate,
            description=doc.description,
        )
        final = process.final_step
        if final is not None and process.has_stage(final.key):
            self.fail(f"{path}.final_step.key", f"{final.key!r} is already a stage's key")
        if not any(process.opening_stages(role) for role in raisers):
            self.fail(f"{path}.stages", "no stage may be opened by any raiser (set openers)")
        return process

    def _stage(
        self, doc: StageDoc, key: str, path: str, raisers: tuple[Role, ...], shared: _Shared
    ) -> Stage:
        if doc.key and doc.key != key:
            self.fail(f"{path}.key", f"expected {key!r} (formal stages are numbered 1, 2, ...)")
        if doc.timescale is None and not doc.raiser_sets_deadline:
            self.fail(f"{path}.timescale", "required unless raiser_sets_deadline = true")
        openers = self.roles(f"{path}.openers", doc.openers)
        strangers = [role for role in openers if role not in raisers]
        if strangers:
            self.fail(
                f"{path}.openers", f"not among the process's raisers: {', '.join(strangers)}"
            )
        return Stage(
            key=key,
            title=doc.title,
            responsible=self.roles(f"{path}.responsible", doc.responsible),
            timescale=_timescale(doc.timescale),
            copied=self.roles(f"{path}.copied", doc.copied),
            openers=openers,
            raiser_side=self.roles(f"{path}.raiser_side", doc.raiser_side),
            raiser_line=self._raiser_line(doc, path),
            alerts=self.roles(f"{path}.alerts", doc.alerts),
            notify_if_on_plan=self.roles(f"{path}.notify_if_on_plan", doc.notify_if_on_plan),
            childs_own=self._childs_own(doc, path),
            admitted=self._admitted(doc, path),
            approval=self._approval(doc, path, shared),
            deciders=self.roles(f"{path}.deciders", doc.deciders),
            meeting=doc.meeting,
            raiser_sets_deadline=doc.raiser_sets_deadline,
            consult=doc.consult,
            outcome_to_all=doc.outcome_to_all,
            response_asks=doc.response_asks,
            description=doc.description,
            overdue_alerts=self.roles(f"{path}.overdue_alerts", doc.overdue_alerts),
            brief=self.roles(f"{path}.brief", doc.brief),
            tiers=self._tiers(doc, path),
        )

    def _tiers(self, doc: StageDoc, path: str) -> tuple[Tier, ...]:
        """A two-sided stage's further tiers of management (seed 004 §2.10)."""
        if doc.tiers and not doc.raiser_side:
            self.fail(f"{path}.tiers", "only a two-sided stage has tiers (set raiser_side)")
        return tuple(
            Tier(
                responsible=self.roles(f"{path}.tiers[{n}].responsible", tier.responsible),
                raiser_side=self.roles(f"{path}.tiers[{n}].raiser_side", tier.raiser_side),
                raiser_line=self.roles(f"{path}.tiers[{n}].raiser_line", tier.raiser_line),
                title=tier.title,
            )
            for n, tier in enumerate(doc.tiers)
        )

    def _raiser_line(self, doc: StageDoc, path: str) -> tuple[Role, ...]:
        line = self.roles(f"{path}.raiser_line", doc.raiser_line)
        if line and not doc.raiser_side:
            self.fail(f"{path}.raiser_line", "only a two-sided stage has one (set raiser_side)")
        return line

    def _childs_own(self, doc: StageDoc, path: str) -> tuple[Role, ...]:
        own = self.roles(f"{path}.childs_own", doc.childs_own)
        for role in own:
            if role not in doc.responsible:
                self.fail(f"{path}.childs_own", f"{role!r} is not among this stage's responsible")
            if self.book.per_team(role):
                self.fail(f"{path}.childs_own", f"{role!r} is found by team or agency already")
        return own

    def _admitted(self, doc: StageDoc, path: str) -> tuple[Role, ...]:
        if not doc.iro_only:
            return self.roles(f"{path}.admits", doc.admits)
        if doc.admits:
            self.fail(f"{path}.iro_only", "give admits only (iro_only is its old form)")
        self.notes.append(f'{path}.iro_only: old form; write admits = ["iro"] (same meaning)')
        return self.roles(f"{path}.iro_only", ["iro"])

    def _approval(self, doc: StageDoc, path: str, shared: _Shared) -> Approval | None:
        own = self.roles(f"{path}.approver", doc.approver)
        approvers = own or shared.approvers
        moves = doc.approval_for if doc.approval_for is not None else shared.moves
        if not approvers:
            if doc.approval_for:
                self.fail(f"{path}.approval_for", "no approver for this stage (set approver)")
            return None
        return Approval(approvers, frozenset(Move(m) for m in moves)) if moves else None

    def _final(self, doc: FinalStepDoc | None, path: str, number: int) -> FinalStep | None:
        if doc is None:
            return None
        told = doc.told
        if doc.alerts:
            if doc.told:
                self.fail(f"{path}.alerts", "give told only (alerts is its old name)")
            told = doc.alerts
            names = ", ".join(f'"{role}"' for role in doc.alerts)
            self.notes.append(f"{path}.alerts: old name; write told = [{names}] (same meaning)")
        return FinalStep(
            key=doc.key or str(number),
            title=doc.title,
            roles=self.roles(f"{path}.roles", doc.roles),
            told=self.roles(f"{path}.{'alerts' if doc.alerts else 'told'}", told),
            kind=StepKind(doc.kind),
            acts=self.roles(f"{path}.acts", doc.acts),
            timescale=_timescale(doc.timescale),
            counts_as=self._counts_as(doc, path),
            description=doc.description,
            consult=doc.consult,
        )

    def _counts_as(self, doc: FinalStepDoc, path: str) -> str:
        routes = [r.key for r in self.doc.referrals]
        if doc.counts_as and doc.counts_as not in routes:
            self.fail(f"{path}.counts_as", f"not a referral route: {', '.join(routes) or 'none'}")
        return doc.counts_as

    # --- the rest of the profile ----------------------------------------------------------

    def _with_legacy_approval(self, processes: tuple[Process, ...]) -> tuple[Process, ...]:
        """The old top-level ``[approval]``: every process with that stage and no approver of
        its own needs agreement to raise at or escalate to that stage and above."""
        rule = self.doc.approval
        if rule is None:
            return processes
        if not processes[0].has_stage(rule.from_stage):
            self.fail("approval.from_stage", f"no stage {rule.from_stage!r}")
        approvers = self.roles("approval.approver", [rule.approver])
        self.notes.append(
            f'approval: old form; in [[processes]] write approver = ["{rule.approver}"] and '
            f'approval_from = "{rule.from_stage}" (same meaning)'
        )
        approval = Approval(approvers, frozenset({Move.RAISE, Move.ESCALATE}))  # as it meant
        return tuple(_apply_from(process, rule.from_stage, approval) for process in processes)

    def _multiple_categories(self) -> bool:
        if self.doc.multiple_categories and not self.doc.categories:
            self.fail("multiple_categories", "needs a list of [[categories]] to tick from")
        return self.doc.multiple_categories

    def _categories(self, docs: Sequence[CategoryDoc]) -> tuple[Category, ...]:
        categories = tuple(Category(c.key, c.title, c.examples) for c in docs)
        _unique(self, "categories", [c.key for c in categories])
        if categories and categories[-1].key != OTHER_CATEGORY:
            self.fail("categories", f'the list must end with an "{OTHER_CATEGORY}" category')
        return categories

    def _referrals(self, docs: Sequence[ReferralDoc]) -> tuple[Referral, ...]:
        referrals = tuple(
            Referral(
                key=r.key,
                title=r.title,
                roles=self.roles(f"referrals[{n}].roles", r.roles),
                consult=r.consult,
                alerts=self.roles(f"referrals[{n}].alerts", r.alerts),
                concurrent=r.concurrent,
                description=r.description,
            )
            for n, r in enumerate(docs)
        )
        _unique(self, "referrals", [r.key for r in referrals])
        return referrals

    def _mailboxes(
        self, docs: Sequence[MailboxDoc], processes: tuple[Process, ...]
    ) -> tuple[Mailbox, ...]:
        steps = {s.key for p in processes for s in p.all_stages()}
        steps |= {p.final_step.key for p in processes if p.final_step is not None}
        for n, doc in enumerate(docs):
            for key in doc.stages:
                if key not in steps:
                    self.fail(f"mailboxes[{n}].stages", f"no stage or final step {key!r}")
        mailboxes = tuple(
            Mailbox(d.key, d.title, d.address, tuple(d.stages), d.secure) for d in docs
        )
        _unique(self, "mailboxes", [m.key for m in mailboxes])
        return mailboxes

    def _access(self) -> Access:
        """The ``[access]`` lists; one left out keeps the defaults this profile has."""
        doc = self.doc.access
        given = doc.model_fields_set if doc is not None else set()
        found: dict[str, tuple[Role, ...]] = {}
        for name in AccessDoc.model_fields:
            if doc is not None and name in given:
                found[name] = self.roles(f"access.{name}", getattr(doc, name))
            else:
                found[name] = tuple(r for r in getattr(DEFAULT_ACCESS, name) if r in self.book)
        return Access(**found)

    def _practitioner(self) -> Role:
        name = self.doc.practitioner_role
        if "practitioner_role" in self.doc.model_fields_set:
            return self.roles("practitioner_role", [name])[0]
        return Role(name)

    def _extension(self) -> ExtensionRule | None:
        doc = self.doc.extension
        if doc is None:
            return None
        timescale = Timescale.parse(doc.timescale)
        return ExtensionRule(doc.max_extensions, timescale, doc.raiser_sets_deadline)

    def _review_stages(self, processes: Sequence[Process]) -> tuple[str, ...]:
        keys = {stage.key for process in processes for stage in process.all_stages()}
        for n, key in enumerate(self.doc.chair_review_stages):
            if key not in keys:
                self.fail(f"chair_review_stages[{n}]", f"no stage {key!r}")
        return tuple(self.doc.chair_review_stages)


class _Shared:
    """A process's own approver: its roles, its moves, the rank of the first stage it covers."""

    def __init__(self, approvers: tuple[Role, ...], moves: Sequence[str], first: int) -> None:
        self.approvers = approvers
        self.moves = tuple(moves)
        self.first = first

    def at(self, keys: list[str], key: str) -> _Shared:
        """This approver at stage ``key``, or none if the stage is below its first."""
        if keys.index(key) >= self.first:
            return self
        return _Shared((), self.moves, self.first)


def _apply_from(process: Process, from_stage: str, approval: Approval) -> Process:
    if not process.has_stage(from_stage):
        return process
    if any(stage.approval for stage in process.all_stages()):
        return process
    first = process.rank(from_stage)
    stages = tuple(
        replace(stage, approval=approval) if process.rank(stage.key) >= first else stage
        for stage in process.stages
    )
    informal = process.informal
    if informal is not None and first == 0:
        informal = replace(informal, approval=approval)
    return replace(process, stages=stages, informal=informal)


def _timescale(text: str | None) -> Timescale | None:
    return Timescale.parse(text) if text is not None else None


def _is_key(name: str) -> bool:
    try:
        Role(name)
    except ValueError:
        return False
    return True


def _unique(builder: _Builder, field: str, keys: list[str]) -> None:
    seen: set[str] = set()
    for key in keys:
        if key in seen:
            builder.fail(field, f"duplicate key {key!r}")
        seen.add(key)
