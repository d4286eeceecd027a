# Salient: `make run` sets up and starts the app; `make test` runs the tests.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
ADDR ?= 127.0.0.1:8000
TRAIN_ARGS ?= all

.PHONY: setup run test bench train clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,bench]'
	touch $@

# The embedded default serves plain HTTP on loopback: SALIENT_HTTPS=0 (see dam/settings.py).
run: export SALIENT_HTTPS ?= 0
run: setup
	$(PY) manage.py migrate --noinput
	$(PY) manage.py ensure_editor
	$(PY) manage.py serve $(ADDR)

test: setup
	$(PY) -m pytest $(PYTEST_ARGS)

bench: setup
	$(PY) -m bench $(BENCH_ARGS)

train: setup
	$(PY) -m pip install --quiet -e '.[train]'
	$(PY) -m training $(TRAIN_ARGS)

clean:
	rm -rf var
