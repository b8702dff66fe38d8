"""``drp-bot … | head``: a reader that stops early ends the command quietly, no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

DRP_BOT = Path(sys.executable).with_name("drp-bot")


def test_a_closed_pipe_ends_the_command_without_a_traceback() -> None:
    # `policies check` prints a ladder and a timeline; `head -1` closes the pipe after line 1.
    shell = f"'{DRP_BOT}' policies check drp/profiles/newham.toml | head -1"
    ran = subprocess.run(
        ["bash", "-o", "pipefail", "-c", shell],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).parents[2],
        check=False,
    )
    assert ran.stdout.startswith("drp/profiles/newham.toml: OK")
    assert "Traceback" not in ran.stderr, ran.stderr
    assert ran.returncode in {0, 141}
