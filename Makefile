# Two commands: `make run` and `make test`. Both create .venv and install the
# project into it when needed, and re-install when pyproject.toml changes.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck pytest install clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,dask]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/samsim validate scenarios/midt-troms/*.yaml
	$(BIN)/samsim compare scenarios/midt-troms/baseline.yaml scenarios/midt-troms/kols-to-dms.yaml --out results
	@echo "Open report.html in the folder above: the comparison, each scenario's results and plots."

test: lint typecheck pytest

lint: $(STAMP)
	$(BIN)/ruff check simulator tests benchmarks
	$(BIN)/ruff format --check simulator tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy simulator

pytest: $(STAMP)
	$(BIN)/pytest -q

clean:
	rm -rf $(VENV)
