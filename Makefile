# Two commands do all set-up on a fresh machine:
#   make run   - create .venv, install, run the default scenario (Ajaccio, bundled roads)
#   make test  - create .venv, install with dev tools, run the tests
#   make lint  - ruff (lint + format check) and mypy strict; CI runs it after the tests
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# The scenarios name road extracts bundled in scenarios/osm/ (ODbL, see SOURCE.md there),
# so no OSM folder is needed. Set OSM_DIR=DIR to add a folder to look in (--osm-dir).
OSM_DIR ?=
OSM_FLAG := $(if $(OSM_DIR),--osm-dir $(OSM_DIR),)
SCENARIO ?= scenarios/ajaccio.yaml

.PHONY: install run test lint bench bench-smoke clean

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(VENV)/bin/logistics run $(SCENARIO) --out out/$(basename $(notdir $(SCENARIO))) $(OSM_FLAG)

test: $(STAMP)
	$(PY) -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check logistics tests benchmarks examples scripts
	$(VENV)/bin/ruff format --check logistics tests benchmarks examples scripts
	$(VENV)/bin/mypy logistics examples scripts

bench: $(STAMP)
	$(PY) -m benchmarks.run_benchmarks --time-limit 10

bench-smoke: $(STAMP)
	$(PY) -m benchmarks.run_benchmarks --smoke

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache
