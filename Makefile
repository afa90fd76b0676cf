# wiredesk: `make run` starts the demo site, `make test` runs the whole suite.
# Python 3.11 to 3.13: the newest found on this machine (scripts/python.sh), or PYTHON=...
ifeq ($(origin PYTHON), undefined)
PYTHON := $(shell bash scripts/python.sh)
endif
PYVERSION := $(shell $(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])')
VENV   ?= .venv
BIN    := $(VENV)/bin
DEMO_WIRES_PORT ?= 8001
export WIREDESK_PORT ?= 8000

.PHONY: run test smoke lock install install-test install-test-tools clean

# The virtualenv, made again when it was made with another Python than the one chosen now.
$(VENV)/.python-$(PYVERSION):
	@test -n "$(PYVERSION)" || { echo "no usable Python: see scripts/python.sh" >&2; exit 1; }
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	touch $@

# Installed from the lock (exact versions, checked against their hashes), then the project
# itself without its dependencies; again whenever a lock changes.
$(VENV)/.installed: requirements.lock pyproject.toml $(VENV)/.python-$(PYVERSION)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.installed-test: requirements-test.lock pyproject.toml $(VENV)/.python-$(PYVERSION)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-test.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@ $(VENV)/.installed

# Refresh the locks on purpose: the newest versions pyproject.toml's ranges admit, for every
# supported Python (one universal resolution), with the hashes of every file.
lock: $(VENV)/.python-$(PYVERSION)
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/python -m uv pip compile pyproject.toml --universal --python-version 3.11 --generate-hashes \
		--no-annotate --custom-compile-command "make lock" --quiet -o requirements.lock
	$(BIN)/python -m uv pip compile pyproject.toml --extra test --universal --python-version 3.11 --generate-hashes \
		--no-annotate --custom-compile-command "make lock" --quiet -o requirements-test.lock

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
	VENV=$(VENV) bash scripts/test.sh

# The package as users get it: a wheel installed without -e into a brand-new virtualenv from
# the lock, then imported, migrated and started (scripts/smoke.sh).
smoke:
	bash scripts/smoke.sh "$(PYTHON)"

clean:
	rm -rf $(VENV) .venv-* data test-artifacts node_modules build dist
