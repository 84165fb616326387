# The two commands a newcomer needs: `make run` and `make test`.
VENV ?= .venv
PYTHON ?= python3
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install run shell lint test bench clean

ROLE ?= member

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "technet needs Python 3.11 or newer")'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,postgres,teams]'
	@touch $(STAMP)

install: $(STAMP)

# The local shell on the embedded SQLite database, with sample data, as a member.
run: shell

# The same as another role: make shell ROLE=organiser (or panel, admin).
shell: $(STAMP)
	$(VENV)/bin/technet db upgrade
	$(VENV)/bin/technet demo-data
	$(VENV)/bin/technet shell --as $(ROLE)

# The gates: ruff (style and likely bugs) and mypy (types); either fails on any finding.
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

# The whole suite, on SQLite and on PostgreSQL (skipped, with the reason, if unreachable).
test: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

bench: $(STAMP)
	$(PY) bench/load.py

clean:
	rm -rf $(VENV) var .pytest_cache .hypothesis .mypy_cache .ruff_cache
