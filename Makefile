# Two commands do all set-up on a fresh machine:
#   make serve   build the index if missing, then serve the API on http://127.0.0.1:8000
#   make test    run the test suite (what CI runs)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The official CMS files; see README "Configuration".
export CODESEARCH_DATA_DIR ?= $(abspath ../shared/data)
export HF_HUB_OFFLINE := 1

.PHONY: serve test build eval bench lint

$(BIN)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	# torch first: the CPU build; anything else makes pip pull a multi-GB CUDA build.
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -c constraints.txt -e '.[dev]'
	touch $@

serve: $(BIN)/.installed
	$(BIN)/codesearch serve

test: $(BIN)/.installed
	$(BIN)/python -m pytest

build: $(BIN)/.installed
	$(BIN)/codesearch build

eval: $(BIN)/.installed
	$(BIN)/codesearch eval ../shared/eval/dev_queries.jsonl
	$(BIN)/codesearch eval corpus/eval/queries.jsonl
	$(BIN)/codesearch eval corpus/eval/queries_b.jsonl

lint: $(BIN)/.installed
	$(BIN)/ruff check indexer search_api models tests scripts
	$(BIN)/ruff format --check indexer search_api models tests scripts
	$(BIN)/mypy --strict search_api/engine
