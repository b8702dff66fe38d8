"""How drp-bot logs: ids and error classes, never payloads, user text or SQL parameters.

A failure is logged as an incident (its id, the classes of the error and of what caused it, and
where it happened), never with the exception's message, which may quote user text or SQL
parameters. The serving process's formatter renders any traceback a library logs the same way,
as text lines or (``DRP_LOG_FORMAT=json``) one JSON object a line (python-json-logger): time,
level, logger, message, and the safe traceback as ``exc_info``.
"""

from __future__ import annotations

import logging
import traceback
import uuid
from types import TracebackType
from typing import Any

from pythonjsonlogger.json import JsonFormatter

from store.engine import quiet_sql_logging

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
# Libraries that log request bodies, exception messages or tokens below WARNING.
QUIET_LIBRARIES = ("msrest", "msal", "botbuilder", "botframework", "urllib3", "requests")
ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None] | tuple[None, None, None]


def new_incident() -> str:
    """A short id to quote to an administrator and to find in the log."""
    return uuid.uuid4().hex[:12]


def report_incident(logger: logging.Logger, what: str, error: BaseException) -> str:
    """Log a failure as an incident (classes and place, no message); returns its id."""
    incident = new_incident()
    logger.error("%s: incident %s: %s at %s", what, incident, error_classes(error), where(error))
    return incident


def error_classes(error: BaseException) -> str:
    """``OuterError <- CauseError``: the classes of an exception and of what caused it."""
    names: list[str] = []
    seen: BaseException | None = error
    while seen is not None and len(names) < 5:
        names.append(type(seen).__name__)
        seen = seen.__cause__ or seen.__context__
    return " <- ".join(names)


def where(error: BaseException, depth: int = 3) -> str:
    """The innermost frames of an exception, ``package/module.py:line function``."""
    frames = traceback.extract_tb(error.__traceback__)[-depth:]
    places = [f"{'/'.join(f.filename.split('/')[-2:])}:{f.lineno} {f.name}" for f in frames]
    return " < ".join(reversed(places)) or "?"


class SafeExceptions:
    """Renders a logged exception as its classes and frames, without its message."""

    def formatException(self, ei: ExcInfo) -> str:  # noqa: N802 - logging's name
        error = ei[1]
        if error is None:
            return ""
        return f"  {error_classes(error)} at {where(error, depth=8)}"

    def formatStack(self, stack_info: str) -> str:  # noqa: N802 - logging's name
        return ""


class SafeFormatter(SafeExceptions, logging.Formatter):
    """Text lines: time, level, logger, message; exceptions as classes and frames."""


JSON_FIELDS = {"asctime": "time", "levelname": "level", "name": "logger"}
JSON_KEPT = frozenset({*JSON_FIELDS.values(), "message", "exc_info"})


class SafeJsonFormatter(SafeExceptions, JsonFormatter):
    """JSON lines with the same content as ``SafeFormatter``'s text: a library's ``extra=``
    fields (aiohttp's access log passes the request's details) are left out."""

    def add_fields(
        self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]
    ) -> None:
        """The format's fields, the message and the safe traceback; nothing else."""
        super().add_fields(log_data, record, message_dict)
        for key in [k for k in log_data if k not in JSON_KEPT]:
            del log_data[key]


def formatter(log_format: str = "text") -> logging.Formatter:
    """The serving process's formatter: ``text`` (default) or ``json``."""
    if log_format == "json":
        return SafeJsonFormatter(LOG_FORMAT, rename_fields=JSON_FIELDS)
    return SafeFormatter(LOG_FORMAT)


def quiet_libraries() -> None:
    """Hold the SDK and HTTP libraries' loggers at WARNING whatever the root level."""
    quiet_sql_logging()
    for name in QUIET_LIBRARIES:
        logger = logging.getLogger(name)
        if logger.level < logging.WARNING:
            logger.setLevel(logging.WARNING)


def configure_logging(level: int = logging.INFO, log_format: str = "text") -> None:
    """The serving process's logging: one stderr handler with the safe formatter."""
    handler = logging.StreamHandler()
    handler.setFormatter(formatter(log_format))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    quiet_libraries()
