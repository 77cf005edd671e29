# The README's two commands: `make run` and `make test`. Both set up .venv first.
VENV := .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin

.PHONY: run test bench lint format messages

$(VENV)/.installed: requirements.txt requirements-dev.txt
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

# The Nu Html Checker (npm's vnu-jar) that tests/werkplek/test_html_valid.py runs on Java.
# Without npm the check is skipped locally (never in CI, whose .ci/run installs npm and Java).
node_modules/.installed: package-lock.json
	@if command -v npm >/dev/null; then \
		npm ci --ignore-scripts --no-audit --no-fund && touch $@; \
	else echo "npm is missing: the HTML validity test will be skipped"; fi

run: $(VENV)/.installed
	$(PY) manage.py migrate --no-input
	$(PY) manage.py seed_demo
	@echo
	@echo "werkplek starts at http://127.0.0.1:8000/  (Ctrl-C stops the web server, worker and beat)"
	@echo
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho --procfile Procfile.dev start

test: $(VENV)/.installed node_modules/.installed lint
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest

# The scale benchmark (bench/run.py): the app under gunicorn with a Celery worker, on a
# generated organisation of SIZE S, M, L or XL, loaded with locust for BENCH_SECONDS per page.
# Needs PostgreSQL (DATABASE_URL names the server; the data goes to werkplek_bench_<size>) and
# Redis (REDIS_URL). Prints a markdown table for docs/benchmarks.md.
SIZE ?= S
BENCH_SECONDS ?= 15
bench: $(VENV)/.installed
	$(PY) -m bench.run --size $(SIZE) --seconds $(BENCH_SECONDS)

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Needs GNU gettext (Debian: apt-get install gettext).
messages: $(VENV)/.installed
	$(PY) manage.py makemessages --locale nl --no-location --no-obsolete --ignore .venv --ignore var
	$(PY) manage.py compilemessages --locale nl --ignore .venv
