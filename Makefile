# The two commands of the README: `make demo` runs the product, `make test` runs the tests
# (the whole suite on SQLite, then on PostgreSQL).
# Each sets up what it needs on a fresh machine first.

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test bench screenshots system-deps

$(BIN)/billsync: setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,demo]'
	touch $@

# Debian packages the tests use: PostgreSQL (throwaway clusters), Chromium (browser tests) and
# faketime (daemons whose clocks are minutes off).
system-deps:
	@command -v chromium >/dev/null && ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && \
	  command -v faketime >/dev/null || \
	  { [ "$$(id -u)" = 0 ] && SUDO= || SUDO=sudo; \
	    $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium postgresql faketime >/dev/null; }

demo: $(BIN)/billsync
	PATH=$(CURDIR)/$(BIN):$$PATH $(BIN)/honcho -e demo.env start

test: $(BIN)/billsync system-deps
	PYTHON=$(CURDIR)/$(BIN)/python proto/generate.sh --check
	$(BIN)/python -m tests.audit
	$(BIN)/pytest $(PYTEST_ARGS)
	BILLSYNC_TEST_DATABASE=postgresql $(BIN)/pytest $(PYTEST_ARGS)

# Renews the screenshots kept in tests/screenshots/ (the tests leave theirs in
# tests/screenshots/latest/ otherwise): look at each, as its README.md says, then commit them.
screenshots: $(BIN)/billsync system-deps
	BILLSYNC_SCREENSHOTS=$(CURDIR)/tests/screenshots $(BIN)/pytest tests/web $(PYTEST_ARGS)

bench: $(BIN)/billsync
	$(BIN)/python -m bench
