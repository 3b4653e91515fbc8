# The project's commands. `make start` and `make test` each install what they need first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: install start test notebooks check-notebooks

$(INSTALLED): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt -e .
	touch $(INSTALLED)

install: $(INSTALLED)

start: $(INSTALLED)  ## install, then open the series in JupyterLab
	$(BIN)/jupyter lab notebooks/00_start_here.ipynb

test: $(INSTALLED)  ## install, then run every test: revlib, its docs, and every notebook
	$(BIN)/python -m pytest

notebooks: $(INSTALLED)  ## re-execute every notebook in place (navigation regenerated first)
	$(BIN)/python tools/notebooks.py run
