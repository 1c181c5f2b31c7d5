# junheng — the two commands a new user runs are `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed

.PHONY: deps install run test test-fast test-browser bench lint clean

$(BIN)/python:
	$(PY) -m venv $(VENV)

# Reinstall only when the project's dependencies change (idempotent and fast on re-runs).
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

# The packages and the compiled messages, without touching a database.
deps: $(STAMP)
	$(BIN)/junheng i18n

# An empty database gets the whole schema in one step (junheng.fresh_schema), any other is
# migrated: both commands below use this target.
install: deps
	$(BIN)/junheng migrate

# `junheng demo` then builds its own fresh demo database (the same one-step schema).
run: install
	$(BIN)/junheng demo
	PORT=$(PORT) $(BIN)/junheng serve --with-worker

# Two workers (pytest-xdist): the suite is mostly waiting on the database and the browser.
JOBS ?= 2
test: install
	$(BIN)/python -m pytest -n $(JOBS) -rfEs

test-fast: install
	$(BIN)/python -m pytest -n $(JOBS) -m "not browser"

test-browser: install
	$(BIN)/python -m pytest -m browser

bench: install
	$(BIN)/python benchmarks/run.py

lint: install
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy src/junheng  # strict: pyproject [tool.mypy]
	@! grep -rn --include=*.py "type: ignore" src/junheng || { echo "lint: real types instead of type: ignore (issue 18)"; exit 1; }

clean:
	rm -rf var/*.sqlite3 var/media var/static
