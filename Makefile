# The two commands of the README: `make demo` runs the product, `make test` runs the tests
# (the whole suite on SQLite, then on PostgreSQL the tests whose database is the one under test).
# Each sets up what it needs on a fresh machine first.

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
# Test processes side by side (pytest-xdist): most tests wait on servers they started, so
# three keep a 2-core machine busy. TEST_JOBS=0 runs the suite in one process.
TEST_JOBS ?= 3
PYTEST := $(BIN)/pytest -n $(TEST_JOBS) --dist worksteal $(PYTEST_ARGS)

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
	$(PYTEST)
	BILLSYNC_TEST_DATABASE=postgresql $(PYTEST)

# Renews the screenshots kept in tests/screenshots/ (the tests leave theirs in
# tests/screenshots/latest/ otherwise): look at each, as its README.md says, then commit them.
screenshots: $(BIN)/billsync system-deps
	BILLSYNC_SCREENSHOTS=$(CURDIR)/tests/screenshots $(PYTEST) tests/web

bench: $(BIN)/billsync
	$(BIN)/python -m bench
