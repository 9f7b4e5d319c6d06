# One command to run the service, one to run every test; each installs what it needs.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PRISM := .tools/prism/node_modules/.bin/prism
# Twilio's OpenAPI spec (twilio-oai's twilio_api_v2010.json) as the pinned npm package ships it.
TWILIO_SPEC_PACKAGE := @twilio-alpha/mcp@0.7.0
TWILIO_SPEC := .tools/twilio-spec/node_modules/@twilio-alpha/mcp/twilio-oai/spec/json/twilio_api_v2010.json
TWILIO_SPEC_SHA256 := 475b69553e34e797af05d34679cdad3bc3b8b4b8b92e6ac044fa6ebc255bf052

.PHONY: run test install tools twilio-spec lint unit integration e2e clean bench

# Versions pinned in constraints.txt (`pip freeze --exclude-editable` of a full dev+bench venv).
$(BIN)/aftercare: pyproject.toml constraints.txt
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c constraints.txt -e '.[dev]'
	touch $@

install: $(BIN)/aftercare

# The Twilio stand-in for the tests: Prism serving Twilio's own OpenAPI spec.
$(PRISM):
	npm install --silent --no-audit --no-fund --prefix .tools/prism @stoplight/prism-cli@5.14.2

$(TWILIO_SPEC):
	npm install --silent --no-audit --no-fund --ignore-scripts --save-exact \
		--prefix .tools/twilio-spec $(TWILIO_SPEC_PACKAGE)

# Checked on every run: a spec other than the one the tests were written against fails here.
twilio-spec: $(TWILIO_SPEC)
	@actual=$$( (sha256sum $(TWILIO_SPEC) 2>/dev/null || shasum -a 256 $(TWILIO_SPEC)) | cut -d' ' -f1); \
	if [ "$$actual" != "$(TWILIO_SPEC_SHA256)" ]; then \
		echo "Twilio OpenAPI spec from $(TWILIO_SPEC_PACKAGE) has SHA-256 $$actual," >&2; \
		echo "expected $(TWILIO_SPEC_SHA256): remove .tools/twilio-spec and run make tools again" >&2; \
		exit 1; \
	fi

# Debian's Chromium for the browser tests (Playwright drives it; no browser download).
/usr/bin/chromium:
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium

tools: $(PRISM) twilio-spec /usr/bin/chromium

run: install  ## the embedded default: SQLite, a folder broker, console channels
	$(BIN)/aftercare dev

test: install tools lint
	$(BIN)/pytest -q $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check aftercare tests
	$(BIN)/mypy aftercare

unit: install
	$(BIN)/pytest -q tests/unit

# Benchmarks (BENCHMARKS.md). `make bench` = full run (under 20 min; `--only history` ~20 min more); BENCH_ARGS=--quick ~3 min.
$(BIN)/py-spy: pyproject.toml constraints.txt | $(BIN)/aftercare
	$(BIN)/pip install -q -c constraints.txt -e '.[dev,bench]'
	touch $@

bench: install $(BIN)/py-spy
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .tools var
