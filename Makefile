# The two commands: `make run` (demo store, then the application) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
STORE ?= ./surplace-data

.PHONY: run test install lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

# The demo store holds synthetic people only; its passphrase is printed on purpose.
DEMO_PASSPHRASE := surplace demo passphrase
HOST ?= 127.0.0.1
PORT ?= 8000

run: install
	$(BIN)/surplace --store $(STORE) demo
	SURPLACE_PASSPHRASE='$(DEMO_PASSPHRASE)' $(BIN)/surplace --store $(STORE) --user admin \
		serve --host $(HOST) --port $(PORT)

test: install
	$(BIN)/python -m pytest -n 2 --dist loadgroup -q

lint: install
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
