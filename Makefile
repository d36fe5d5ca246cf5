# The two commands a new machine needs: `make run` and `make test`. See README.md.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000
# Every link in an email (confirmation, set-password, opt-out, .ics, certificates) starts with
# SITE_URL; unless it is given, it is this machine on the port the server listens on.
export PORT
export SITE_URL ?= http://127.0.0.1:$(PORT)

.PHONY: run test serve lint format screenshots clean

$(STAMP): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $(STAMP)

## run: development server and a Celery worker with beat, on SQLite with no Redis (Ctrl-C stops both)
run: export DEBUG ?= 1
run: $(STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	@echo "Serving on http://127.0.0.1:$(PORT)  (demo accounts: see README.md; Ctrl-C stops)"
	@trap 'kill 0' INT TERM EXIT; \
	$(BIN)/celery -A mentoring worker --beat --concurrency 1 --loglevel INFO \
	    --without-mingle --without-gossip & \
	$(BIN)/python manage.py runserver --noreload 127.0.0.1:$(PORT)

## test: migrations check, ruff, mypy on the services and selectors, then the whole pytest suite
test: export DEBUG ?= 1
test: $(STAMP)
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest $(PYTEST_ARGS)

## serve: production shape — gunicorn, a Celery worker and Celery beat as separate processes.
## Needs DATABASE_URL, REDIS_URL, SECRET_KEY and ALLOWED_HOSTS in the environment.
serve: $(STAMP)
	$(BIN)/python manage.py check --deploy --fail-level WARNING
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput
	@trap 'kill 0' INT TERM EXIT; \
	$(BIN)/celery -A mentoring worker --loglevel INFO & \
	$(BIN)/celery -A mentoring beat --loglevel INFO & \
	$(BIN)/gunicorn mentoring.wsgi --bind 0.0.0.0:$(PORT) --workers 3 --access-logfile -

## screenshots: the README's tour, from the demo data (needs Debian's chromium)
screenshots: $(STAMP)
	$(BIN)/python scripts/screenshots.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf var staticfiles .pytest_cache .ruff_cache
