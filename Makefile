# reviewqa: `make demo` and `make test` work on a fresh clone.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: setup demo test lint format bench screenshots clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	# torch is pinned to the CPU build first so that nothing pulls a CUDA build.
	$(BIN)/python -m pip install -q torch==2.13.0
	$(BIN)/python -m pip install -q -e '.[dev]'
	$(BIN)/python -m pip check
	touch $@

demo: setup
	$(BIN)/reviewqa ingest corpus/
	$(BIN)/reviewqa stats --films 5
	@echo "reviewqa: chat at http://127.0.0.1:7860 (API docs at /docs, widget demo at /widget/demo)"
	$(BIN)/reviewqa serve --host 127.0.0.1 --port 7860

test: setup
	$(BIN)/python -m pytest

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/mypy deploy/render_nginx.py

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: setup
	$(BIN)/python -m bench.ingest_speed

# The chat UI and the widget, each with an answer, at desktop and phone width, and the
# reception report in both (system Chromium).
screenshots: setup
	REVIEWQA_SCREENSHOTS=$(CURDIR)/docs/screenshots $(BIN)/python -m pytest -q \
		tests/test_page_browser.py tests/test_reception_browser.py

clean:
	rm -rf .reviewqa .pytest_cache .mypy_cache .ruff_cache
