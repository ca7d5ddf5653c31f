# The two commands of the README:
#   make demo   set up .venv, release every assignment, autograde the example
#               submissions, write feedback and grades.csv, print a table
#   make test   set up .venv and run the grader tests

# Debian's Python, not a per-user one: sandboxed kernels and hub users run
# as other Unix users and must be able to read the environment.
PYTHON ?= $(shell test -x /usr/bin/python3 && echo /usr/bin/python3 || command -v python3)
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
# nbgrader runs alembic through PATH.
export PATH := $(BIN):$(PATH)

.PHONY: demo test setup clean

demo: $(VENV)/installed
	$(BIN)/nncourse all

test: $(VENV)/installed
	$(BIN)/python -m pytest grader_tests -n auto --dist loadscope

setup: $(VENV)/installed

$(VENV)/installed: requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt -e .
	touch $@

clean:
	rm -rf autograded feedback gradebook.db grades.csv
