# Two entry points for a newcomer: `make demo` and `make test`. Both set up .venv first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DATA ?= $(if $(AUGMENTLAB_DATA),$(AUGMENTLAB_DATA),../shared/data)

.PHONY: setup demo test bench clean

setup: $(VENV)/.installed

# torch is pinned and installed before the package, so pip never resolves a CUDA build.
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev]'
	$(BIN)/python -m augmentlab.ops.text.wordnet_install
	touch $@

demo: setup
	$(BIN)/augmentlab demo --overwrite

test: setup
	$(BIN)/ruff check src tests benchmarks
	AUGMENTLAB_DATA=$(DATA) $(BIN)/python -m pytest -n 2

bench: setup
	$(BIN)/augmentlab bench

clean:
	rm -rf $(VENV) augmentlab-demo
