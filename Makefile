# Two commands: `make run` and `make test`. Both create .venv and install the
# project into it when needed, with the versions pinned in constraints.txt, and
# re-install when pyproject.toml or constraints.txt changes.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CONSTRAINTS := constraints.txt

.PHONY: run test lint typecheck imports pytest install lock clean

install: $(STAMP)

$(STAMP): pyproject.toml $(CONSTRAINTS)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c $(CONSTRAINTS) -e '.[dev,dask]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/samsim validate scenarios/midt-troms/*.yaml
	$(BIN)/samsim compare scenarios/midt-troms/baseline.yaml scenarios/midt-troms/kols-to-dms.yaml --out results
	@echo "Open report.html in the folder above: the comparison, each scenario's results and plots."

test: lint typecheck imports pytest

lint: $(STAMP)
	$(BIN)/ruff check simulator tests benchmarks
	$(BIN)/ruff format --check simulator tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy simulator

imports: $(STAMP)
	$(BIN)/lint-imports

pytest: $(STAMP)
	$(BIN)/pytest -q

# Regenerate constraints.txt from pyproject.toml (the runtime dependencies and
# the dask and dev extras): one version of each package for every platform and
# every Python from 3.11 on. Pins still allowed by pyproject.toml are kept;
# `make lock UPGRADE=1` moves every package to its newest allowed version.
# Not behind $(STAMP): a pin that pyproject.toml no longer allows must not stop it.
lock:
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@test -x $(BIN)/uv || $(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra dask --extra dev \
		--universal --fork-strategy fewest --python-version 3.11 \
		$(if $(UPGRADE),--upgrade) --custom-compile-command 'make lock' \
		--quiet --output-file $(CONSTRAINTS)

clean:
	rm -rf $(VENV)
