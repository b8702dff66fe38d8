"""Files in the personal chat through Teams' file consent: the cards' shapes, the answer Teams
sends back, and the upload to the place Teams names (a OneDrive upload session).

The protocol: the bot posts a FileConsentCard (name, size, a context); the person accepts or
declines; Teams sends ``fileConsent/invoke`` with the context and, on accept, ``uploadInfo``
(``uploadUrl``, ``contentUrl``, ``uniqueId``, ``fileType``); the bot PUTs the bytes to
``uploadUrl`` with a ``Content-Range`` and posts a FileInfoCard. No SDK here.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from teams_bot.edge import ServiceUrls
from teams_bot.turn import Reply

log = logging.getLogger(__name__)

FILE_CONSENT_CARD = "application/vnd.microsoft.teams.card.file.consent"
FILE_INFO_CARD = "application/vnd.microsoft.teams.card.file.info"
UPLOAD_TIMEOUT_SECONDS = 30.0
MAX_FIELD = 2048
# Where Teams puts a personal chat's files: the person's OneDrive (SharePoint Online).
ONEDRIVE_HOSTS = re.compile(r"[a-z0-9-]+(-my)?\.sharepoint\.(com|us|de|cn)")
_SAFE = re.compile(r"[A-Za-z0-9 _.,()-]{1,128}")


def file_attachments(reply: Reply) -> list[dict[str, Any]]:
    """Offers as FileConsentCards (the same context whichever way the person answers), sent
    files as FileInfoCards, in Teams' attachment shapes."""
    found: list[dict[str, Any]] = [
        {
            "contentType": FILE_CONSENT_CARD,
            "name": offer.name,
            "content": {
                "description": offer.description,
                "sizeInBytes": offer.size,
                "acceptContext": dict(offer.context),
                "declineContext": dict(offer.context),
            },
        }
        for offer in reply.offers
    ]
    found += [
        {
            "contentType": FILE_INFO_CARD,
            "name": sent.name,
            "contentUrl": sent.content_url,
            "content": {"uniqueId": sent.unique_id, "fileType": sent.file_type},
        }
        for sent in reply.files
    ]
    return found


@dataclass(frozen=True, slots=True)
class Upload:
    """Where Teams says to put an accepted file."""

    upload_url: str
    content_url: str
    unique_id: str
    file_type: str
    name: str


@dataclass(frozen=True, slots=True)
class Answer:
    """A person's answer to a file offer: accepted (with where to upload) or declined."""

    accepted: bool
    context: Mapping[str, str]
    upload: Upload | None = None


def answer_of(value: Mapping[str, Any]) -> Answer | None:
    """The ``fileConsent/invoke`` value read strictly; None if it is not a well-formed answer."""
    action, context = value.get("action"), value.get("context")
    if value.get("type") != "fileUpload" or action not in {"accept", "decline"}:
        return None
    if not isinstance(context, dict) or not all(_short(v) for v in context.values()):
        return None
    if action == "decline":
        return Answer(False, context)
    info = value.get("uploadInfo")
    fields = ("uploadUrl", "contentUrl", "uniqueId", "fileType", "name")
    if not isinstance(info, dict) or not all(_short(info.get(f)) for f in fields):
        return None
    upload = Upload(
        info["uploadUrl"], info["contentUrl"], info["uniqueId"], info["fileType"], info["name"]
    )
    return Answer(True, context, upload)


def _short(value: object) -> bool:
    return isinstance(value, str) and 0 < len(value) <= MAX_FIELD and value.isprintable()


def safe_name(name: str) -> str:
    """A file name of plain characters (references and dates), else a neutral one."""
    return name if _SAFE.fullmatch(name) else "drp-file.html"


class UploadRefused(Exception):
    """The upload URL is not one the bot may write to, or the upload failed."""


class Uploads:
    """PUTs accepted files to OneDrive's upload URL. Without an app id only to loopback URLs
    (the local connector), or those DRP_ALLOWED_SERVICE_URLS names; with one, https to
    SharePoint Online hosts only."""

    def __init__(
        self, open_mode: bool, urls: ServiceUrls, timeout: float = UPLOAD_TIMEOUT_SECONDS
    ) -> None:
        self._open = open_mode
        self._urls = urls
        self._timeout = aiohttp.ClientTimeout(total=timeout)

    def allows(self, url: str) -> bool:
        """Whether the bot may upload to ``url``."""
        if self._open or self._urls.allowed:
            return self._urls.allows(url)
        try:
            parts = urlsplit(url)
        except ValueError:
            return False
        host = (parts.hostname or "").lower()
        return parts.scheme == "https" and ONEDRIVE_HOSTS.fullmatch(host) is not None

    async def put(self, url: str, body: bytes) -> None:
        """Upload ``body`` in one piece; UploadRefused if not allowed or not accepted."""
        if not self.allows(url):
            raise UploadRefused("upload URL not allowed")
        headers = {"Content-Range": f"bytes 0-{len(body) - 1}/{len(body)}"}
        try:
            async with (
                aiohttp.ClientSession(timeout=self._timeout) as session,
                session.put(url, data=body, headers=headers) as answer,
            ):
                if answer.status not in {200, 201}:
                    raise UploadRefused(f"HTTP {answer.status}")
        except (aiohttp.ClientError, TimeoutError) as error:
            raise UploadRefused(type(error).__name__) from None
