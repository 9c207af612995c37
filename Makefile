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

test: lint unit python-test e2e

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

# --- The evaluator under the Lambda runtime emulator, and its Lambda benchmarks -------------------
.PHONY: tools e2e bench-lambda

TOOLS_VENV := .venv-tools
LAMBDA_TARGET := aarch64-unknown-linux-gnu

# cargo-lambda (with zig, as ziglang) in its own venv; the arm64 std for `cargo lambda build --arm64`.
tools:
	@if [ ! -x $(TOOLS_VENV)/bin/cargo-lambda ]; then \
	  echo "installing cargo-lambda into $(TOOLS_VENV)"; \
	  $(PYTHON) -m venv $(TOOLS_VENV) && $(TOOLS_VENV)/bin/pip install --quiet cargo-lambda; \
	fi
	@rustup target list --installed | grep -x $(LAMBDA_TARGET) >/dev/null \
	  || rustup target add $(LAMBDA_TARGET)

# cargo-lambda finds zig through the first python3 on PATH, so its venv goes first; the tests
# themselves run on the python that has moto and boto3 (resolved before PATH changes).
e2e: tools python-deps
	py="$$(command -v $(PYTHON))"; \
	PATH="$(CURDIR)/$(TOOLS_VENV)/bin:$$PATH" "$$py" -m unittest -v tests/e2e/test_evaluator_lambda.py

bench-lambda: python-deps
	$(CARGO) build --release -p evaluator
	$(PYTHON) tests/perf/lambda_bench.py cold-start --binary target/release/evaluator --runs 20
	$(PYTHON) tests/perf/lambda_bench.py sweep --binary target/release/evaluator --roles 10000 --functions 2000
