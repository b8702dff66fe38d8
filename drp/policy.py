"""Policy profiles: a council's ladder as data, loaded from TOML by ``drp.policy_loader``."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum

from drp.roles import Role, RoleBook
from drp.timescale import Timescale

INFORMAL = "informal"
OTHER_CATEGORY = "other"


class Move(StrEnum):
    """A move that may need the approver's agreement at a stage."""

    RAISE = "raise"  # opening a dispute at the stage
    ESCALATE = "escalate"  # escalating a dispute to the stage
    CONCLUDE = "conclude"  # closing the dispute at the stage (resolved or concluded)


@dataclass(frozen=True, slots=True)
class Approval:
    """Who must agree which moves at a stage: any holder of any of ``approvers``."""

    approvers: tuple[Role, ...]
    moves: frozenset[Move]


@dataclass(frozen=True, slots=True)
class Tier:
    """A further tier of management within a two-sided stage (seed 004 §2.10: "escalation
    continues through the appropriate tiers of management in each organisation"): who responds
    on each side there. A stage's own roles are its tier 1; ``Stage.tiers`` are tiers 2, 3..."""

    responsible: tuple[Role, ...]
    raiser_side: tuple[Role, ...]
    raiser_line: tuple[Role, ...] = ()
    title: str = ""


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
    # The raiser's side when the raiser has no team (a chair or IRO): their own line.
    raiser_line: tuple[Role, ...] = ()
    alerts: tuple[Role, ...] = ()
    notify_if_on_plan: tuple[Role, ...] = ()
    # Roles among ``responsible`` whose holder here is the child's own, named on the form (seed
    # 002 §4.4: "contact the CPCC"), never every holder.
    childs_own: tuple[Role, ...] = ()
    admitted: tuple[Role, ...] = ()
    approval: Approval | None = None
    # Besides the raiser, who may take the review decision here (resolve, extend, escalate).
    deciders: tuple[Role, ...] = ()
    meeting: bool = False
    raiser_sets_deadline: bool = False
    # Whom the raiser consults before the dispute goes here (recorded; "" = nobody).
    consult: str = ""
    # A question the responder answers with their response (seed 002 §6.6's reconvened conference).
    response_asks: str = ""
    # The outcome of a dispute closed here goes to everyone who took part (seed 002's panel).
    outcome_to_all: bool = False
    description: str = ""
    # Told when no response arrives by the deadline, and asked to make ``brief`` aware.
    overdue_alerts: tuple[Role, ...] = ()
    brief: tuple[Role, ...] = ()
    # Further tiers of management within the stage, climbed before the next stage (seed 004).
    tiers: tuple[Tier, ...] = ()

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
        """Whether disputes raised by this role may reach the stage (all, unless it names some)."""
        return not self.admitted or role in self.admitted

    def needs_approval(self, move: Move | None = None) -> bool:
        """Whether this move at this stage (any move, if none is named) first needs the
        approver's agreement."""
        if self.approval is None:
            return False
        return move is None or move in self.approval.moves


class StepKind(StrEnum):
    """What the step after the last stage is."""

    REFERRAL = "referral"  # outside the council: legal advice, CAFCASS, the Secretary of State
    REPORT = "report"  # a named role writes a report that ends it
    PANEL = "panel"  # a panel is convened and records its outcome
    MEETING = "meeting"  # a meeting is convened and records its outcome


@dataclass(frozen=True, slots=True)
class FinalStep:
    """The step after the last internal stage: who may take a dispute there (``roles``), who
    acts (records its outcome; the raiser if none), who is told, and by when."""

    key: str
    title: str
    roles: tuple[Role, ...]
    told: tuple[Role, ...] = ()
    kind: StepKind = StepKind.REFERRAL
    acts: tuple[Role, ...] = ()
    timescale: Timescale | None = None
    # The referral route the step is too, for the report (Newham: stage 5 is CAFCASS).
    counts_as: str = ""
    description: str = ""
    # Whom the raiser consults before taking the dispute here (seed 000: the Principal
    # Manager and the Director before the Corporate Director); recorded with the escalation.
    consult: str = ""


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
    # A stage's deadline (or an extension's) never runs past the overall limit; False: it may.
    overall_limit_caps_stages: bool = False
    bypass: bool = False
    # The form asks the date of the child protection conference (seed 002).
    conference_date: bool = False
    # Overrides the policy's auto_escalate for this process (None: follow the policy).
    auto_escalate: bool | None = None
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
class Mailbox:
    """A mailbox the policy copies each step to (seed 000's Dispute Resolution mailbox, seed
    004's CHSCP address); only a ``secure`` one gets the children's names and the concern."""

    key: str
    title: str
    address: str
    stages: tuple[str, ...] = ()  # the steps whose events are copied; none: every step
    secure: bool = False

    def copies(self, from_stage: str, to_stage: str) -> bool:
        """Whether an event that moved the dispute between these steps is copied here."""
        if not self.stages:
            return bool(from_stage or to_stage)
        return from_stage in self.stages or to_stage in self.stages


@dataclass(frozen=True, slots=True)
class ExtensionRule:
    """Further work agreed at review instead of escalating (seed 001: once, 24 hours; seed
    003: "state what further action is needed with timescale", the raiser sets the date)."""

    max_extensions: int | None  # None: as often as the raiser agrees further work
    timescale: Timescale  # how long (the most, if the raiser sets the date)
    raiser_sets_deadline: bool = False

    def used_up(self, used: int) -> bool:
        """Whether a dispute extended ``used`` times may be extended no more."""
        return self.max_extensions is not None and used >= self.max_extensions


@dataclass(frozen=True, slots=True)
class Access:
    """Who may do what beyond a dispute's own parties (each a set of roles)."""

    oversee: tuple[Role, ...] = ()  # see every dispute's card
    records: tuple[Role, ...] = ()  # read any dispute's case record
    reports: tuple[Role, ...] = ()  # run the quarterly report
    supervise: tuple[Role, ...] = ()  # read every raiser's supervision list
    monitoring: tuple[Role, ...] = ()  # choose the monitoring channel
    correct: tuple[Role, ...] = ()  # correct a child's name, local ID or date of birth

    @staticmethod
    def grants(allowed: tuple[Role, ...], held: Iterable[Role]) -> bool:
        """Whether any role held is one of those ``allowed``."""
        return any(role in allowed for role in held)


DEFAULT_ACCESS = Access(
    oversee=(Role.CHAIRS_SERVICE_MANAGER, Role.MONITOR),
    records=(Role.CHAIRS_SERVICE_MANAGER, Role.MONITOR),
    reports=(Role.CHAIRS_SERVICE_MANAGER, Role.MONITOR),
    supervise=(Role.CHAIRS_SERVICE_MANAGER,),
    monitoring=(Role.CHAIRS_SERVICE_MANAGER,),
    correct=(Role.CHAIRS_SERVICE_MANAGER,),
)


@dataclass(frozen=True, slots=True)
class Policy:
    """A council's Dispute Resolution Process, as one deployment runs it."""

    key: str
    name: str
    title: str
    seed: str
    source: str
    processes: tuple[Process, ...]
    categories: tuple[Category, ...] = ()
    # The form ticks every category that applies, not one (seed 003's "TICK IF APPLICABLE").
    multiple_categories: bool = False
    roles: RoleBook = field(default_factory=RoleBook.defaults)
    access: Access = DEFAULT_ACCESS
    # The role of the practitioner a dispute names (copied or responding as that one person).
    practitioner_role: Role = Role.PRACTITIONER
    issue_types: tuple[str, ...] = ()
    referrals: tuple[Referral, ...] = ()
    immediate_harm_alerts: tuple[Role, ...] = ()
    # Team roles alerted on immediate harm are the raiser's agency's, not the child's team's.
    immediate_harm_in_raisers_agency: bool = False
    chair_review: Timescale | None = None
    # The stages whose responses the chair_review applies to; none: every stage (seed 003: 2-4).
    chair_review_stages: tuple[str, ...] = ()
    # The raiser must say what evidence will close the dispute (seed 003).
    evidence_required: bool = False
    extension: ExtensionRule | None = None
    auto_escalate: bool = False
    raise_within: Timescale | None = None
    requested_action_limit: Timescale | None = None
    # How long after resolving the chair may reopen it, agreed actions undone (issue 14.4).
    reopen_within: Timescale | None = None
    local_id_label: str = "Local ID"
    monitoring_copy: str = ""
    compliments: bool = False
    # Besides the practitioner's team manager, who a compliment reaches (their team's holders).
    compliments_copied: tuple[Role, ...] = ()
    mailboxes: tuple[Mailbox, ...] = ()
    # What the reader read in an old form, and what to write instead (``policies check``).
    notes: tuple[str, ...] = ()

    @property
    def raising_roles(self) -> tuple[Role, ...]:
        """Every role that may raise a dispute in any of the policy's processes."""
        return tuple(dict.fromkeys(r for process in self.processes for r in process.raisers))

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

    @property
    def harm_route(self) -> bool:
        """Whether the policy names whom to alert when a child may be at immediate harm."""
        return bool(self.immediate_harm_alerts)

    def needs_approval(self, process: Process, stage_key: str, move: Move | None = None) -> bool:
        """Whether this move to this stage (any move, if none is named) first needs the
        approver's agreement."""
        return process.has_stage(stage_key) and process.stage(stage_key).needs_approval(move)

    def approvers(self, process: Process, stage_key: str) -> tuple[Role, ...]:
        """The roles whose holders may agree moves at this stage (none if it needs none)."""
        if not process.has_stage(stage_key):
            return ()
        approval = process.stage(stage_key).approval
        return approval.approvers if approval else ()

    def review_time(self, stage_key: str) -> Timescale | None:
        """How long the raiser has to review a response at this stage (None: no deadline)."""
        stages = self.chair_review_stages
        return self.chair_review if not stages or stage_key in stages else None

    def role_title(self, role: str) -> str:
        """A role's title as this profile names it."""
        return self.roles.title(role)


# --- loading ---------------------------------------------------------------------------------
# The reader (drp.policy_loader) builds these values, so it is imported when first needed.


def shipped_profiles() -> tuple[str, ...]:
    """The names of the profiles shipped in the package, sorted."""
    from drp.policy_loader import shipped_profiles as names

    return names()


def load_policy(name_or_path: str) -> Policy:
    """A shipped profile by name (``nottingham``) or a profile file by path."""
    from drp.policy_loader import load_policy as load

    return load(name_or_path)


def parse_policy(text: str, source: str) -> Policy:
    """Parse and validate a profile's TOML text; ``source`` names it in errors."""
    from drp.policy_loader import parse_policy as parse

    return parse(text, source)
