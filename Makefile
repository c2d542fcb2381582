# Thin wrappers. Everything runs inside the project's virtualenv, created by `uv sync` from the
# committed uv.lock; uv itself is bootstrapped with pip when missing.
SHELL := /bin/bash
PYTHON ?= python3
UV := $(shell command -v uv 2>/dev/null || echo $(CURDIR)/.tools/bin/uv)
export UV_COMPILE_BYTECODE := 1
export UV_PYTHON_DOWNLOADS := never
export DAGSTER_DISABLE_TELEMETRY := 1
RUN := $(UV) run --frozen --no-sync

.PHONY: demo test dev install lint sample screenshots clean

install:
	@test -x "$(UV)" || { $(PYTHON) -m venv .tools && .tools/bin/pip install --quiet "uv==0.13.8"; }
	@$(UV) sync --frozen --quiet

DEMO_QUERY := select t.niveau, t.code_territoire, t.libelle, p.millesime, \
	p.population_municipale, round(p.part_75_ans_et_plus, 3) as part_75_ans_et_plus \
	from marts.population as p join marts.territoires as t using (niveau, code_territoire) \
	where p.millesime = (select max(millesime) from marts.population) \
	and t.niveau in ('france', 'region', 'departement', 'epci', 'bv2022', 'pays') \
	order by t.niveau, t.code_territoire

demo: install  ## build the warehouse from the bundled sample and show a result
	@$(RUN) observatory build
	@echo; echo "population and share aged 75+ per territory (observatory query \"...\"):"
	@$(RUN) observatory query "$(DEMO_QUERY)"

test: install  ## lint, the import contracts (the floors), then the whole test suite (offline)
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) lint-imports
	$(RUN) pytest

dev: install  ## Dagster UI on http://127.0.0.1:3000
	$(RUN) observatory dev --host 127.0.0.1 --port 3000

lint: install
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) lint-imports

sample: install  ## regenerate assets/sample from observatory/sample
	$(RUN) python -m observatory.sample

screenshots: install  ## the README's pictures (docs/images/) from the sample, with headless chromium
	$(RUN) python -m tests.screenshots

clean:  ## remove the generated warehouse (data/), keep the virtualenv
	rm -rf data
