# The project's commands. `make start` and `make test` each install what they need first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
BENCH := $(VENV)/bench-packages
BENCH_INSTALLED := $(BENCH)/.installed

TEMPLATE := share/jupyter/voila/templates/revlib

.PHONY: install start test notebooks app site browser bench

# Every package at the lock's version (requirements-lock.txt: the series and the tests), then revlib itself,
# whose install puts the Voila template under .venv/share/jupyter (reinstalled when the template changes).
$(INSTALLED): requirements-lock.txt pyproject.toml $(TEMPLATE)/index.html.j2 $(TEMPLATE)/conf.json
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-lock.txt -e .
	touch $(INSTALLED)

install: $(INSTALLED)

start: $(INSTALLED)  ## install, then open the series in JupyterLab, on 00 Start here (never an earlier run's layout)
	rm -rf $(VENV)/workspace
	$(BIN)/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root) --LabApp.workspaces_dir=$(VENV)/workspace notebooks/00_start_here.ipynb

browser:  ## Debian's Chromium, for the real-browser tests (skipped when it is missing and CI is not set)
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } \
		|| echo "Chromium could not be installed here: the browser tests will be skipped (under CI they fail)"

test: $(INSTALLED) browser  ## install, then run every test: revlib, its docs, every notebook, and the browser tests
	$(BIN)/python -m pytest

notebooks: $(INSTALLED)  ## re-execute every notebook in place (navigation regenerated first)
	$(BIN)/python tools/notebooks.py run

app: $(INSTALLED)  ## the workshop app on 127.0.0.1, no code showing (settings in voila.json)
	$(BIN)/voila notebooks/07_contract_explorer.ipynb

site: $(INSTALLED)  ## build site/: every notebook as a web page, with an index; it reads with no network
	$(BIN)/python tools/site.py

bench: $(BENCH_INSTALLED)  ## the benchmarks (not part of make test): revlib against DuckDB and a per-contract loop
	PYTHONPATH=$(BENCH) $(BIN)/python tests/benchmarks/run.py

# DuckDB goes in a folder of its own, outside the environment: the tests check that it holds the lock and nothing else.
$(BENCH_INSTALLED): tests/benchmarks/requirements.txt $(INSTALLED)
	rm -rf $(BENCH)
	$(BIN)/python -m pip install --quiet --target $(BENCH) -r tests/benchmarks/requirements.txt
	touch $(BENCH_INSTALLED)
