# Every target works on a machine with only Python 3.10+ and pip.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: test lint format docs demo package bench clean ui-deps screenshots

$(STAMP): requirements.txt requirements-dev.txt requirements-docs.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: $(STAMP)
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

test: lint docs ui-deps
	$(PY) -m pytest

# Chromium (Debian package) and React & co. from npm for the browser tests (tests/ui).
ui-deps: $(STAMP)
	$(PY) tools/ui_test_deps.py

# docs/img/*.png, taken by the browser tests themselves.
screenshots: ui-deps
	PLEXSYNC_SCREENSHOTS=docs/img $(PY) -m pytest tests/ui -n 0 --no-cov -q

docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(PY) -m mkdocs build --strict --quiet --site-dir build/site

demo: $(STAMP)
	$(PY) -m tests.fakes.demo

package: $(STAMP)
	$(PY) tools/package.py

bench: $(STAMP)
	$(PY) benchmarks/hook_latency.py
	$(PY) benchmarks/end_to_end.py
	$(PY) benchmarks/plex_index.py
	$(PY) benchmarks/sync_all.py
	$(PY) benchmarks/queue_take.py
	$(PY) benchmarks/scan_storm.py
	$(PY) benchmarks/reconcile.py
	$(PY) benchmarks/entity_rename.py

clean:
	rm -rf $(VENV) build dist .pytest_cache .coverage htmlcov
