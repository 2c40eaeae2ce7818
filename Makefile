# The tracker's commands. `make run` and `make test` work on a fresh clone.
VENV := .venv
BIN := $(VENV)/bin
PYTHON ?= python3
FLASK := $(BIN)/flask --app run
HOST ?= 127.0.0.1
PORT ?= 5000
# What the browser tests and PDF checks need from Debian.
SYSTEM_PACKAGES := chromium poppler-utils fonts-liberation2

.PHONY: install install-test system-packages run serve worker test lint format bench frontend

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --editable .
	touch $@

install-test: $(VENV)/.installed-test

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(BIN)/pip install --quiet --editable '.[test]'
	touch $@

# Installs Chromium and poppler-utils through apt when one is missing and we are root.
system-packages:
	@if command -v chromium >/dev/null && command -v pdftoppm >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SYSTEM_PACKAGES); \
	else \
		echo "Install these Debian packages first: $(SYSTEM_PACKAGES)"; exit 1; \
	fi

# The web server and the background job worker together; Ctrl-C stops both.
run: install
	$(FLASK) load-demo-if-empty
	@echo "Serving on http://$(HOST):$(PORT), with the job worker beside it"
	$(BIN)/python tools/run_dev.py --host $(HOST) --port $(PORT)

# Production: gunicorn (settings in gunicorn.conf.py) behind a reverse proxy. Needs
# TRACKER_SECRET_KEY; migrates the database on start and loads no demo.
# Run the job worker beside it, as its own service (`make worker`; the README has systemd
# units for both).
serve: install
	$(BIN)/gunicorn --config gunicorn.conf.py --bind $(HOST):$(PORT)

# The background job worker on its own (queued jobs and the reminder schedule).
worker: install
	$(FLASK) run-jobs

# One process per core; each test file stays in one process, so its fixtures are made once.
test: install-test system-packages
	$(BIN)/pytest -n auto --dist loadfile

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check tracker migrations tests bench tools run.py

format: install-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format tracker migrations tests bench tools run.py

bench: install
	$(BIN)/python bench/plan_data.py
	$(BIN)/python bench/extraction.py
	$(BIN)/python bench/key_lines.py
	$(BIN)/python bench/pack.py
	$(BIN)/python bench/sign_in_flood.py
	$(BIN)/python bench/pack_load.py

# Rebuilds static/css from static/scss (needs npm); the built CSS is committed.
frontend: install
	$(BIN)/pip install --quiet --editable '.[frontend]'
	$(BIN)/python tools/build_frontend.py
