# The two commands: `make run` (portal + sandbox bank) and `make test` (whole suite).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# Test processes: the suite waits on servers and browsers more than it computes; each file
# stays in one process (its servers and fixtures are shared by its tests).
TEST_PROCESSES ?= 2
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test install chromium translations lint bench screenshots

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test,dev]'
	touch $@

install: $(VENV)/.installed translations

translations: $(VENV)/.installed
	@if ls portal/translations/*/LC_MESSAGES/messages.po >/dev/null 2>&1; then \
		$(VENV)/bin/pybabel compile -d portal/translations; fi

run: install
	$(PY) -m portal.devrun

# Chromium for the browser tests; a Japanese font so their screenshots are readable.
chromium:
	@{ command -v chromium >/dev/null 2>&1 && fc-list :lang=ja 2>/dev/null | grep -q .; } || \
		{ $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium fonts-ipafont-gothic; }

test: install chromium
	$(VENV)/bin/ruff check .
	$(PY) -m pytest -n $(TEST_PROCESSES) --dist loadfile --durations=20; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: failing"; exit 1; fi; exit $$rc

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .

bench: install
	$(PY) bench/sync_throughput.py

# Refresh the README's screenshots from the browser walkthroughs.
screenshots: install chromium
	TSUNAGU_SCREENSHOTS_DIR=docs/screenshots $(PY) -m pytest tests/browser -q
