# trustcheck: the commands a newcomer runs. `make test` is what CI runs.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
CARGO ?= cargo
PYTHON ?= python3
# moto is patched by tests/moto_ext.py through its internals: keep the version the patches were written for.
MOTO_VERSION := 5.2.1

.PHONY: test lint unit python-test python-deps bench build help

help:
	@echo "make test    - format check, clippy -D warnings, every Rust test, the local AWS endpoint's self-test"
	@echo "make bench   - rule-engine benchmark (criterion; figures in README)"
	@echo "make build   - release build of the workspace"

test: lint unit python-test

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

unit: python-deps
	$(CARGO) test --workspace

# The local AWS endpoint: moto in server mode plus our extension (tests/moto_ext.py).
python-deps:
	@$(PYTHON) -c 'import moto, flask, flask_cors, boto3, sys; sys.exit(moto.__version__ != "$(MOTO_VERSION)")' 2>/dev/null \
	  || $(PYTHON) -m pip install --quiet 'moto[server]==$(MOTO_VERSION)'

python-test: python-deps
	$(PYTHON) -m unittest tests/test_moto_ext.py

bench:
	$(CARGO) bench -p trustcheck --bench engine

build:
	$(CARGO) build --workspace --release
