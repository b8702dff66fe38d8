"""The logging helpers: incidents carry classes and places, never messages; libraries that log
payloads below WARNING are held there whatever the root level."""

from __future__ import annotations

import logging
import sys

import pytest

from store.engine import QUIET_LOGGERS
from teams_bot.logs import QUIET_LIBRARIES, SafeFormatter, quiet_libraries, report_incident


def _raise_chained() -> None:
    try:
        raise ValueError("child Zara Quint, DOB 2016-02-03")
    except ValueError as error:
        raise RuntimeError("while saving Zara Quint") from error


def test_an_incident_names_the_error_classes_and_place_but_not_the_message(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.DEBUG):
        try:
            _raise_chained()
        except RuntimeError as error:
            incident = report_incident(logging.getLogger("drp.test"), "saving failed", error)
    assert len(incident) == 12
    line = caplog.records[-1].getMessage()
    assert f"incident {incident}" in line
    assert "RuntimeError <- ValueError" in line
    assert "test_logs.py" in line
    assert "Zara" not in caplog.text
    assert "2016" not in caplog.text
    assert caplog.records[-1].exc_info is None


def test_the_safe_formatter_renders_a_logged_traceback_without_messages() -> None:
    try:
        _raise_chained()
    except RuntimeError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", None, sys.exc_info())
    text = SafeFormatter("%(message)s").format(record)
    assert "RuntimeError <- ValueError" in text
    assert "Zara" not in text
    assert "_raise_chained" in text


def test_payload_logging_libraries_stay_at_warning_under_a_debug_root() -> None:
    root = logging.getLogger()
    before = root.level
    root.setLevel(logging.DEBUG)
    try:
        quiet_libraries()
        for name in (*QUIET_LOGGERS, *QUIET_LIBRARIES):
            assert not logging.getLogger(name).isEnabledFor(logging.INFO), name
        assert logging.getLogger("teams_bot").isEnabledFor(logging.DEBUG)
    finally:
        root.setLevel(before)
