"""``npm ci`` in one of the repository's node directories, once, whoever else asks at once.

Parallel test workers (pytest-xdist) may each need the same ``node_modules`` in the same
session: the first installs it under a lock while the others wait, then find it current by the
lock file's digest (two ``npm ci`` in one directory at once delete each other's files).
"""

from __future__ import annotations

import fcntl
import hashlib
import subprocess
import tempfile
from pathlib import Path

STAMP = ".drp-lock.sha256"


def _digest(directory: Path) -> str:
    return hashlib.sha256((directory / "package-lock.json").read_bytes()).hexdigest()


def is_current(directory: Path) -> bool:
    """``node_modules`` was installed from the committed lock file as it is now."""
    stamp = directory / "node_modules" / STAMP
    return stamp.is_file() and stamp.read_text(encoding="utf-8") == _digest(directory)


def npm_ci(npm: str, directory: Path, *, timeout: float) -> str:
    """``npm ci`` in ``directory`` unless its ``node_modules`` is current; ``""`` when it is
    (or has become so), else npm's error output."""
    if is_current(directory):
        return ""
    key = hashlib.sha256(str(directory.resolve()).encode()).hexdigest()[:16]
    lock_path = Path(tempfile.gettempdir()) / f"drp-bot-npm-{key}.lock"
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if is_current(directory):  # another worker installed it while this one waited
            return ""
        result = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=directory,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if result.returncode != 0:
            return result.stderr or f"npm ci exited with {result.returncode}"
        (directory / "node_modules" / STAMP).write_text(_digest(directory), encoding="utf-8")
    return ""
