"""Who is who: a Teams user in the directory, stage owners, card viewers, notice recipients."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

from cards.views import Viewer, ViewerKind
from drp.model import Dispute, Status
from drp.policy import Access, Policy, Stage
from drp.roles import Role, RoleBook
from drp.routing import Notice, Side
from store.rows import Person
from store.store import Transaction
from teams_bot.turn import UserRef


async def identify(tx: Transaction, user: UserRef) -> Person | None:
    """The directory entry of a Teams user: by Teams user id, then by Azure AD object id; a
    leaver is nobody the bot acts for."""
    person = await tx.directory.by_teams_id(user.id) if user.id else None
    if person is None and user.aad_object_id:
        person = await tx.directory.by_aad_id(user.aad_object_id)
    return person if person is not None and person.active else None


def acting_role(person: Person, allowed: Iterable[Role]) -> Role | None:
    """The first of ``allowed`` the person holds (a chair who is also an IRO acts as listed)."""
    held = {grant.role for grant in person.roles}
    return next((role for role in allowed if role in held), None)


def _unique(ids: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(i for i in ids if i))


async def holders(tx: Transaction, role: Role, book: RoleBook, team: str) -> tuple[str, ...]:
    """Who holds a role: in ``team`` for roles the profile scopes to a team or agency,
    council-wide otherwise."""
    scope = team if book.per_team(role) else None
    return tuple(person.id for person in await tx.directory.holders(role, scope))


async def role_holders(
    tx: Transaction, roles: Iterable[Role], book: RoleBook, team: str
) -> tuple[str, ...]:
    """Everyone holding any of ``roles`` (team roles: in ``team``), each once."""
    found: list[str] = []
    for role in roles:
        found.extend(await holders(tx, role, book, team))
    return _unique(found)


async def stage_owners(
    tx: Transaction,
    stage: Stage,
    book: RoleBook,
    *,
    team: str,
    raiser_team: str,
    practitioner: str,
    named: Role,
    own: str = "",
) -> tuple[str, ...]:
    """The people who must respond at a stage (both sides of a two-sided stage); for the
    ``named`` practitioner role, the practitioner named on the dispute, not every one; for the
    stage's ``childs_own`` roles, ``own`` (the child's own CP chair named on the form) only."""
    found: list[str] = []
    for role in stage.responsible:
        if role == named and practitioner:
            found.append(practitioner)
        elif role in stage.childs_own:
            found.append(own)  # nobody, if none was named: the domain then refuses the stage
        else:
            found.extend(await holders(tx, role, book, team))
    # A raiser with no team of their own (a CP chair, an IRO): their own line answers.
    for role in stage.raiser_side if raiser_team else stage.raiser_line:
        found.extend(await holders(tx, role, book, raiser_team))
    return _unique(found)


async def approvers_for(
    tx: Transaction, roles: Iterable[Role], book: RoleBook, raiser: Person
) -> tuple[str, ...]:
    """Who may agree the raiser's move: for each approver role, its holders in the raiser's
    own team if any (seed 001: the chair's own service manager), else every holder; never the
    raiser. Any one of them may agree."""
    found: list[str] = []
    for role in roles:
        own_team = await holders(tx, role, book, raiser.team) if raiser.team else ()
        found.extend(own_team or await holders(tx, role, book, ""))
    return _unique(pid for pid in found if pid != raiser.id)


async def notice_people(
    tx: Transaction, notice: Notice, dispute: Dispute, book: RoleBook
) -> tuple[str, ...]:
    """The people a routing notice reaches."""
    if notice.person:
        return (notice.person,)
    if notice.role is None:
        return ()
    team = dispute.team
    if notice.side == Side.RAISER and dispute.raiser_team:
        # The raiser's own agency; a raiser with no team (a chair) is reached via the child's.
        team = dispute.raiser_team
    return await holders(tx, notice.role, book, team)


async def viewer(
    tx: Transaction,
    dispute: Dispute,
    person_id: str,
    today: date,
    policy: Policy,
    *,
    person: Person | None = None,
) -> Viewer:
    """Which view of the dispute this person gets (a deputy: for whom; an approver or a
    decider: in which of the roles the policy names there). ``person``: their directory entry
    if already read in this turn (else it is read here when needed)."""
    known = person if person is not None and person.id == person_id else None
    if person_id == dispute.raised_by:
        return Viewer(person_id, ViewerKind.RAISER)
    process = policy.process(dispute.process)
    if dispute.status == Status.AWAITING_APPROVAL and person_id in dispute.approvers:
        roles = policy.approvers(process, dispute.pending_stage or dispute.stage)
        role = await _role_in(tx, person_id, roles, known)
        return Viewer(person_id, ViewerKind.APPROVER, role=role)
    if person_id in dispute.owners:
        return Viewer(person_id, ViewerKind.OWNER)
    if person_id in dispute.deciders and process.has_stage(dispute.stage):
        roles = process.stage(dispute.stage).deciders
        role = await _role_in(tx, person_id, roles, known)
        return Viewer(person_id, ViewerKind.DECIDER, role=role)
    principal = await deputising_owner(tx, dispute, person_id, today)
    if principal:
        role = await _deputy_role(tx, person_id, principal)
        return Viewer(person_id, ViewerKind.OWNER, on_behalf_of=principal, role=role)
    found = known or await tx.directory.person(person_id)
    if found is not None and oversees(policy.access, found):
        return Viewer(person_id, ViewerKind.MONITOR)
    return Viewer(person_id, ViewerKind.OTHER)


async def _role_in(
    tx: Transaction, person_id: str, roles: Iterable[Role], known: Person | None
) -> Role | None:
    person = known or await tx.directory.person(person_id)
    return acting_role(person, roles) if person is not None else None


async def _deputy_role(tx: Transaction, deputy_id: str, principal_id: str) -> Role | None:
    """The deputy's own role that the principal also holds, else the deputy's first role; the
    machine then checks it is one of the stage's responding roles."""
    deputy = await tx.directory.person(deputy_id)
    principal = await tx.directory.person(principal_id)
    if deputy is None or not deputy.roles:
        return None
    shared = acting_role(deputy, (g.role for g in principal.roles)) if principal else None
    return shared or deputy.roles[0].role


async def deputising_owner(tx: Transaction, dispute: Dispute, person_id: str, today: date) -> str:
    """The owner this person deputises for today, or ""."""
    for principal in await tx.directory.deputising_for(person_id, today):
        if principal.id in dispute.owners:
            return principal.id
    return ""


async def is_party(tx: Transaction, dispute: Dispute, person_id: str, today: date) -> bool:
    """Whether the person has a part in the dispute (raiser, owner or deputy, approver, the
    named practitioner), and so may see its details."""
    if person_id in party_ids(dispute):
        return True
    return bool(await deputising_owner(tx, dispute, person_id, today))


def oversees(access: Access, person: Person) -> bool:
    """Whether the person holds a role the profile lets see every dispute's card
    (``[access] oversee``; the monitoring board stays name-free)."""
    return access.grants(access.oversee, (g.role for g in person.roles))


async def may_see(
    tx: Transaction, dispute: Dispute, person: Person, today: date, access: Access
) -> bool:
    """Whether a person may see the dispute's details (the children's names among them):
    its parties now or before, and those the profile lets oversee the process."""
    if await is_party(tx, dispute, person.id, today):
        return True
    if oversees(access, person):
        return True
    visits = await tx.disputes.visits(dispute.reference)
    if any(person.id in visit.owners for visit in visits):
        return True
    return any(event.actor == person.id for event in await tx.disputes.events(dispute.reference))


def party_ids(dispute: Dispute) -> tuple[str, ...]:
    """Everyone with a card of this dispute in their own chat."""
    named = (*dispute.owners, *dispute.approvers, *dispute.deciders)
    return _unique((dispute.raised_by, *named, dispute.practitioner))


async def names(tx: Transaction, ids: Iterable[str]) -> dict[str, str]:
    """Display names by person id (for cards shown to parties only)."""
    return {pid: person.name for pid, person in (await tx.directory.people_by_id(ids)).items()}


def teams_ids(people: Mapping[str, Person], ids: Iterable[str]) -> tuple[str, ...]:
    """The Teams user ids of ``ids`` among ``people``, for a card's ``refresh.userIds``
    (Teams allows 60)."""
    found = [people[i].teams_user_id for i in _unique(ids) if i in people]
    return tuple(t for t in found if t)[:60]
