# rectiflow — the two commands: `make run` and `make test`.
# Every dependency is installed here (or by the project's setup.cfg), so a fresh clone needs nothing else.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# The stamp changes whenever the package metadata changes, so `make` reinstalls exactly then.
STAMP  := $(VENV)/.installed-$(shell cat setup.cfg pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: run test lint clean bench bench-quick bench-tools browser office
# Front-end libraries from npm (package.json/package-lock.json; served from node_modules, never copied).
NODE_STAMP := node_modules/.installed-$(shell cat package.json package-lock.json | cksum | cut -d' ' -f1)
# The UI's Chinese catalogue, compiled from the .po in the repository.
MO := web/translations/zh/LC_MESSAGES/messages.mo

$(STAMP): setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test,bench]'
	rm -f $(VENV)/.installed-*
	touch $@

$(NODE_STAMP): package.json package-lock.json
	command -v npm >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm)
	npm ci --no-audit --no-fund --loglevel=error || npm install --no-audit --no-fund --loglevel=error
	rm -f node_modules/.installed-*
	touch $@

$(MO): web/translations/zh/LC_MESSAGES/messages.po $(STAMP)
	$(BIN)/pybabel compile -d web/translations

# Debian's Chromium for the browser tests (Playwright drives it; no browser is ever downloaded).
browser:
	test -x /usr/bin/chromium || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	  apt-get install -y -qq chromium fonts-wqy-zenhei)

# Debian's LibreOffice (no GUI): the tests open every .xlsx and .docx rectiflow writes with a real office suite.
office:
	command -v soffice >/dev/null && command -v pdftotext >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	  apt-get install -y -qq libreoffice-calc-nogui libreoffice-writer-nogui poppler-utils)

# The web UI on the embedded SQLite database, with the demo campaign when the database is empty.
run: $(STAMP) $(NODE_STAMP) $(MO)
	$(BIN)/rectiflow db upgrade
	$(BIN)/rectiflow definitions load
	$(BIN)/rectiflow serve --demo

# The static checks: layering (import-linter contracts in setup.cfg), ruff (ruff.toml), mypy (setup.cfg).
lint: $(STAMP)
	$(BIN)/lint-imports
	$(BIN)/ruff check .
	$(BIN)/mypy

test: $(STAMP) $(NODE_STAMP) $(MO) browser office lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Benchmarks (bench/, BENCHMARKS.md): the peers come with the bench extra; wrk drives the web benchmark.
bench-tools: $(STAMP)
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk) \
	  || echo "wrk could not be installed: the web benchmark will say 'not available'"

bench-quick: bench-tools
	$(BIN)/python -m bench --quick $(BENCH_ARGS)

bench: bench-tools
	$(BIN)/python -m bench --full $(BENCH_ARGS)

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis
