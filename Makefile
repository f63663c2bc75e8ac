# The two commands of the README. Both build .venv when it is missing or older than pyproject.toml.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
STAMP := $(VENV)/.installed-stamp

.PHONY: run test bench clean

$(STAMP): pyproject.toml
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install -q --upgrade pip
	$(VENV)/bin/python -m pip install -q -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/invitebot serve

test: $(STAMP)
	$(VENV)/bin/python -m pytest -q $(PYTEST_ARGS)

# Every benchmark runs, even after one that misses its goal; the exit status says whether any did.
bench: $(STAMP)
	status=0; for b in bench/*.py; do echo "== $$b"; $(VENV)/bin/python $$b || status=1; done; exit $$status

clean:
	rm -rf $(VENV) var/*.db var/*.rdb
