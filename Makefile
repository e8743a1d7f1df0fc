# Two commands on a fresh clone: `make run` and `make test` (see README.md).
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

TEST_STAMP := $(VENV)/.installed-test
NODE_STAMP := node_modules/.installed

.PHONY: run test lint install install-test system system-test migrate demo serve worker beat check clean

# A .venv whose python or pip does not run (python3.11-venv was missing when it was made, or
# the Python it points to is gone) is rebuilt, never trusted.
VENV_WORKS := $(shell $(BIN)/python -m pip --version >/dev/null 2>&1 && echo yes)
ifneq ($(VENV_WORKS),yes)
.PHONY: $(BIN)/python $(STAMP) $(TEST_STAMP)
endif

# System packages (python3.11-venv, npm, Pango), checked before anything long starts.
system:
	@PYTHON=$(PYTHON) scripts/ensure-system-packages run

system-test:
	@PYTHON=$(PYTHON) scripts/ensure-system-packages test

$(BIN)/python: | system
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is needed: install python3.11 (and python3.11-venv on Debian)."; exit 1; }
	@if [ -d $(VENV) ]; then echo "==> $(VENV) is broken (no working python/pip inside): rebuilding it"; rm -rf $(VENV); fi
	@echo "==> [1/3] Creating $(VENV) with $(PYTHON)"
	$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); echo "$(PYTHON) -m venv failed: install python3.11-venv (Debian/Ubuntu)."; exit 1; }
	@$(BIN)/python -m pip --version >/dev/null 2>&1 || { rm -rf $(VENV); echo "$(VENV) has no pip: install python3.11-venv (Debian/Ubuntu)."; exit 1; }

$(STAMP): requirements.txt | $(BIN)/python
	@echo "==> [2/3] Installing the Python packages (requirements.txt, a few minutes the first time)"
	$(BIN)/python -m pip install --upgrade --progress-bar on pip
	$(BIN)/python -m pip install --progress-bar on -r requirements.txt
	touch $(STAMP)

$(TEST_STAMP): requirements-test.txt $(STAMP)
	@echo "==> Installing the test packages (requirements-test.txt)"
	$(BIN)/python -m pip install --progress-bar on -r requirements-test.txt
	touch $(TEST_STAMP)

$(NODE_STAMP): package.json package-lock.json | system
	@echo "==> [3/3] Installing Chart.js and the report font (npm ci, package-lock.json)"
	npm ci --no-audit --no-fund
	touch $(NODE_STAMP)

install: $(STAMP) $(NODE_STAMP)

install-test: install $(TEST_STAMP)

migrate: install
	DEBUG=true $(BIN)/python manage.py migrate --noinput

demo: migrate
	DEBUG=true $(BIN)/python manage.py load_demo

run: demo
	@echo "Serving http://$(HOST):$(PORT)/  (Ctrl+C to stop)"
	DEBUG=true PORTAL_HOME_UNIT=$${PORTAL_HOME_UNIT:-HG} $(BIN)/python manage.py runserver $(HOST):$(PORT)

# Tests that migrate the schema backwards run in a process of their own: moving
# the schema under a running suite leaves Django's content types out of step.
test: system-test install-test
	$(BIN)/python -m pytest -m "not schema_migration" $(PYTEST_ARGS)
	$(BIN)/python -m pytest -m schema_migration $(PYTEST_ARGS)

# ruff with the rules in ruff.toml (pyflakes, pycodestyle, isort, bugbear, Django, pyupgrade).
lint: install-test
	$(BIN)/ruff check .

worker: install
	$(BIN)/celery -A portal worker --loglevel=info -Q portal

beat: install
	$(BIN)/celery -A portal beat --loglevel=info

check: install
	DEBUG=true $(BIN)/python manage.py check
	DEBUG=true $(BIN)/python manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) staticfiles db.sqlite3
