# One command to run the service, one to run every test; each installs what it needs.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PRISM := .tools/prism/node_modules/.bin/prism

.PHONY: run test install tools lint unit integration e2e clean bench

$(BIN)/aftercare: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

install: $(BIN)/aftercare

# The Twilio stand-in for the tests: Prism serving Twilio's own OpenAPI spec.
$(PRISM):
	npm install --silent --no-audit --no-fund --prefix .tools/prism @stoplight/prism-cli@5.14.2

# Debian's Chromium for the browser tests (Playwright drives it; no browser download).
/usr/bin/chromium:
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium

tools: $(PRISM) /usr/bin/chromium

run: install  ## the embedded default: SQLite, a folder broker, console channels
	$(BIN)/aftercare dev

test: install tools lint
	$(BIN)/pytest -q $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check aftercare tests
	$(BIN)/mypy aftercare

unit: install
	$(BIN)/pytest -q tests/unit

# Benchmarks (BENCHMARKS.md). `make bench` = full run (under 15 min); BENCH_ARGS=--quick ~3 min.
$(BIN)/py-spy: pyproject.toml | $(BIN)/aftercare
	$(BIN)/pip install -q -e '.[dev,bench]'
	touch $@

bench: install $(BIN)/py-spy
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .tools var
