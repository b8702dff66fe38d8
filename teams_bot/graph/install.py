"""Proactive installation: a person the bot must reach who has no chat with it gets the bot's
Teams app installed in their personal scope through Graph, and the card goes into the chat that
installation opened (``POST /users/{id}/teamwork/installedApps``, then that installation's
``chat``). Without the permission, or without the app's catalog id, people are @mentioned on the
monitoring channel as before, and ``serve`` says so when it starts."""

from __future__ import annotations

import logging

from teams_bot.graph.client import INSTALL_FOR_USER, GraphClient, GraphError
from teams_bot.settings import GraphSettings
from teams_bot.turn import DeliveryError

log = logging.getLogger(__name__)

NO_APP_ID = (
    "proactive installation is off: DRP_TEAMS_APP_ID is not set; people who never opened the "
    "DRP app are @mentioned on the monitoring channel instead"
)
NO_PERMISSION = (
    "proactive installation is off: the Graph app lacks the {permission} application "
    "permission; people who never opened the DRP app are @mentioned on the monitoring channel "
    "instead (grant it with an administrator's consent, then restart)"
)
UNCHECKED = (
    "proactive installation: the Graph app's permissions could not be read ({reason}); "
    "installing anyway, an @mention on the monitoring channel if Graph refuses"
)
ON = "proactive installation is on: the DRP app is installed for people who never opened it"


class AppInstaller:
    """Installs the bot's app for a user (by Entra object id) and finds their chat with it."""

    def __init__(self, graph: GraphClient, teams_app_id: str) -> None:
        self.graph = graph
        self.teams_app_id = teams_app_id

    async def chat_with(self, user_id: str) -> str:
        """The id of the user's 1:1 chat with the bot, installing the app for them if need be;
        a refusal is a DeliveryError (403 for a missing permission, retryable when Graph is
        busy or unreachable)."""
        try:
            installed = await self.graph.install_app(user_id, self.teams_app_id)
            chat = await self.graph.installation_chat(user_id, self.teams_app_id)
        except GraphError as error:
            raise DeliveryError(error.status, f"Graph {error.code}") from None
        if chat is None:
            raise DeliveryError(404, "no chat with the installed app")
        log.info("app installed for user %s (new: %s); chat found", user_id, installed)
        return chat


async def start_installer(
    graph: GraphClient | None, settings: GraphSettings | None
) -> AppInstaller | None:
    """The installer ``serve`` runs with, or None; says at start which it is and why."""
    if graph is None or settings is None:
        log.info("proactive installation is off: no DRP_GRAPH_* credentials")
        return None
    if not settings.teams_app_id:
        log.warning(NO_APP_ID)
        return None
    try:
        granted = await graph.granted()
    except GraphError as error:
        log.warning(UNCHECKED.format(reason=error.reason))
        return AppInstaller(graph, settings.teams_app_id)
    if INSTALL_FOR_USER not in granted:
        log.warning(NO_PERMISSION.format(permission=INSTALL_FOR_USER))
        return None
    log.info(ON)
    return AppInstaller(graph, settings.teams_app_id)
