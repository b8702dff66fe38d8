"""The secure response page, ``/respond/<token>``, for partners outside the council's Teams.

Who is asking is decided before anything is rendered: the token must be ours and unaltered
(``tokens``), its step still the dispute's current one and before its deadline, the link not
used and not locked; then the person must type the one-time code e-mailed to their own address
(a signed cookie, bound to this link, remembers that). Only then does the page show what their
card would show them, through the gate, with the same inputs; an answer goes down the same path
as a card click (``DisputeActions.act``: validation, idempotency, audit, events, outbox), so
everyone's Teams cards update in place. Every refusal is a plain page without a child on it,
changes nothing, and is audited.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web
from itsdangerous import BadSignature

from cards.verbs import Verb
from store.respond_links import RespondLink
from teams_bot import gate
from teams_bot.delivery.mail import Mail
from teams_bot.deps import Deps
from teams_bot.handlers import ACTION_VERBS
from teams_bot.handlers.disputes import DisputeActions
from teams_bot.respond.notices import PartnerMail
from teams_bot.respond.texts import Refusal, Templates
from teams_bot.respond.tokens import Link
from teams_bot.turn import ConversationKind, DeliveryError, Turn, TurnKind, UserRef, Where

log = logging.getLogger(__name__)

COOKIE = "drp_respond"
CODE_LIFETIME = timedelta(minutes=15)
SESSION_LIFETIME = timedelta(hours=1)
RESEND_AFTER = timedelta(minutes=1)  # a new code at most once a minute, whoever asks
MAX_FAILURES = 3
_FIELD = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_VERBS = frozenset(verb.value for verb in ACTION_VERBS)
ANSWERED = "respond_answered"
CODE_SENT = "respond_code_sent"
CODE_WRONG = "respond_code_wrong"
REFUSED = "respond_refused"


class RespondPages:
    """The page's handlers."""

    def __init__(self, deps: Deps, partners: PartnerMail) -> None:
        self.deps = deps
        self.partners = partners
        self.keys = partners.keys
        self.actions = DisputeActions(deps)
        self.templates = Templates()

    # --- the routes ----------------------------------------------------------------------------

    async def open(self, request: web.Request) -> web.StreamResponse:
        """Opening the link: the card once the code was typed, else a code is sent."""
        link, row = await self._checked(request)
        if self._session(request, link):
            return await self._card_page(request, link)
        now = self.deps.clock()
        age = now - row.code_sent_at if row is not None else CODE_LIFETIME
        again = request.query.get("resend") == "1" and age >= RESEND_AFTER  # no mail-bombing
        if age >= CODE_LIFETIME or again:
            await self._send_code(link, now)
        message = "We have e-mailed a one-time code to your address. Type it here."
        return self._code_page(request, message)

    async def code(self, request: web.Request) -> web.StreamResponse:
        """The one-time code typed: right, and the page opens; wrong three times, and the
        link is locked."""
        link, row = await self._checked(request)
        form = await request.post()
        typed = str(form.get("code") or "")[:12]
        now = self.deps.clock()
        if row is None or now - row.code_sent_at >= CODE_LIFETIME:
            return self._code_page(request, "That code has expired.", "Ask for a new code.")
        if not self.keys.code_matches(link, typed, row.code_hash):
            return await self._wrong_code(request, link, now)
        async with self.deps.store.transaction() as tx:
            await tx.respond_links.verified(link.link_id, now)
        response = web.HTTPSeeOther(request.path.removesuffix("/code"))
        value = self.keys.sessions.dumps({"l": link.link_id, "p": link.person_id, "at": _iso(now)})
        _set_cookie(response, str(value), request.secure)
        raise response

    async def answer(self, request: web.Request) -> web.StreamResponse:
        """A button pressed on the page: the same command as the card's, for this person."""
        link, _row = await self._checked(request)
        if not self._session(request, link):
            raise Refusal(403, "other_person", "Open the link from your e-mail first.", link)
        form = await request.post()
        choice = self._choice(str(form.get("choice") or ""), link)
        data = dict(choice["data"])
        for name in form:
            value = form.get(name)
            if name != "choice" and _FIELD.match(name) and isinstance(value, str) and value:
                data.setdefault(name, value)
        data["reference"] = link.reference  # the link's dispute, whatever the form says
        return await self._act(request, link, str(choice["verb"]), data)

    # --- checks --------------------------------------------------------------------------------

    async def _checked(self, request: web.Request) -> tuple[Link, RespondLink | None]:
        """The link, if it still opens anything; otherwise a ``Refusal`` (audited)."""
        link = self.keys.read(request.match_info.get("token", ""))
        if link is None:
            raise Refusal(400, "tampered", "This link is not valid.")
        now = self.deps.clock()
        async with self.deps.store.transaction(readonly=True) as tx:
            person = await tx.directory.person(link.person_id)
            row = await tx.respond_links.get(link.link_id)
            dispute = await tx.disputes.find(link.reference)
        if person is None or not person.active:
            raise Refusal(403, "unknown_person", "This link is not valid any more.", link)
        if row is not None and row.used_at is not None:
            raise Refusal(410, "used", "This link has been used: your answer was recorded.", link)
        if now >= link.deadline or dispute is None or not link.opens(dispute):
            raise Refusal(410, "expired", "This link has expired: that step is over.", link)
        if row is not None and row.failures >= MAX_FAILURES:
            raise Refusal(403, "locked", LOCKED, link)
        other = self._session_person(request)
        if other is not None and other != link.person_id:
            message = "This link was sent to someone else."
            raise Refusal(403, "other_person", message, link, actor=other)
        return link, row

    def _session_person(self, request: web.Request) -> str | None:
        data = self._session_data(request)
        return str(data.get("p")) if data else None

    def _session(self, request: web.Request, link: Link) -> bool:
        data = self._session_data(request)
        return data is not None and data.get("l") == link.link_id

    def _session_data(self, request: web.Request) -> Mapping[str, Any] | None:
        value = request.cookies.get(COOKIE, "")
        if not value or len(value) > 1024:
            return None
        try:
            data = self.keys.sessions.loads(value)
            started = datetime.fromisoformat(str(data["at"]))
        except (BadSignature, KeyError, TypeError, ValueError):
            return None
        if self.deps.clock() - started >= SESSION_LIFETIME:
            return None
        return data if isinstance(data, dict) else None

    def _choice(self, value: str, link: Link) -> Mapping[str, Any]:
        try:
            choice = self.keys.sessions.loads(value[:4096])
        except BadSignature:
            raise Refusal(400, "tampered", "That answer could not be read.", link) from None
        if not isinstance(choice, dict) or choice.get("l") != link.link_id:
            raise Refusal(400, "tampered", "That answer could not be read.", link)
        if choice.get("verb") not in _VERBS or not isinstance(choice.get("data"), dict):
            raise Refusal(400, "tampered", "That answer could not be read.", link)
        return choice

    # --- the work ------------------------------------------------------------------------------

    async def _send_code(self, link: Link, now: datetime) -> None:
        mailer = self.partners.mailer
        if mailer is None:
            raise Refusal(503, "no_mailer", NO_CODE, link)
        code = self.keys.new_code()
        code_hash = self.keys.code_hash(link, code)
        row = RespondLink(link.link_id, link.person_id, link.reference, link.stage, code_hash, now)
        async with self.deps.store.transaction() as tx:
            person = await tx.directory.person(link.person_id)
            await tx.respond_links.code_sent(row)
            await _audit(tx, CODE_SENT, link, now)
        if person is None:
            raise Refusal(403, "unknown_person", "This link is not valid any more.", link)
        mail = Mail((person.email,), f"{link.reference}: your one-time code", _code_text(code))
        try:
            await mailer.send(mail)
        except DeliveryError as error:
            log.warning("respond link %s: code not sent (%s)", link.link_id[:12], error)
            raise Refusal(503, "code_unsent", NO_CODE, link) from None

    async def _wrong_code(
        self, request: web.Request, link: Link, now: datetime
    ) -> web.StreamResponse:
        async with self.deps.store.transaction() as tx:
            failures = await tx.respond_links.failed(link.link_id)
            await _audit(tx, CODE_WRONG, link, now, failures=failures)
        if failures >= MAX_FAILURES:
            raise Refusal(403, "locked", LOCKED, link)
        left = MAX_FAILURES - failures
        return self._code_page(
            request, "Type the code we e-mailed you.", f"That code is not right ({left} left)."
        )

    async def _act(
        self, request: web.Request, link: Link, verb: str, data: dict[str, Any]
    ) -> web.StreamResponse:
        async with self.deps.store.transaction(readonly=True) as tx:
            person = await tx.directory.person(link.person_id)
            before = await tx.disputes.find(link.reference)
        if person is None or before is None:
            raise Refusal(410, "expired", "This link has expired: that step is over.", link)
        where = Where(f"respond:{link.link_id[:16]}", ConversationKind.PERSONAL)
        turn = Turn(TurnKind.ACTION, UserRef(person.id), where, verb=Verb(verb).value, data=data)
        reply = await self.actions.act(turn, person)
        now = self.deps.clock()
        async with self.deps.store.transaction() as tx:
            after = await tx.disputes.find(link.reference)
            moved = after is not None and after.version > before.version
            if moved:
                await tx.respond_links.used(link.link_id, now)
                await _audit(tx, ANSWERED, link, now, verb=verb)
        card = reply.invoke_card or {}
        if moved:
            message = "Thank you: your answer is recorded and everyone involved can see it."
            return self._render_card(request, link, card, message, read_only=True)
        return self._render_card(request, link, card, "", read_only=False)

    # --- pages ---------------------------------------------------------------------------------

    async def _card_page(self, request: web.Request, link: Link) -> web.StreamResponse:
        now = self.deps.clock()
        async with self.deps.store.transaction() as tx:
            person = await tx.directory.person(link.person_id)
            sight = (
                await gate.look(tx, self.deps.ctx, person, link.reference, now) if person else None
            )
            if sight is None or not sight.sees:
                raise Refusal(403, "outsider", "This dispute is not open to you.", link)
            await gate.record(tx, sight, "respond_page", gate.Attempt.VIEW, now)
            card = await self.deps.render.dispute(tx, sight, now)
        return self._render_card(request, link, card, "", read_only=False)

    def _render_card(
        self,
        request: web.Request,
        link: Link,
        card: Mapping[str, Any],
        message: str,
        *,
        read_only: bool,
    ) -> web.StreamResponse:
        choices = {} if read_only else self._choices(card, link)
        return self.templates.page(
            "card.html",
            title=link.reference,
            card=card,
            choices=choices,
            errors={},
            message=message,
            action=request.path,
        )

    def _choices(self, card: Mapping[str, Any], link: Link) -> dict[str, str]:
        """Each dispute verb the card offers, signed with its data for this link."""
        found = {}
        for action in _actions(card):
            verb = action.get("verb")
            if verb in _VERBS and isinstance(action.get("data"), dict):
                blob = {"l": link.link_id, "verb": verb, "data": action["data"]}
                found[str(verb)] = str(self.keys.sessions.dumps(blob))
        return found

    def _code_page(self, request: web.Request, message: str, error: str = "") -> web.Response:
        path = request.path.removesuffix("/code")
        return self.templates.page(
            "code.html",
            status=400 if error else 200,
            title="Type your one-time code",
            message=message,
            error=error,
            action=f"{path}/code",
            resend=path,
        )


NO_CODE = "The code could not be e-mailed just now; please try the link again later."
LOCKED = (
    "This link is locked: the wrong code was typed three times. "
    "Please contact the council about this dispute."
)


def _actions(card: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    for action in card.get("actions") or []:
        if isinstance(action, dict):
            yield action
            sub = action.get("card")
            if isinstance(sub, dict):
                yield from _actions(sub)


def _code_text(code: str) -> str:
    return (
        f"Your one-time code for the secure response page is {code}.\n\n"
        "It works for 15 minutes, only with the link it was sent for. If you did not open the "
        "link, someone else may have it: ignore this e-mail, the code is no use to them.\n"
    )


def _iso(now: datetime) -> str:
    return now.isoformat()


def _set_cookie(response: web.StreamResponse, value: str, secure: bool) -> None:
    site = "; Secure" if secure else ""
    lifetime = int(SESSION_LIFETIME.total_seconds())
    cookie = (
        f"{COOKIE}={value}; Path=/respond/; Max-Age={lifetime}; HttpOnly; SameSite=Strict{site}"
    )
    response.headers.add("Set-Cookie", cookie)


async def _audit(tx: Any, action: str, link: Link, now: datetime, **detail: Any) -> None:
    entry = {"link": link.link_id[:16], "stage": link.stage, **detail}
    await tx.audit.record(action, link.person_id, at=now, reference=link.reference, detail=entry)
