# The two set-up commands are `make run` and `make test`; both work on a fresh machine.
# The venv's interpreter: the first Python >= 3.12 on the machine (scripts/python.sh says what it
# tried and falls back to python3, saying what that leaves out); `make PYTHON=...` overrides it.
# (Looked up once, on first use: `make lint` on a built venv never runs it.)
ifeq ($(origin PYTHON),undefined)
PYTHON = $(eval PYTHON := $(shell bash scripts/python.sh))$(PYTHON)
endif
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test test-fast test-e2e lint install clean e2e-deps

# A venv built with another Python version (e.g. before the move to 3.12) is built again.
$(STAMP): pyproject.toml scripts/python.sh
	@version='import sys; print(sys.version_info[:2])'; \
	want="$$($(PYTHON) -c "$$version")" || exit 1; \
	if [ -x $(BIN)/python ] && [ "$$($(BIN)/python -c "$$version" 2>/dev/null)" != "$$want" ]; then \
		echo "$(VENV) was built with another Python than $(PYTHON): building it again"; \
		rm -rf $(VENV); \
	fi
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

## Run the bot on the embedded default (SQLite in ./data, demo directory) with the pinned Agents
## Playground beside it, print the URL(s) to open; Ctrl-C stops both. AS= picks the Playground's
## user(s) from the demo directory: `make run AS=megan`, `make run AS="alex megan"` (default:
## whoever raises under DRP_POLICY; the banner prints the AS= that opens the first two stages).
ifeq ($(origin AS),default)  # make's own AS is the assembler
AS :=
endif
PLAYGROUND_PORT ?= 56150
run: $(STAMP)
	bash scripts/e2e-deps.sh --no-browser
	$(BIN)/python scripts/run_local.py --as "$(AS)" --playground-port $(PLAYGROUND_PORT)

## The whole test suite: lint, types, then every test (unit, both database engines, end to end),
## spread over the machine's cores by pytest-xdist (at most XDIST_MAX workers; XDIST=-n0: one
## process). loadfile runs each test file on one worker, so a module-scoped fixture (a tab scene,
## a served bot) is built once (loadgroup's xdist_group marks are silently ignored under pytest 9.2,
## pytest-xdist#1386).
XDIST_MAX ?= 4
XDIST     ?= -n auto --maxprocesses=$(XDIST_MAX) --dist loadfile
test: lint e2e-deps
	$(BIN)/pytest $(XDIST)

## The Agents Playground (npm, pinned) and Debian's chromium for the end-to-end tests.
e2e-deps:
	bash scripts/e2e-deps.sh

## Only the end-to-end tests: the Playground walks and the headless-chromium smoke tests.
test-e2e: $(STAMP) e2e-deps
	$(BIN)/pytest -m "e2e or browser" tests/e2e

## The fast suite for local iteration: no Playground, no browser.
test-fast: $(STAMP)
	$(BIN)/pytest $(XDIST) -m "not e2e and not browser"

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
