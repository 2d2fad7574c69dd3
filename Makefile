# Everyday commands. A fresh clone needs only Python 3.11:
#   make demo   - install, seed demo data and run web + worker + beat on http://127.0.0.1:8000
#   make test   - run the whole test suite
# Run `make help` for the rest.

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3 2>/dev/null)
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
ARGS ?=

.PHONY: help install demo test lint format bench lock clean

help: ## Show the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

$(BIN)/python:
	@if [ -z "$(PYTHON)" ]; then echo "Python 3.11 is needed: install python3.11, or run make PYTHON=/path/to/python3.11" >&2; exit 1; fi
	@"$(PYTHON)" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "Python 3.11 is needed but $(PYTHON) is " + sys.version.split()[0] + ": install python3.11, or run make PYTHON=/path/to/python3.11")'
	@echo "Creating the virtual environment in $(VENV) with $(PYTHON)"
	"$(PYTHON)" -m venv $(VENV)

# Reinstalls only when pyproject.toml or constraints.txt changed since the last install.
$(STAMP): pyproject.toml constraints.txt | $(BIN)/python
	@echo "Installing pinned dependencies from constraints.txt into $(VENV) (the first time takes a minute or two)"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[dev]"
	@touch $@

install: $(STAMP) ## Create .venv and install the project with pinned versions

demo: install ## Seed demo data and run web, worker and beat on http://127.0.0.1:8000
	@$(BIN)/python scripts/demo.py $(ARGS)

test: install ## Run the whole test suite (PostgreSQL/Redis/browser tests when available)
	@bash scripts/test.sh $(ARGS)

lint: install ## ruff, ruff format --check, import-linter, missing migrations
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/python manage.py makemigrations --check --dry-run

format: install ## Fix what ruff can fix and format the code
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install ## Run the benchmarks (pass options with ARGS="...")
	$(BIN)/python bench/run.py $(ARGS)

lock: install ## Regenerate constraints.txt from what is installed in .venv
	@{ echo "# Pinned versions of every dependency (runtime and dev). Regenerate with: make lock"; \
	  $(BIN)/python -m pip freeze --disable-pip-version-check --exclude-editable \
	    | grep -viE '^(crm[-_]receivables|-e )' | LC_ALL=C sort -f; } > constraints.txt.new
	@mv constraints.txt.new constraints.txt
	@touch $(STAMP)
	@echo "constraints.txt updated: review the diff and commit it"

clean: ## Remove caches and build output (keeps .venv and the demo data in var/)
	rm -rf .pytest_cache .ruff_cache .import_linter_cache .hypothesis build dist staticfiles *.egg-info
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
