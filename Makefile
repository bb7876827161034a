# The two commands of the README. Both build ./.venv by themselves on a machine with Python
# 3.11+, installing exactly what uv.lock pins (see "Installing" in the README).
#
# The first Python 3.11+ on PATH; a pyenv shim for a version that is not installed answers on
# stderr, which is hushed so it does not look like an error of ours.
PYTHON ?= $(shell for p in python3 python3.13 python3.12 python3.11; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
	2>/dev/null && { echo $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# uv itself comes from PyPI, at the version and hashes in tools/uv.txt, into a venv of its own.
TOOLS := .tools
UV := $(TOOLS)/bin/uv
LATEST := .venv-latest
# uv never downloads a Python of its own: the office's machine has one, and may reach no more
# than PyPI.
export UV_PYTHON_DOWNLOADS := never
# Playwright drives Debian's Chromium; it never fetches a browser of its own.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1
CHROMIUM := /usr/bin/chromium

.PHONY: run test lint checks bench lock test-latest clean browser

$(UV): tools/uv.txt
	@test -n "$(PYTHON)" || { echo "Python 3.11 or newer is needed" >&2; exit 1; }
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --require-hashes -r tools/uv.txt
	@touch $(UV)

# --locked: a pyproject.toml changed without `make lock` is an error, not a quiet re-resolve.
# --compile-bytecode: the libraries' bytecode is written once here, so a process does not
# compile them again as it starts (where PYTHONDONTWRITEBYTECODE is set, every one would).
$(STAMP): uv.lock pyproject.toml $(UV)
	UV_PROJECT_ENVIRONMENT=$(VENV) $(UV) sync --locked --all-extras --compile-bytecode \
		--python $(PYTHON)
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/jasa up

lint: $(STAMP)
	$(MAKE) --no-print-directory checks BIN=$(BIN) LINT_ONLY=1

# The checks alone, in whichever venv BIN names: `make test` and `make test-latest` share them.
checks:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy shared services
	$(if $(LINT_ONLY),,$(BIN)/pytest -q)

test: $(STAMP) browser
	$(MAKE) --no-print-directory checks BIN=$(BIN)

# The browser tests need Debian's Chromium: installed here when missing and we may (root);
# otherwise those tests say why they are skipped, and under CI=true they fail the run.
browser:
	@test -x $(CHROMIUM) || { test "$$(id -u)" = 0 && command -v apt-get >/dev/null \
		&& { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } \
		|| echo "Chromium is not installed and cannot be installed here: browser tests will be skipped" >&2; }

bench: $(STAMP)
	$(BIN)/python -m bench

# Resolve the newest versions pyproject.toml allows and write them, with hashes, to uv.lock.
lock: $(UV)
	$(UV) lock --upgrade --python $(PYTHON)

# The newest versions pyproject.toml allows, in a scratch venv, through the whole suite: rot
# is seen here before a fresh install meets it.
test-latest: $(UV)
	rm -rf $(LATEST)
	$(UV) venv --quiet --python $(PYTHON) $(LATEST)
	$(UV) pip install --quiet --python $(LATEST)/bin/python --upgrade -e '.[dev,bench]'
	$(UV) pip freeze --python $(LATEST)/bin/python > $(LATEST)/versions.txt
	$(MAKE) --no-print-directory checks BIN=$(LATEST)/bin

clean:
	rm -rf $(VENV) $(LATEST) $(TOOLS) var .pytest_cache .mypy_cache .ruff_cache
