# Two commands matter: `make run` (a portal with demo data on http://127.0.0.1:8000) and
# `make test` (the whole suite). Both start from a fresh clone and need only Python 3.11.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip

.PHONY: run test lint messages deploy-check bench

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.run-deps: pyproject.toml | $(PY)
	$(PIP) install --quiet -e .
	touch $@

$(VENV)/.test-deps: pyproject.toml | $(PY)
	$(PIP) install --quiet -e ".[test]"
	touch $@ $(VENV)/.run-deps

run: $(VENV)/.run-deps
	$(PY) manage.py migrate --noinput
	$(PY) manage.py demo_data
	$(PY) manage.py runserver 127.0.0.1:8000

# The page checkers the browser tests run (axe-core, vnu.jar), pinned in package-lock.json.
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund

test: $(VENV)/.test-deps node_modules/.package-lock.json
	$(PY) -m pytest

lint: $(VENV)/.test-deps
	$(VENV)/bin/ruff check .
	$(PY) manage.py makemigrations --check --dry-run

# `check --deploy` with the production settings and placeholder values for every secret.
deploy-check: $(VENV)/.run-deps
	env DJANGO_SETTINGS_MODULE=sspr.settings.production \
	    DJANGO_SECRET_KEY=deploy-check-placeholder-0123456789-abcdefghijklmnopqrstuvwxyz \
	    DJANGO_ALLOWED_HOSTS=portal.example.org DATABASE_URL=postgres://u@localhost/sspr \
	    REDIS_URL=redis://localhost:6379/0 SSPR_BASE_URL=https://portal.example.org \
	    EMAIL_URL=smtp://localhost:25 TWILIO_ACCOUNT_SID=AC00000000000000000000000000000000 \
	    TWILIO_AUTH_TOKEN=deploy-check-placeholder TWILIO_FROM_NUMBER=+46700000000 \
	    $(PY) manage.py check --deploy --fail-level WARNING

messages: $(VENV)/.run-deps
	$(PY) manage.py makemessages -l sv --no-location --ignore ".venv/*" --ignore "tests/*"
	$(PY) manage.py compilemessages --ignore ".venv/*"

# The performance benchmark (bench/README.md): the portal against stock Django on a local
# production-like stack. `make bench BENCH_ARGS=--quick` for a run under 10 minutes.
bench: $(VENV)/.test-deps
	timeout -k 30 7200 $(PY) -m bench $(BENCH_ARGS)
