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

.PHONY: install run test lint bench bench-smoke clean browser figure

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(VENV)/bin/logistics run $(SCENARIO) --out out/$(basename $(notdir $(SCENARIO))) $(OSM_FLAG)

# The browser test (tests/report/test_browser.py) needs Debian's chromium: installed
# here with apt-get when absent (as root); otherwise the reason goes to
# $(VENV)/chromium-install.log and the test skips, quoting it.
browser: $(STAMP)
	@if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then \
		rm -f $(VENV)/chromium-install.log; \
	elif [ "$$(id -u)" != 0 ]; then \
		echo "not root: cannot run apt-get install chromium" | tee $(VENV)/chromium-install.log; \
	elif ! command -v apt-get >/dev/null 2>&1; then \
		echo "no apt-get on this machine to install chromium" | tee $(VENV)/chromium-install.log; \
	else \
		echo "installing Debian's chromium for the browser test (apt-get)"; \
		( apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium ) \
			> $(VENV)/chromium-install.log 2>&1 \
			&& rm -f $(VENV)/chromium-install.log \
			|| echo "apt-get install chromium failed: see $(VENV)/chromium-install.log"; \
	fi

test: $(STAMP) browser
	$(PY) -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check logistics tests benchmarks examples scripts
	$(VENV)/bin/ruff format --check logistics tests benchmarks examples scripts
	$(VENV)/bin/mypy logistics examples scripts

# The README's figure (docs/melun_routes.png): Melun's routes, separate vs pooled.
figure: $(STAMP)
	$(PY) scripts/readme_figure.py

bench: $(STAMP)
	$(PY) -m benchmarks.run_benchmarks --time-limit 10

bench-smoke: $(STAMP)
	$(PY) -m benchmarks.run_benchmarks --smoke

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache
