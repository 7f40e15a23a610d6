# Two commands do everything on a fresh machine with Python 3.11 and make:
#   make run   - the platform with demo data at http://127.0.0.1:8000 (web + Celery worker + beat)
#   make test  - lint, migration check and the whole test suite against PostgreSQL and Redis
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin

# Test defaults: the local PostgreSQL and Redis (override with DATABASE_URL / REDIS_URL).
TEST_DATABASE_URL ?= $(or $(DATABASE_URL),postgres://postgres@127.0.0.1:5432/chuishao)
TEST_REDIS_URL ?= $(or $(REDIS_URL),redis://127.0.0.1:6379/15)

.PHONY: run test lint messages makemessages bench clean setup

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] < (3, 11))' 2>/dev/null \
		|| { echo "Chuishao needs Python 3.11 or newer as '$(PYTHON)' (set PYTHON=/path/to/python3.11)." >&2; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV) \
		|| { rm -rf $(VENV); echo "Could not create $(VENV). On Debian/Ubuntu: apt-get install python3-venv" >&2; exit 1; }
	$(PY) -m pip install --disable-pip-version-check -q --upgrade pip
	$(PY) -m pip install --disable-pip-version-check -q -r requirements-dev.txt
	@touch $@

setup: $(VENV)/.installed

messages: $(VENV)/.installed
	$(PY) scripts/compile_messages.py

# Developer task (needs GNU gettext): refresh locale/en/LC_MESSAGES/django.po from the sources.
makemessages: $(VENV)/.installed
	DEBUG=1 $(PY) manage.py makemessages -l en --no-obsolete --ignore=.venv --ignore=var

run: export DEBUG := $(or $(DEBUG),1)
run: $(VENV)/.installed messages
	@mkdir -p var
	$(PY) manage.py migrate --noinput
	$(PY) manage.py sync_calendar
	$(PY) manage.py seed_demo
	@echo ""
	@echo "  Chuishao is starting at http://127.0.0.1:8000"
	@echo "  Demo accounts (password demo-pass-2026): reporter, reporter2, dispatcher, officer, officer2, supervisor, editor, admin"
	@echo "  Press Ctrl-C to stop every process."
	@echo ""
	$(BIN)/honcho -f Procfile start

test: export DATABASE_URL := $(TEST_DATABASE_URL)
test: export REDIS_URL := $(TEST_REDIS_URL)
test: export SECRET_KEY := test-secret-key-not-for-production
test: export DEBUG := 0
test: $(VENV)/.installed messages
	$(PY) scripts/check_services.py
	$(BIN)/ruff check .
	$(PY) manage.py makemigrations --check --dry-run
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(BIN)/ruff check .

bench: export DATABASE_URL := $(TEST_DATABASE_URL)
bench: export REDIS_URL := $(TEST_REDIS_URL)
bench: export SECRET_KEY := bench-secret-key-not-for-production
bench: $(VENV)/.installed
	$(PY) scripts/check_services.py
	@set -e; for script in bench/bench_*.py; do echo "== $$script"; $(PY) $$script; done

clean:
	rm -rf var/celery var/static
