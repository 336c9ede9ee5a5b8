# The README's two commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# A development token for the JSON API; `make run` prints it.
DEV_TOKEN ?= dev-token-change-me

.PHONY: run test install lint bench clean

$(BIN)/qualifier: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	$(BIN)/qualifier train --quiet
	touch $(BIN)/qualifier

install: $(BIN)/qualifier

run: install
	QUALIFIER_LOG_FORMAT=$${QUALIFIER_LOG_FORMAT:-text} $(BIN)/qualifier init-db
	@echo "API token for this development server: $(DEV_TOKEN)"
	@echo "Try: curl -H 'Authorization: Bearer $(DEV_TOKEN)' http://$(HOST):$(PORT)/api/inquiries"
	QUALIFIER_LOG_FORMAT=$${QUALIFIER_LOG_FORMAT:-text} QUALIFIER_API_TOKENS=$(DEV_TOKEN) \
		$(BIN)/qualifier serve --host $(HOST) --port $(PORT)

test: install
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .

bench: install
	$(BIN)/python benchmarks/analyze.py

clean:
	rm -rf $(VENV) instance build *.egg-info
