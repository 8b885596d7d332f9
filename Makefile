# Newsroom: `make run` to try it, `make test` to prove it.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
# Local runs are development runs unless the environment says otherwise.
export DJANGO_DEBUG ?= 1
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run setup test lint format bench screenshots worker clean

# The first Python >= 3.12 we can find (pyenv reads .python-version for plain `python3`).
PYTHON := $(shell for p in python3.13 python3.12 python3.14 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { echo $$p; break; }; done)

$(VENV)/.installed: pyproject.toml
	@if [ -z "$(PYTHON)" ]; then echo "Newsroom needs Python 3.12 or newer (Django 6.1). Install it (e.g. 'pyenv install 3.13') and try again." >&2; exit 1; fi
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

setup: $(VENV)/.installed
	$(MANAGE) migrate --no-input

# Links in emails and the printed admin login follow the address served, unless SITE_URL is set.
run: export SITE_URL ?= http://$(HOST):$(PORT)
run: setup
	$(MANAGE) seed_demo --if-empty
	$(MANAGE) ensure_admin
	@echo "Starting the task worker, the minute sweep and the site on http://$(HOST):$(PORT)/ (Ctrl-C stops all)"
	@trap 'kill 0' EXIT INT TERM; \
	$(MANAGE) db_worker --queue-name default & \
	$(MANAGE) sweep --every 60 & \
	$(MANAGE) runserver $(HOST):$(PORT)

# The task worker and, beside it, the sweep that does whatever is due once a minute.
worker: setup
	@trap 'kill 0' EXIT INT TERM; \
	$(MANAGE) sweep --every 60 & \
	$(MANAGE) db_worker --queue-name default

# The npm validators the browser checks run (axe-core, vnu-jar), installed from package-lock.json
# when node_modules is missing or older than the lock. No install scripts: vnu-jar's would fetch
# a Java; the jar is in the package. Without npm the checks are skipped (they fail under CI=true).
NODE_STAMP := node_modules/.installed
$(NODE_STAMP): package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		echo "npm ci --ignore-scripts (axe-core, vnu-jar)"; \
		npm ci --ignore-scripts --no-audit --no-fund --loglevel=error && touch $@; \
	else \
		echo "npm not found: the axe and Nu HTML checks will be skipped (apt-get install -y npm)" >&2; \
	fi

test: setup $(NODE_STAMP)
	DJANGO_DEBUG=0 NEWSROOM_INSECURE_DEV_KEY=1 DJANGO_SECURE_SSL_REDIRECT=0 $(VENV)/bin/pytest $(PYTEST_ARGS)
	$(MAKE) --no-print-directory lint
	DJANGO_DEBUG=0 NEWSROOM_INSECURE_DEV_KEY=1 DJANGO_SECURE_SSL_REDIRECT=0 $(MANAGE) makemigrations --check --dry-run

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: setup
	@command -v wrk >/dev/null 2>&1 || echo "wrk not found: bench_pages uses its slower Python load generator (apt-get install -y wrk)" >&2
	DJANGO_DEBUG=0 NEWSROOM_INSECURE_DEV_KEY=1 DJANGO_SECURE_SSL_REDIRECT=0 $(PY) -m benchmarks

screenshots: setup $(NODE_STAMP)
	DJANGO_DEBUG=0 NEWSROOM_INSECURE_DEV_KEY=1 DJANGO_SECURE_SSL_REDIRECT=0 $(VENV)/bin/pytest tests/browser -m browser -k screenshots -p no:randomly

clean:
	rm -rf $(VENV) staticfiles artifacts node_modules .cache
