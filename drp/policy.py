"""Policy profiles: a council's ladder as data, loaded from TOML and validated field by field."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from drp.errors import PolicyError
from drp.policy_reader import Reader
from drp.roles import Role
from drp.timescale import Timescale, TimeUnit

INFORMAL = "informal"
OTHER_CATEGORY = "other"


@dataclass(frozen=True, slots=True)
class Stage:
    """One rung of the ladder: who must respond, by when, who is copied, who may open here."""

    key: str
    title: str
    responsible: tuple[Role, ...]
    timescale: Timescale | None
    copied: tuple[Role, ...] = ()
    openers: tuple[Role, ...] = ()
    raiser_side: tuple[Role, ...] = ()
    alerts: tuple[Role, ...] = ()
    notify_if_on_plan: tuple[Role, ...] = ()
    iro_only: bool = False
    meeting: bool = False
    raiser_sets_deadline: bool = False
    description: str = ""

    @property
    def formal(self) -> bool:
        """Formal stages are keyed "1", "2", ...; the informal stage is not."""
        return self.key != INFORMAL

    @property
    def two_sided(self) -> bool:
        """Multi-agency stages reach a manager on both sides (City & Hackney)."""
        return bool(self.raiser_side)

    def may_open(self, role: Role) -> bool:
        """Whether a raiser in this role may start a dispute at this stage."""
        return role in self.openers and self.admits(role)

    def admits(self, role: Role) -> bool:
        """IRO-only stages admit only IROs."""
        return role == Role.IRO or not self.iro_only


@dataclass(frozen=True, slots=True)
class FinalStep:
    """The external step after the last internal stage (legal advice, CAFCASS, panel...)."""

    key: str
    title: str
    roles: tuple[Role, ...]
    alerts: tuple[Role, ...] = ()
    description: str = ""


@dataclass(frozen=True, slots=True)
class Process:
    """One flow of a policy: who may raise, its informal stage, its formal ladder."""

    key: str
    title: str
    raisers: tuple[Role, ...]
    stages: tuple[Stage, ...]
    informal: Stage | None = None
    final_step: FinalStep | None = None
    overall_limit: Timescale | None = None
    bypass: bool = False
    description: str = ""

    def all_stages(self) -> Iterator[Stage]:
        """The informal stage (if any) then the formal ones, in order."""
        if self.informal is not None:
            yield self.informal
        yield from self.stages

    def stage(self, key: str) -> Stage:
        """The stage with this key; KeyError if the process has none."""
        for stage in self.all_stages():
            if stage.key == key:
                return stage
        raise KeyError(key)

    def has_stage(self, key: str) -> bool:
        """Whether this process has a stage with this key."""
        return any(stage.key == key for stage in self.all_stages())

    def rank(self, key: str) -> int:
        """0 for the informal stage, N for formal stage N."""
        return 0 if key == INFORMAL else [s.key for s in self.stages].index(key) + 1

    def next_stage(self, key: str) -> Stage | None:
        """The stage after ``key``, or None after the last formal stage."""
        rank = self.rank(key)
        return self.stages[rank] if rank < len(self.stages) else None

    def opening_stages(self, role: Role) -> tuple[Stage, ...]:
        """The stages a raiser in this role may open a dispute at."""
        return tuple(stage for stage in self.all_stages() if stage.may_open(role))


@dataclass(frozen=True, slots=True)
class Category:
    """A category of concern from the policy's list; "other" asks the raiser to specify."""

    key: str
    title: str
    examples: str = ""


@dataclass(frozen=True, slots=True)
class Referral:
    """An external referral the raiser may make at any point (LSCB, CAFCASS, LADO...)."""

    key: str
    title: str
    roles: tuple[Role, ...]
    consult: str = ""
    alerts: tuple[Role, ...] = ()
    concurrent: bool = True
    description: str = ""


@dataclass(frozen=True, slots=True)
class ExtensionRule:
    """Further work agreed at review instead of escalating (seed 001: once, 24 hours)."""

    max_extensions: int
    timescale: Timescale


@dataclass(frozen=True, slots=True)
class ApprovalRule:
    """Agreement needed before a dispute is sent at or above a stage (seed 001: stage 2+)."""

    from_stage: str
    approver: Role


@dataclass(frozen=True, slots=True)
class Policy:
    """A council's Dispute Resolution Process, as one deployment runs it."""

    key: str
    name: str
    title: str
    seed: str
    source: str
    processes: tuple[Process, ...]
    categories: tuple[Category, ...]
    issue_types: tuple[str, ...] = ()
    referrals: tuple[Referral, ...] = ()
    immediate_harm_alerts: tuple[Role, ...] = ()
    # Team roles alerted on immediate harm are the raiser's agency's, not the child's team's.
    immediate_harm_in_raisers_agency: bool = False
    chair_review: Timescale | None = None
    extension: ExtensionRule | None = None
    approval: ApprovalRule | None = None
    auto_escalate: bool = False
    raise_within: Timescale | None = None
    requested_action_limit: Timescale | None = None
    local_id_label: str = "Local ID"
    monitoring_copy: str = ""
    compliments: bool = False

    @property
    def main(self) -> Process:
        """The policy's principal process (the first one declared)."""
        return self.processes[0]

    def process(self, key: str) -> Process:
        """The process with this key; KeyError if none."""
        for process in self.processes:
            if process.key == key:
                return process
        raise KeyError(key)

    def category(self, key: str) -> Category:
        """The category with this key; KeyError if none."""
        for category in self.categories:
            if category.key == key:
                return category
        raise KeyError(key)

    def referral(self, key: str) -> Referral:
        """The referral target with this key; KeyError if none."""
        for referral in self.referrals:
            if referral.key == key:
                return referral
        raise KeyError(key)

    def needs_approval(self, process: Process, stage_key: str) -> bool:
        """Whether entering this stage first needs the approver's agreement."""
        rule = self.approval
        if rule is None or not process.has_stage(rule.from_stage):
            return False
        return process.rank(stage_key) >= process.rank(rule.from_stage)


# --- loading ---------------------------------------------------------------------------------


def shipped_profiles() -> tuple[str, ...]:
    """The names of the profiles shipped in the package, sorted."""
    folder = resources.files("drp") / "profiles"
    return tuple(sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml")))


def load_policy(name_or_path: str) -> Policy:
    """A shipped profile by name (``nottingham``) or a profile file by path."""
    if name_or_path in shipped_profiles():
        resource = resources.files("drp") / "profiles" / f"{name_or_path}.toml"
        return parse_policy(resource.read_text(encoding="utf-8"), f"{name_or_path}.toml")
    path = Path(name_or_path)
    if not path.is_file():
        known = ", ".join(shipped_profiles())
        raise PolicyError(name_or_path, "policy", f"no such profile or file (shipped: {known})")
    return parse_policy(_read(path), str(path))


def _read(path: Path) -> str:
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
    return _policy(Reader(data, source, ""))


def _policy(doc: Reader) -> Policy:
    processes = tuple(_process(r) for r in doc.tables("processes", required=True))
    _unique(doc, "processes", [p.key for p in processes])
    categories = tuple(_category(r) for r in doc.tables("categories", required=True))
    _unique(doc, "categories", [c.key for c in categories])
    if categories[-1].key != OTHER_CATEGORY:
        doc.fail("categories", f'the list must end with an "{OTHER_CATEGORY}" category')
    referrals = tuple(_referral(r) for r in doc.tables("referrals"))
    _unique(doc, "referrals", [r.key for r in referrals])
    policy = Policy(
        key=doc.slug("key"),
        name=doc.text("name"),
        title=doc.text("title"),
        seed=doc.text("seed", default=""),
        source=doc.source,
        processes=processes,
        categories=categories,
        issue_types=doc.texts("issue_types"),
        referrals=referrals,
        immediate_harm_alerts=doc.roles("immediate_harm_alerts", required=True),
        immediate_harm_in_raisers_agency=doc.flag("immediate_harm_in_raisers_agency"),
        chair_review=doc.timescale("chair_review"),
        extension=_extension(doc.table("extension")),
        approval=_approval(doc.table("approval")),
        auto_escalate=doc.flag("auto_escalate"),
        raise_within=doc.timescale("raise_within"),
        requested_action_limit=doc.timescale("requested_action_limit"),
        local_id_label=doc.text("local_id_label", default="Local ID"),
        monitoring_copy=doc.text("monitoring_copy", default=""),
        compliments=doc.flag("compliments"),
    )
    doc.finish()
    if policy.approval is not None and not policy.main.has_stage(policy.approval.from_stage):
        doc.fail("approval.from_stage", f"no stage {policy.approval.from_stage!r}")
    return policy


def _process(doc: Reader) -> Process:
    raisers = doc.roles("raisers", required=True)
    informal_doc = doc.table("informal")
    informal = _stage(informal_doc, INFORMAL, raisers) if informal_doc is not None else None
    stages = tuple(
        _stage(r, str(n), raisers)
        for n, r in enumerate(doc.tables("stages", required=True), start=1)
    )
    final_doc = doc.table("final_step")
    process = Process(
        key=doc.slug("key"),
        title=doc.text("title"),
        raisers=raisers,
        stages=stages,
        informal=informal,
        final_step=_final_step(final_doc, len(stages) + 1) if final_doc is not None else None,
        overall_limit=_in_days(doc, "overall_limit"),
        bypass=doc.flag("bypass"),
        description=doc.text("description", default=""),
    )
    doc.finish()
    final = process.final_step
    if final is not None and process.has_stage(final.key):
        doc.fail("final_step.key", f"{final.key!r} is already a stage's key")
    if not any(process.opening_stages(role) for role in raisers):
        doc.fail("stages", "no stage may be opened by any raiser (set openers)")
    return process


def _stage(doc: Reader, expected_key: str, raisers: tuple[Role, ...]) -> Stage:
    key = doc.text("key", default=expected_key)
    if key != expected_key:
        doc.fail("key", f"expected {expected_key!r} (formal stages are numbered 1, 2, ...)")
    timescale = _in_days(doc, "timescale")
    raiser_sets = doc.flag("raiser_sets_deadline")
    if timescale is None and not raiser_sets:
        doc.fail("timescale", "required unless raiser_sets_deadline = true")
    stage = Stage(
        key=key,
        title=doc.text("title"),
        responsible=doc.roles("responsible", required=True),
        timescale=timescale,
        copied=doc.roles("copied"),
        openers=doc.roles("openers"),
        raiser_side=doc.roles("raiser_side"),
        alerts=doc.roles("alerts"),
        notify_if_on_plan=doc.roles("notify_if_on_plan"),
        iro_only=doc.flag("iro_only"),
        meeting=doc.flag("meeting"),
        raiser_sets_deadline=raiser_sets,
        description=doc.text("description", default=""),
    )
    doc.finish()
    strangers = sorted(role.value for role in set(stage.openers) - set(raisers))
    if strangers:
        doc.fail("openers", f"not among the process's raisers: {', '.join(strangers)}")
    return stage


def _final_step(doc: Reader, number: int) -> FinalStep:
    step = FinalStep(
        key=doc.text("key", default=str(number)),
        title=doc.text("title"),
        roles=doc.roles("roles", required=True),
        alerts=doc.roles("alerts"),
        description=doc.text("description", default=""),
    )
    doc.finish()
    return step


def _category(doc: Reader) -> Category:
    category = Category(
        key=doc.slug("key"), title=doc.text("title"), examples=doc.text("examples", default="")
    )
    doc.finish()
    return category


def _referral(doc: Reader) -> Referral:
    referral = Referral(
        key=doc.slug("key"),
        title=doc.text("title"),
        roles=doc.roles("roles", required=True),
        consult=doc.text("consult", default=""),
        alerts=doc.roles("alerts"),
        concurrent=doc.flag("concurrent", default=True),
        description=doc.text("description", default=""),
    )
    doc.finish()
    return referral


def _extension(doc: Reader | None) -> ExtensionRule | None:
    if doc is None:
        return None
    timescale = doc.timescale("timescale")
    if timescale is None:
        doc.fail("timescale", "required")
    rule = ExtensionRule(max_extensions=doc.count("max_extensions"), timescale=timescale)
    doc.finish()
    return rule


def _approval(doc: Reader | None) -> ApprovalRule | None:
    if doc is None:
        return None
    rule = ApprovalRule(from_stage=doc.text("from_stage"), approver=doc.role("approver"))
    doc.finish()
    return rule


def _in_days(doc: Reader, field: str) -> Timescale | None:
    """Stage deadlines and overall limits fall on a day: working or calendar days, not hours."""
    timescale = doc.timescale(field)
    if timescale is not None and timescale.unit is TimeUnit.HOURS:
        doc.fail(field, f"{timescale!s}: count this in working days or calendar days")
    return timescale


def _unique(doc: Reader, field: str, keys: list[str]) -> None:
    seen: set[str] = set()
    for key in keys:
        if key in seen:
            doc.fail(field, f"duplicate key {key!r}")
        seen.add(key)
