"""The roles people hold in the process, as the directory and the policy profiles name them."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """A role in the directory; policy profiles route stages to roles, never to names."""

    CHAIR = "chair"
    IRO = "iro"
    CHAIRS_SERVICE_MANAGER = "chairs_service_manager"
    PRACTITIONER = "practitioner"
    TEAM_MANAGER = "team_manager"
    SERVICE_MANAGER = "service_manager"
    PRINCIPAL_MANAGER = "principal_manager"
    HEAD_OF_SERVICE = "head_of_service"
    DIRECTOR = "director"
    ASSISTANT_DIRECTOR_QA = "assistant_director_qa"
    DESIGNATED_SAFEGUARDING_LEAD = "designated_safeguarding_lead"
    IRS_TEAM_MANAGER = "irs_team_manager"
    SCB_MANAGER = "scb_manager"
    INDEPENDENT_CHAIR = "independent_chair"
    ISCC = "iscc"
    MONITOR = "monitor"

    @property
    def label(self) -> str:
        """A human label, e.g. ``Team manager``."""
        return _LABELS[self]


_LABELS = {
    Role.CHAIR: "Child Protection Chair",
    Role.IRO: "Independent Reviewing Officer",
    Role.CHAIRS_SERVICE_MANAGER: "Chairs' service manager (Safeguarding & QA)",
    Role.PRACTITIONER: "Practitioner",
    Role.TEAM_MANAGER: "Team manager",
    Role.SERVICE_MANAGER: "Service manager",
    Role.PRINCIPAL_MANAGER: "Principal manager",
    Role.HEAD_OF_SERVICE: "Head of service",
    Role.DIRECTOR: "Director",
    Role.ASSISTANT_DIRECTOR_QA: "Assistant Director, Quality Assurance",
    Role.DESIGNATED_SAFEGUARDING_LEAD: "Designated safeguarding lead",
    Role.IRS_TEAM_MANAGER: "Independent Reviewing Service team manager",
    Role.SCB_MANAGER: "Safeguarding Children Board manager",
    Role.INDEPENDENT_CHAIR: "Independent Chair of the Safeguarding Children Board",
    Role.ISCC: "Independent Safeguarding Children Commissioner",
    Role.MONITOR: "Monitor (QA / business admin)",
}

# Roles whose holder serves one team: routing resolves them against the dispute's team.
TEAM_ROLES = frozenset(
    {
        Role.PRACTITIONER,
        Role.TEAM_MANAGER,
        Role.SERVICE_MANAGER,
        Role.PRINCIPAL_MANAGER,
        Role.HEAD_OF_SERVICE,
        Role.DIRECTOR,
        Role.DESIGNATED_SAFEGUARDING_LEAD,
    }
)
