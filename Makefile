# The two commands of the README: `make run` and `make test`. Everything else here helps them.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PORT ?= 8000

.PHONY: run test setup migrate demo demo-reset lint check vendor clean bench

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "需要 Python 3.11（$(PYTHON)）"; exit 1; }
	test -x $(VENV)/bin/pip || { rm -rf $(VENV); $(PYTHON) -m venv $(VENV); } || { echo "无法创建虚拟环境：请安装 python3.11-venv"; exit 1; }
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	touch $(STAMP)

setup: $(STAMP)

migrate: setup
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py seed_calendar
	$(PY) manage.py load_demo

run: demo
	$(PY) manage.py runportal --port $(PORT)

# Start the demo afresh without reinstalling (any database): empties it and the uploaded files, reloads the demo.
demo-reset: migrate
	$(PY) manage.py load_demo --reset

# PYTEST_ARGS narrows a run, e.g. make test PYTEST_ARGS="tests/renewal -x".
test: setup
	$(PY) -m pytest $(PYTEST_ARGS)

lint: setup
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

check: setup
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

vendor:
	bash scripts/vendor_static.sh

# Pages against a bare Django view on PostgreSQL under gunicorn (bench/pages.py, bench/README.md); not part of
# `make test`. SCALE=quick: the same table at a small scale in about a minute. BENCH_DATABASE names the database.
SCALE ?= full
bench: setup
	$(PY) bench/pages.py --scale $(SCALE)

clean:
	rm -rf $(VENV) var
