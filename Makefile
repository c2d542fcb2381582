# Thin wrappers. Everything runs inside the project's virtualenv, created by `uv sync` from the
# committed uv.lock; uv itself is bootstrapped with pip when missing.
SHELL := /bin/bash
PYTHON ?= python3
UV := $(shell command -v uv 2>/dev/null || echo $(CURDIR)/.tools/bin/uv)
export UV_COMPILE_BYTECODE := 1
export UV_PYTHON_DOWNLOADS := never
export DAGSTER_DISABLE_TELEMETRY := 1
RUN := $(UV) run --frozen --no-sync

.PHONY: demo test dev install lint sample clean

install:
	@test -x "$(UV)" || { $(PYTHON) -m venv .tools && .tools/bin/pip install --quiet "uv==0.13.8"; }
	@$(UV) sync --frozen --quiet

demo: install  ## build the warehouse from the bundled sample and show a result
	@$(RUN) observatory build
	@$(RUN) observatory status

test: install  ## lint, then the whole test suite (offline)
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) pytest

dev: install  ## Dagster UI on http://127.0.0.1:3000
	$(RUN) observatory dev --host 127.0.0.1 --port 3000

lint: install
	$(RUN) ruff check .
	$(RUN) ruff format --check .

sample: install  ## regenerate assets/sample from observatory/sample
	$(RUN) python -m observatory.sample

clean:  ## remove the generated warehouse (data/), keep the virtualenv
	rm -rf data
