# The two commands of the README. Both build .venv when it is missing or older than pyproject.toml.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
STAMP := $(VENV)/.installed-stamp

.PHONY: run lint test bench clean

$(STAMP): pyproject.toml
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install -q --upgrade pip
	$(VENV)/bin/python -m pip install -q -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/invitebot serve

# ruff on these folders, mypy on the packages of its `files` (pyproject.toml); both widen as code is cleaned.
LINT_PATHS := core worker entrypoints migrations bot/conversation bot/metrics.py bot/logs.py

lint: $(STAMP)
	$(VENV)/bin/ruff check $(LINT_PATHS)
	$(VENV)/bin/mypy

# The checks first: a lint or type error fails the run before the suite starts.
test: lint
	$(VENV)/bin/python -m pytest -q $(PYTEST_ARGS)

# Every benchmark runs, even after one that misses its goal; the exit status says whether any did.
bench: $(STAMP)
	status=0; for b in bench/*.py; do echo "== $$b"; $(VENV)/bin/python $$b || status=1; done; exit $$status

clean:
	rm -rf $(VENV) var/*.db var/*.rdb .mypy_cache .ruff_cache
