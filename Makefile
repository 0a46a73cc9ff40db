# The two commands a newcomer needs: `make run` and `make test`. Everything else is a step.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
export FLASK_APP := wsgi
# flask run reads these; config.py makes the development BASE_URL (links in mail, demo
# sign-in links) from them unless BASE_URL is set, so `make run PORT=5102` links to :5102.
export FLASK_RUN_HOST := $(HOST)
export FLASK_RUN_PORT := $(PORT)
# Tests run in parallel with nothing; keep pip quiet about the optional local index.
PIP := $(BIN)/pip --disable-pip-version-check -q

.PHONY: run test test-browser install install-dev translations extract-messages db demo demo-logins worker lock clean fuzz audit

# The development secret key (instance/secret_key) is made by create_app() on its first start.
run: install translations db demo
	@echo "Serving on http://$(HOST):$(PORT)/ with the mail worker beside it (Ctrl-C stops both)."
	@echo "Sign-in links for the demo accounts: make demo-logins$(if $(filter-out 5000,$(PORT)), PORT=$(PORT))"
	@$(BIN)/flask mail-worker & WORKER=$$!; \
	trap 'kill $$WORKER 2>/dev/null; wait $$WORKER 2>/dev/null' EXIT INT TERM; \
	$(BIN)/flask run --host $(HOST) --port $(PORT)

# One pytest-xdist worker per core (TEST_WORKERS=0 runs serially, e.g. to debug a test);
# worksteal keeps both cores busy to the end when a long test lands late.
TEST_WORKERS ?= auto
XDIST = $(if $(filter 0,$(TEST_WORKERS)),-p no:xdist,-n $(TEST_WORKERS) --dist worksteal)

test: install-dev translations
	$(BIN)/python -m pytest $(XDIST) $(PYTEST_ARGS)

test-browser: install-dev translations
	$(BIN)/python -m pytest $(XDIST) tests/browser $(PYTEST_ARGS)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(PIP) install -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt requirements.txt | $(BIN)/python
	$(PIP) install -r requirements-dev.txt
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

translations: install
	@$(BIN)/pybabel compile -d translations

extract-messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output \
		--project eventapp -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching

db: install
	$(BIN)/flask db upgrade

demo: install
	$(BIN)/flask load-demo

# One-time sign-in links for the demo organiser and leads, pointing at HOST:PORT.
demo-logins: install
	$(BIN)/flask demo-logins

worker: install
	$(BIN)/flask mail-worker

lock:
	$(PIP) install pip-tools
	$(BIN)/pip-compile -q --strip-extras -o requirements.txt requirements.in

clean:
	rm -rf $(VENV) .pytest_cache

# Benchmarks: on demand, never part of `make test`. SQLite, then PostgreSQL when it answers.
# Figures are ratios to a hello-world route on the same gunicorn (see README, Benchmarks).
BENCH_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
export BENCH_DATABASE_URL
.PHONY: bench bench-sqlite bench-postgres bench-reminders bench-allocation

bench: install translations
	@status=0; \
	$(BIN)/python bench/run.py --database sqlite $(BENCH_ARGS) || status=$$?; \
	if $(BIN)/python bench/run.py --probe-postgres; then \
		$(BIN)/python bench/run.py --database postgresql $(BENCH_ARGS) || status=$$?; \
	else \
		echo "bench: no PostgreSQL answers at $(BENCH_DATABASE_URL); skipped"; \
	fi; \
	exit $$status

bench-sqlite: install translations
	$(BIN)/python bench/run.py --database sqlite $(BENCH_ARGS)

bench-postgres: install translations
	$(BIN)/python bench/run.py --database postgresql $(BENCH_ARGS)

# A 1,000-recipient reminder through the outbox against a bare smtplib loop (aiosmtpd).
bench-reminders: install-dev translations
	$(BIN)/python bench/reminders.py --database sqlite
	$(BIN)/python bench/reminders.py --database postgresql

# The allocation of ranked preferences: 5,000 people x 3 blocks x 12 sessions, no database.
# BENCH_ARGS="--solver all" also times NetworkX and SciPy (pip install networkx scipy first).
bench-allocation: install
	$(BIN)/python bench/allocation.py $(BENCH_ARGS)

# Random (not derandomized) and longer: the route fuzzer, then the participant-lifecycle state machine.
fuzz: install-dev translations
	FUZZ_RANDOM=1 FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-3000} STATEFUL_EXAMPLES=$${STATEFUL_EXAMPLES:-300} \
		STATEFUL_STEPS=$${STATEFUL_STEPS:-50} \
		$(BIN)/python -m pytest tests/test_fuzz.py tests/test_stateful.py -p no:cacheprovider \
		-o timeout=0 $(PYTEST_ARGS)

# Not part of .ci/run: the vulnerability database is not reachable from the CI machines, and
# pip-audit would then say "no known vulnerabilities" without having checked anything.
audit: install
	$(PIP) install pip-audit
	$(BIN)/pip-audit -r requirements.txt
