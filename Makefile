# wiredesk: `make run` starts the demo site, `make test` runs the whole suite.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
DEMO_WIRES_PORT ?= 8001
export WIREDESK_PORT ?= 8000

.PHONY: run test install install-test install-test-tools clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when the project's dependency list changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@ $(VENV)/.installed

# Test tools from the npm registry (axe-core, the Nu HTML Checker), again when the lock changes.
# --ignore-scripts: vnu-jar's postinstall would download a Java runtime; the machine's Java runs it.
node_modules/.installed: package.json $(wildcard package-lock.json)
	if [ -f package-lock.json ]; then npm ci --ignore-scripts --no-audit --no-fund; \
	else npm install --ignore-scripts --no-audit --no-fund; fi
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test
install-test-tools: node_modules/.installed

# The demo wires run on this machine's loopback, so the guarded client is told to admit them.
# The demo shows what production shows (DEBUG off: the brands' own error pages; WhiteNoise
# serves the static files either way); `WIREDESK_DEBUG=true make run` turns debugging on.
run: export WIREDESK_FETCH_ALLOW_NETWORKS = 127.0.0.1/32
run: export WIREDESK_TICK_SECONDS ?= 10
run: export WIREDESK_IMAGE_SOURCES ?= https:,http:
# No mail server on a fresh machine: the demo writes every email it would send into
# data/outbox/ (one .log file per connection), with links to WIREDESK_PORT (the default of
# WIREDESK_PUBLIC_PORT outside production, so commands typed in another shell agree).
run: export WIREDESK_EMAIL_BACKEND ?= file
run: install
	$(BIN)/wiredesk migrate --noinput
	$(BIN)/wiredesk demo_load --wires-url http://127.0.0.1:$(DEMO_WIRES_PORT)
	$(BIN)/wiredesk ensure_admin
	@echo "site: http://localhost:$(WIREDESK_PORT)/ (brands: see README); emails land in data/outbox/"
	$(BIN)/wiredesk run --demo-wires $(DEMO_WIRES_PORT)

# scripts/test.sh installs Debian's chromium for the browser tests when it is missing.
test: install-test install-test-tools
	bash scripts/test.sh

clean:
	rm -rf $(VENV) data test-artifacts node_modules
