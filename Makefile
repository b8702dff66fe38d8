# The two set-up commands are `make run` and `make test`; both work on a fresh machine.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test test-fast lint install clean e2e-deps

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

## Run the bot on the embedded default (SQLite, demo directory), ready for the Agents Playground.
## Until `drp-bot serve` lands (issue 4) this says so and shows the policy the bot will run.
run: $(STAMP)
	@echo "drp-bot: the Teams bot server (drp-bot serve: /api/messages on port 3978, SQLite and the"
	@echo "demo directory, beside the Agents Playground) is not built yet. This build ships the"
	@echo "domain core, its CLI and the Teams app package. The policy the bot will run:"
	@echo
	$(BIN)/drp-bot policies show $${DRP_POLICY:-nottingham}

## The whole test suite: lint, types, then every test (unit, both database engines, end to end).
test: lint e2e-deps
	$(BIN)/pytest

## The Agents Playground (npm, pinned) and Debian's chromium for the end-to-end tests.
e2e-deps:
	bash scripts/e2e-deps.sh

## The fast suite for local iteration: no Playground, no browser.
test-fast: $(STAMP)
	$(BIN)/pytest -m "not e2e and not browser"

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
