# rectiflow — the two commands: `make run` and `make test`.
# Every dependency is installed here (or by the project's setup.cfg), so a fresh clone needs nothing else.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# The stamp changes whenever the package metadata changes, so `make` reinstalls exactly then.
STAMP  := $(VENV)/.installed-$(shell cat setup.cfg pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: run test lint clean bench bench-quick bench-tools

$(STAMP): setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test,bench]'
	rm -f $(VENV)/.installed-*
	touch $@

run: $(STAMP)
	$(BIN)/rectiflow db upgrade
	$(BIN)/rectiflow definitions load
	$(BIN)/rectiflow demo --if-empty

test: $(STAMP)
	$(BIN)/lint-imports
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
