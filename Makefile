# One place for every command a newcomer, an editor or CI needs. `make help` lists them.
# Targets are idempotent: virtual environments and the model are rebuilt only when their inputs
# change (stamp files and the model fingerprint).

PYTHON ?= python3
VENV := .venv
RASA_VENV := .venv-rasa
BOT := $(VENV)/bin/python -m bot
export RASA_TELEMETRY_ENABLED := false

.PHONY: help setup fonts run chat test lint nlu-train nlu-evaluate nlu-serve content-check \
        content-publish editor bench-editor bench-nlu bench-bot bench-startup bench-scale i18n-extract \
        i18n-update i18n-compile clean

help:  ## list the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 18

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -e '.[dev]'
	touch $@

# Rasa has its own environment: its pins clash with SQLAlchemy 2. The lock is fully pinned and
# installed without dependency resolution, so nothing is built from source (see the lock's header).
$(RASA_VENV)/.installed: requirements/rasa.lock
	$(PYTHON) -m venv $(RASA_VENV)
	$(RASA_VENV)/bin/pip install -q --no-deps --ignore-requires-python -r requirements/rasa.lock
	touch $@

setup: $(VENV)/.installed $(RASA_VENV)/.installed i18n-compile fonts  ## install both environments
	$(BOT) db upgrade
	$(BOT) nlu train

run: setup  ## set up and run the bot: Telegram if TELEGRAM_BOT_TOKEN is set, else a terminal chat
	@if [ -n "$$TELEGRAM_BOT_TOKEN" ] || grep -qs '^TELEGRAM_BOT_TOKEN=.' .env; then \
		$(BOT) telegram; else $(BOT) chat; fi

fonts:  ## the CJK font for flyers and cards (Debian's fonts-noto-cjk)
	@scripts/install-fonts.sh

# The chat needs neither `db upgrade` nor `nlu train` first: it upgrades the schema itself, uses
# the server of `make nlu-serve` when one runs and otherwise trains (if needed) and starts its own.
# Skipping them keeps `make chat` to first prompt under 3 s.
chat: $(VENV)/.installed $(RASA_VENV)/.installed i18n-compile fonts  ## terminal chat with the bot
	$(BOT) chat

test: setup  ## set up and run every check and test (what CI runs)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(BOT) content check
	scripts/install-chromium.sh
	$(RASA_VENV)/bin/python -m pytest -q -c tests/rasa/pytest.ini --confcutdir=tests/rasa \
		-p no:cacheprovider tests/rasa
	TEST_POSTGRES_URL=$${TEST_POSTGRES_URL:-$$(scripts/test-postgres.sh)} \
		$(VENV)/bin/pytest -q -ra

lint:  ## ruff and mypy only
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

nlu-train: $(RASA_VENV)/.installed  ## train the NLU model (skipped when nothing changed)
	$(BOT) nlu train

nlu-evaluate: $(RASA_VENV)/.installed  ## rasa data validate + rasa test nlu on the held-out sets
	$(BOT) nlu evaluate

nlu-serve: $(RASA_VENV)/.installed  ## serve the NLU model on 127.0.0.1; chat and ask reuse it
	$(BOT) nlu serve

content-check: $(VENV)/.installed  ## validate the content files (editors)
	$(BOT) content check

content-publish: $(VENV)/.installed  ## publish the content (editors)
	$(BOT) content publish

editor: $(VENV)/.installed i18n-compile  ## editors' web console on 127.0.0.1:8088 (first: editor create-admin)
	$(BOT) db upgrade
	$(BOT) editor

bench-editor: $(VENV)/.installed  ## console benchmark: page p95 with 20 concurrent editors
	$(VENV)/bin/python scripts/bench_editor.py

bench-nlu: setup  ## NLU benchmark on both realistic test sets through the engine (figures in docs/nlu.md)
	$(VENV)/bin/python scripts/bench_nlu.py
	$(VENV)/bin/python scripts/bench_nlu.py --reuse --requests 50 --cases tests/realistic_fresh

bench-bot: setup  ## bot benchmark: 50 concurrent users through a fake Bot API
	$(VENV)/bin/python scripts/bench_bot.py

bench-startup: setup  ## time to first prompt of `make chat` / `chat` and a single `ask` (< 3 s)
	$(VENV)/bin/python scripts/bench_startup.py

bench-scale: setup  ## scale-out: 1 vs 3 webhook workers behind nginx, PostgreSQL, 50/200 users, an alert to 10,000
	scripts/install-nginx.sh
	scripts/test-postgres.sh >/dev/null
	$(VENV)/bin/python scripts/bench_scale.py $(BENCH_SCALE_ARGS)

i18n-extract: $(VENV)/.installed  ## collect interface strings into bot/locale/messages.pot
	$(VENV)/bin/pybabel extract -F babel.cfg -o bot/locale/messages.pot .

i18n-update: i18n-extract  ## merge new strings into the vi and en catalogs
	$(VENV)/bin/pybabel update -i bot/locale/messages.pot -d bot/locale -D messages

# Each catalog is compiled only when its .po changed (.mo files are build output).
CATALOGS := $(patsubst %.po,%.mo,$(wildcard bot/locale/*/LC_MESSAGES/messages.po))
i18n-compile: $(CATALOGS)  ## compile the catalogs

bot/locale/%/LC_MESSAGES/messages.mo: bot/locale/%/LC_MESSAGES/messages.po | $(VENV)/.installed
	$(VENV)/bin/pybabel compile -l $* -i $< -o $@ >/dev/null

clean:  ## remove environments, models and local data
	rm -rf $(VENV) $(RASA_VENV) models var results .rasa
