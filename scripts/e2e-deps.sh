#!/usr/bin/env bash
# Install what the end-to-end and browser tests need; a quiet no-op when all is present.
#   - e2e/node_modules from e2e/package-lock.json (`npm ci`), again whenever the lock file changes
#   - Debian's chromium at /usr/bin/chromium (apt-get, as root); not with --no-browser, which
#     `make run` uses: the Playground alone needs only node
# The Python side (the `playwright` package, driving that chromium) comes with `pip install -e .[dev]`.
# Exit status 1 with a line naming what is missing when something cannot be installed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
E2E="$ROOT/e2e"
CHROMIUM="${DRP_CHROMIUM:-/usr/bin/chromium}"
PLAYGROUND_CLI="$E2E/node_modules/@microsoft/m365agentsplayground/cli.js"
STAMP="$E2E/node_modules/.drp-package-lock.sha256"

fail() {
    echo "e2e-deps: $*" >&2
    exit 1
}

apt_install() {
    [ "$(id -u)" = 0 ] || fail "missing: $* (run: sudo apt-get update && sudo apt-get install -y $*)"
    command -v apt-get >/dev/null || fail "missing: $* (and no apt-get on this machine to install it)"
    echo "e2e-deps: installing $* with apt-get" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2 || fail "missing: $* (apt-get update failed)"
    apt-get install -y -qq "$@" >/dev/null || fail "missing: $* (apt-get install failed)"
}

lock_hash() {
    sha256sum "$E2E/package-lock.json" | cut -d' ' -f1
}

node_modules_current() {
    [ -f "$PLAYGROUND_CLI" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$(lock_hash)" ]
}

ensure_node() {
    command -v node >/dev/null && command -v npm >/dev/null && return
    apt_install nodejs npm
    if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
        fail "missing: node and npm (Debian packages nodejs and npm)"
    fi
}

ensure_node_modules() {
    [ -f "$E2E/package-lock.json" ] || fail "missing: e2e/package-lock.json (it is committed; restore it)"
    node_modules_current && return
    ensure_node
    echo "e2e-deps: npm ci in e2e/" >&2
    (cd "$E2E" && npm ci --no-audit --no-fund --loglevel=error >&2) ||
        fail "missing: e2e/node_modules (npm ci failed; is the npm registry reachable?)"
    [ -f "$PLAYGROUND_CLI" ] || fail "missing: $PLAYGROUND_CLI after npm ci"
    lock_hash >"$STAMP"
}

ensure_chromium() {
    [ -x "$CHROMIUM" ] && return
    apt_install chromium
    [ -x "$CHROMIUM" ] || fail "missing: $CHROMIUM (Debian package chromium)"
}

main() {
    # One installer at a time (parallel test workers may all call this).
    exec 9>"${TMPDIR:-/tmp}/drp-bot-e2e-deps.lock"
    flock 9
    ensure_node_modules
    [ "${1:-}" = "--no-browser" ] || ensure_chromium
}

main "$@"
