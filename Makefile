# make run  — set up (venv, pinned requirements, migrations, departments and demo accounts) and serve
# make demo — the same with demonstration wells in every town (the map shows them)
# make test — install the test requirements and run the test suite (SQLite)
# make lint — ruff over the whole tree (rules in pyproject.toml)
# make test-api — Schemathesis against the live REST API
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi:app

.PHONY: run demo test lint test-browser test-api setup test-setup db browser-deps timers bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-test: requirements.txt requirements-test.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-test.txt
	touch $@ $(VENV)/.installed

setup: $(VENV)/.installed

# The demo database: migrations, then departments and demo accounts (only into an empty database).
db: setup
	mkdir -p instance
	WELLS_DEMO=1 $(BIN)/flask db upgrade
	WELLS_DEMO=1 $(BIN)/flask seed --demo

run: db
	WELLS_DEMO=1 WELLS_SECURE_COOKIES=0 $(BIN)/flask run --host 127.0.0.1 --port 5000

# The same with demonstration wells in every town at several stages (for the map, the lists, the dashboard);
# written only into a demo database without cases (otherwise the command says so and the demo starts as it is).
demo: db
	-WELLS_DEMO=1 $(BIN)/flask demo wells
	WELLS_DEMO=1 WELLS_SECURE_COOKIES=0 $(BIN)/flask run --host 127.0.0.1 --port 5000

timers: db
	WELLS_DEMO=1 $(BIN)/flask timers run

test-setup: $(VENV)/.installed-test

test: test-setup
	$(BIN)/python -m pytest -m "not browser" -q

lint: test-setup
	$(BIN)/ruff check .

# Schemathesis against the live API on a fresh SQLite database: no server error, no answer that breaks the
# OpenAPI description (a bounded number of examples per operation; WELLS_API_MAX_EXAMPLES to change it).
test-api: test-setup
	$(BIN)/python tests/contract/run_schemathesis.py

# The browser tests in real Chromium (installed first if missing).
test-browser: test-setup browser-deps
	$(BIN)/python -m pytest -m browser -q

# Debian's Chromium and its driver for the browser tests (Playwright's own download does not work here).
browser-deps:
	@command -v chromium >/dev/null || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver fonts-noto-cjk; }

bench: test-setup
	$(BIN)/python bench/engine.py

clean:
	rm -rf $(VENV) instance
