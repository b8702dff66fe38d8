#!/usr/bin/env bash
# Print the interpreter `make` builds .venv with: the first Python >= 3.12 found on this machine
# (the Agents SDK host, DRP_BOT_HOST=agents, needs 3.12; the default botbuilder host runs on 3.11).
# In order: python3.12, python3.13, python3.14 and python3 on PATH, then pyenv's own versions
# ($(pyenv root)/versions/3.1[2-9]*, oldest first): the oldest that qualifies, 3.12 being the one
# the whole dependency set is checked on. A pyenv shim on PATH fails unless a version is
# selected, so each candidate is asked for its version, never trusted by name. With none, python3,
# and a line on stderr saying what that leaves out. `make PYTHON=/path/to/python` skips this.
set -uo pipefail

MINIMUM=(3 12)

# The candidate's real executable when it runs and reports >= MINIMUM; nothing otherwise.
usable() {
    "$1" -c "import sys
if sys.version_info >= (${MINIMUM[0]}, ${MINIMUM[1]}): print(sys.executable)" 2>/dev/null
}

pyenv_versions() {
    local root
    root="$(pyenv root 2>/dev/null || true)"
    root="${root:-${PYENV_ROOT:-$HOME/.pyenv}}"
    compgen -G "$root/versions/3.1[2-9]*/bin/python3" | sort -V
}

main() {
    local candidate found
    for candidate in python3.12 python3.13 python3.14 python3 $(pyenv_versions); do
        found="$(usable "$candidate")"
        if [ -n "$found" ]; then
            echo "$found"
            return 0
        fi
    done
    found="$(command -v python3 || true)"
    if [ -z "$found" ]; then
        echo "python.sh: no python3 on PATH; install Python >= ${MINIMUM[0]}.${MINIMUM[1]}" >&2
        echo python3
        return 0
    fi
    echo "python.sh: no Python >= ${MINIMUM[0]}.${MINIMUM[1]} found (tried python3.12," \
        "python3.13, python3.14, python3 and pyenv's versions); building .venv with $found" \
        "($("$found" -V 2>&1)): the default botbuilder host runs, but DRP_BOT_HOST=agents and" \
        "its tests need >= ${MINIMUM[0]}.${MINIMUM[1]} (install one, or" \
        "make PYTHON=/path/to/python3.12)" >&2
    echo "$found"
}

main
