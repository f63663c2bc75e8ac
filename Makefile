# The two commands of the README. Both build .venv when it is missing or older than pyproject.toml.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
STAMP := $(VENV)/.installed-stamp

.PHONY: run lint test bench clean messages

$(STAMP): pyproject.toml
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install -q --upgrade pip
	$(VENV)/bin/python -m pip install -q -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/invitebot serve

# ruff on these folders, mypy on the packages of its `files` (pyproject.toml); both widen as code is cleaned.
LINT_PATHS := core worker entrypoints migrations bot/conversation

lint: $(STAMP)
	$(VENV)/bin/ruff check $(LINT_PATHS)
	$(VENV)/bin/mypy

# The checks first: a lint or type error fails the run before the suite starts.
test: lint
	$(VENV)/bin/python -m pytest -q $(PYTEST_ARGS)

# The bot's texts (core/i18n.py): the ids the code uses, extracted by Babel, added to both catalogues
# (new ones empty, to write; tests/unit/test_i18n.py fails until each has its English and French text).
LOCALE := core/locale
# No header, no locations, sorted, unwrapped: a text added on two branches merges line by line (the
# plural rule comes from the language, core/i18n.py).
messages: $(STAMP)
	$(VENV)/bin/pybabel extract --no-default-keywords -k t -k tn:1,1 -k N_ --omit-header --no-location \
	  --sort-output --no-wrap -F babel.cfg -o $(LOCALE)/invitebot.pot core bot worker entrypoints
	$(VENV)/bin/pybabel update --no-fuzzy-matching --ignore-obsolete --omit-header --no-wrap -D invitebot \
	  -i $(LOCALE)/invitebot.pot -d $(LOCALE)
	rm $(LOCALE)/invitebot.pot

# Every benchmark runs, even after one that misses its goal; the exit status says whether any did.
bench: $(STAMP)
	status=0; for b in bench/*.py; do echo "== $$b"; $(VENV)/bin/python $$b || status=1; done; exit $$status

clean:
	rm -rf $(VENV) var/*.db var/*.rdb .mypy_cache .ruff_cache
