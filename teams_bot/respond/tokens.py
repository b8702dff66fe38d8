"""The response link's token and the page's one-time code.

A token is itsdangerous' URL-safe signature (HMAC-SHA1 with a key derived for this purpose
only, under its own salt) over ``{person, reference, stage, deadline}``: it opens one step of
one dispute for one person, and only until that step's deadline; any change to it breaks the
signature. It is never stored or logged: the store and the audit log know it by ``link_id``, a
SHA-256 of it. Opening a link e-mails a six-digit code to the person's own address; the store
keeps an HMAC of it, so a forwarded link alone opens nothing.

The key is derived from the bot's client secret (every replica agrees without another
setting); locally, with no app id, it is made at start, and a restart ends every link.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from itsdangerous import BadSignature, URLSafeSerializer

from drp.model import Dispute
from teams_bot.settings import BotCredentials

_SALT = "drp-bot respond link v1"
_SESSION_SALT = "drp-bot respond session v1"
_DERIVE = b"drp-bot respond link key v1"
MAX_TOKEN = 600  # characters: anything longer is not ours
CODE_DIGITS = 6


@dataclass(frozen=True, slots=True)
class Link:
    """What a valid token says: whose link it is, and which step it opens until when."""

    person_id: str
    reference: str
    stage: str
    deadline: datetime
    link_id: str

    def opens(self, dispute: Dispute) -> bool:
        """Whether the dispute still stands at the step the link was made for."""
        return dispute.is_open and dispute.stage == self.stage and dispute.due_at == self.deadline


class LinkKeys:
    """Makes and reads response-link tokens, page sessions and code hashes."""

    def __init__(self, key: bytes) -> None:
        self._key = key
        self._links = URLSafeSerializer(key, salt=_SALT)
        self.sessions = URLSafeSerializer(key, salt=_SESSION_SALT)

    @classmethod
    def for_credentials(cls, credentials: BotCredentials) -> LinkKeys:
        """Locally a fresh random key; with an app id one derived from its client secret."""
        if credentials.open or not credentials.app_password:
            return cls(secrets.token_bytes(32))
        secret = credentials.app_password.encode()
        return cls(hmac.new(secret, _DERIVE, hashlib.sha256).digest())

    def token(self, person_id: str, dispute: Dispute) -> str | None:
        """The token of the person's link to the dispute's current step (None: no deadline)."""
        if dispute.due_at is None or not dispute.is_open:
            return None
        data = {
            "p": person_id,
            "r": dispute.reference,
            "s": dispute.stage,
            "d": dispute.due_at.isoformat(),
        }
        return str(self._links.dumps(data))

    def read(self, token: str) -> Link | None:
        """The link a token names; None if it is not one of ours, or was altered."""
        if not token or len(token) > MAX_TOKEN:
            return None
        try:
            data = self._links.loads(token)
        except BadSignature:
            return None
        try:
            deadline = datetime.fromisoformat(str(data["d"]))
            fields = (str(data["p"]), str(data["r"]), str(data["s"]))
        except (KeyError, TypeError, ValueError):
            return None
        return Link(*fields, deadline, link_id(token))

    def new_code(self) -> str:
        """A fresh one-time code."""
        return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"

    def code_hash(self, link: Link, code: str) -> str:
        """What the store keeps of a code: an HMAC bound to the link."""
        message = f"{link.link_id}:{code.strip()}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    def code_matches(self, link: Link, code: str, stored_hash: str) -> bool:
        """Whether ``code`` is the one sent (constant-time compare)."""
        return hmac.compare_digest(self.code_hash(link, code), stored_hash)


def link_id(token: str) -> str:
    """How the store and the audit log name a link: never the token itself."""
    return hashlib.sha256(token.encode()).hexdigest()
