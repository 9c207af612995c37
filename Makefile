# trustcheck: the commands a newcomer runs. `make test` is what CI runs.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
CARGO ?= cargo
PYTHON ?= python3
# moto is patched by tests/moto_ext.py through its internals: keep the version the patches were written for.
MOTO_VERSION := 5.2.1
# moto and what its server and the Python tests import live in a venv of their own: a system
# Python may refuse `pip install` (PEP 668: Debian's python3 does).
TEST_VENV := .venv-test
TEST_PYTHON := $(CURDIR)/$(TEST_VENV)/bin/python
# CI builds once from a clean clone: incremental state (a quarter of target/) would only fill its disk.
ifeq ($(CI),true)
export CARGO_INCREMENTAL := 0
endif

.PHONY: test lint unit python-test python-deps bench bench-instructions build help

help:
	@echo "make test    - what CI runs: lint, unit, python-test, e2e, infra-test, demo-test, dogfood, adoption-test, sandbox-test"
	@echo "make lint    - cargo fmt --check, and clippy -D warnings on every target of the workspace while building the tests"
	@echo "make unit    - every Rust test (cargo test --workspace, linted by clippy as make lint builds it); installs moto for the local AWS endpoint if needed"
	@echo "make e2e     - the evaluator binary under the Lambda runtime emulator (cargo lambda watch), against the local AWS endpoint"
	@echo "make bench   - rule-engine benchmark (criterion; figures in README; CORPUS=FILE: one policy per line; ALLOCATOR=mimalloc: the CLI's)"
	@echo "make bench-instructions - instructions per check and per evaluate of the rule engine (callgrind; CORPUS=FILE, ALLOCATOR=mimalloc)"
	@echo "make bench-lambda - the release evaluator: cold start (20 runs) and a sweep of 10,000 roles and 2,000 functions"
	@echo "make build   - release build of the workspace"
	@echo "make demo    - the whole loop on this machine, no AWS account: Config rule, pages, PagerDuty"
	@echo "make demo-test - the demo as a test (tests/e2e/test_demo.py)"
	@echo "make tools   - cargo-lambda (with zig) into .venv-tools"
	@echo "make infra-tools - cargo-lambda and the SAM CLI (which brings cfn-lint) into .venv-tools"
	@echo "make cdk-synth - the CDK stack's template in infra/cdk/cdk.out, offline (no AWS account, no Rust build)"
	@echo "make infra-test - offline checks of infra/: sam validate --lint, cfn-lint, the CDK synth and its assertions"
	@echo "make lambdas - the arm64 Lambda zips (target/lambda/*/bootstrap.zip)"
	@echo "make package - make lambdas, and the sandbox page (make sandbox-bundle)"
	@echo "make sam-build - sam build --build-in-source of infra/template.yaml (the arm64 functions, through make lambdas)"
	@echo "make deploy  - sam build + sam deploy --guided --capabilities CAPABILITY_IAM (needs AWS credentials; docs/deploy.md)"
	@echo "make dogfood - trustcheck on the project's own SAM, CDK and organization templates; fails on any finding"
	@echo "make bench-cli - trustcheck account on 5,000 roles and 2,000 functions: wall time, peak memory"
	@echo "make fuzz    - coverage-guided fuzzing of the rule crate (nightly + cargo-fuzz), FUZZ_SECONDS=600"
	@echo "make lean-cli - the CLI without the AWS SDK (cargo install --no-default-features) into target/lean-install"
	@echo "make adoption-test - the lean CLI, the pre-commit hooks (try-repo) and the GitHub Action's script"
	@echo "make sandbox - the client-side sandbox page (the rule crate as WebAssembly), served on http://127.0.0.1:PORT (8765)"
	@echo "make sandbox-bundle - the sandbox page for any static host, in target/sandbox (make package runs it)"
	@echo "make sandbox-test - the sandbox in headless Chromium (no request after load) and wasm = CLI on every fixture"

# What `make test` installs with pip and npm is installed beside the Rust build (lint, and the
# test binaries that unit then runs), which needs none of it: on a fresh machine the two take the
# time of the longer, not of both. Not among them: Chromium (apt-get may ask for a password:
# sandbox-test installs it in the open). The installs' output follows the build's. They run in a
# session of their own, stopped with the recipe (Ctrl-C, a failure): a background job ignores
# Ctrl-C, and a second `make test` would race a pip or npm left running.
TEST_TOOLS := python-deps tools infra-tools pre-commit cdk-deps browser-packages
TEST_STEPS := unit python-test e2e infra-test demo-test dogfood adoption-test sandbox-test

test:
	@mkdir -p target
	@setsid $(MAKE) --no-print-directory $(TEST_TOOLS) > target/test-tools.log 2>&1 & tools=$$!; \
	  stop_tools() { kill -- -$$tools 2>/dev/null || true; }; \
	  trap stop_tools EXIT; trap 'stop_tools; exit 130' INT; trap 'stop_tools; exit 143' TERM; \
	  if $(MAKE) --no-print-directory lint trustcheck-bin; then rust=0; else rust=$$?; fi; \
	  if wait $$tools; then installed=0; else installed=$$?; fi; \
	  echo "== test tools (installed during the build)"; cat target/test-tools.log; \
	  [ $$installed = 0 ] || { echo "make test: installing the test tools failed (above)" >&2; exit $$installed; }; \
	  exit $$rust
	$(MAKE) --no-print-directory $(TEST_STEPS)

# Clippy while building, not in a check of its own: `cargo clippy` is cargo check with
# clippy-driver wrapping rustc for the workspace's crates (RUSTC_WORKSPACE_WRAPPER) and its
# arguments in CLIPPY_ARGS. Wrapping the test build the same way lints the same code and builds
# the dependencies once, not once checked and once compiled: about five minutes less of a fresh
# `make test` on 2 cores. Every test build goes through it (the wrapper is part of cargo's
# fingerprint: a build without it would compile the workspace's crates again).
LINTED := RUSTC_WORKSPACE_WRAPPER=clippy-driver CLIPPY_ARGS=-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__

lint:
	$(CARGO) fmt --all -- --check
	$(LINTED) $(CARGO) test --workspace --all-targets --no-run --quiet
	@# The sandbox's library outside its tests: nothing else of the workspace builds it so.
	$(LINTED) $(CARGO) build --quiet -p trustcheck-sandbox

unit: python-deps
	rm -rf target/tmp
	PYTHON=$(TEST_PYTHON) $(LINTED) $(CARGO) test --workspace

# The local AWS endpoint: moto in server mode plus our extension (tests/moto_ext.py), in $(TEST_VENV).
python-deps:
	@[ -x $(TEST_PYTHON) ] || { echo "creating $(TEST_VENV) for moto"; $(PYTHON) -m venv $(TEST_VENV); }
	@$(TEST_PYTHON) -c 'import moto, flask, flask_cors, boto3, sys; sys.exit(moto.__version__ != "$(MOTO_VERSION)")' 2>/dev/null \
	  || { echo "installing moto $(MOTO_VERSION) into $(TEST_VENV)"; $(TEST_PYTHON) -m pip install --quiet 'moto[server]==$(MOTO_VERSION)'; }

python-test: python-deps
	$(TEST_PYTHON) -m unittest tests/test_moto_ext.py

# CORPUS=FILE measures that corpus (one trust policy per line) instead of the generated one.
# ALLOCATOR=mimalloc: the same benchmark with the CLI's allocator (the Lambda functions keep the
# system's, the default).
ALLOCATOR ?= system
ENGINE_BENCH := $(if $(filter mimalloc,$(ALLOCATOR)),engine_mimalloc,engine)
bench:
	TRUSTCHECK_CORPUS=$(if $(CORPUS),$(abspath $(CORPUS))) $(CARGO) bench -p trustcheck --bench $(ENGINE_BENCH)

# Instructions per check and per evaluate, by callgrind (Debian's valgrind, installed when
# missing): what compares two versions, as other tenants of a VM move criterion's figures by a
# third. CORPUS=FILE as for bench.
bench-instructions:
	@command -v valgrind >/dev/null || { echo "installing Debian's valgrind ($(SUDO) apt-get)"; \
	  $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq valgrind >/dev/null; }
	$(PYTHON) tests/perf/instructions.py --bench $(ENGINE_BENCH) $(if $(CORPUS),--corpus $(abspath $(CORPUS)))

build:
	$(CARGO) build --workspace --release

# --- The evaluator under the Lambda runtime emulator, and its Lambda benchmarks -------------------
.PHONY: tools e2e bench-lambda

TOOLS_VENV := .venv-tools
LAMBDA_TARGET := aarch64-unknown-linux-gnu

# cargo-lambda (with zig, as ziglang) in its own venv, at one version on every machine.
CARGO_LAMBDA_VERSION := 1.9.2
tools:
	@if ! $(TOOLS_VENV)/bin/pip show cargo-lambda 2>/dev/null | grep -x "Version: $(CARGO_LAMBDA_VERSION)" >/dev/null; then \
	  echo "installing cargo-lambda $(CARGO_LAMBDA_VERSION) into $(TOOLS_VENV)"; \
	  { [ -x $(TOOLS_VENV)/bin/pip ] || $(PYTHON) -m venv $(TOOLS_VENV); } && \
	  $(TOOLS_VENV)/bin/pip install --quiet 'cargo-lambda==$(CARGO_LAMBDA_VERSION)'; \
	fi

# The evaluator under `cargo lambda watch --only-lambda-apis`, the Lambda emulator, which builds
# nothing: the function is target/debug/evaluator, which trustcheck-bin builds (the build of
# `make unit`, so nothing compiles twice). cargo-lambda's venv goes first on PATH; the tests
# themselves run on the python that has moto and boto3 (resolved before PATH changes).
e2e: tools python-deps trustcheck-bin
	py="$(TEST_PYTHON)"; \
	PATH="$(CURDIR)/$(TOOLS_VENV)/bin:$$PATH" "$$py" -m unittest -v tests/e2e/test_evaluator_lambda.py

bench-lambda: python-deps
	$(CARGO) build --release -p evaluator
	$(TEST_PYTHON) tests/perf/lambda_bench.py cold-start --binary target/release/evaluator --runs 20
	$(TEST_PYTHON) tests/perf/lambda_bench.py sweep --binary target/release/evaluator --roles 10000 --functions 2000

# --- The deployable stack (infra/), its offline checks, packaging, deployment and `make demo` ----
.PHONY: infra-tools cdk-deps infra-test package deploy demo demo-test

SAM_CLI_VERSION := 1.170.0
LAMBDA_BINARIES := evaluator notifier pager
CDK_DIR := infra/cdk
export SAM_CLI_TELEMETRY := 0
export CDK_DISABLE_CLI_TELEMETRY := true

# SAM CLI (which brings cfn-lint) into cargo-lambda's venv: `sam build` runs cargo lambda, which
# finds zig through the first python3 on PATH, so both live in one venv (with SAM's own venv first
# on PATH, `sam build` fails with "Zig is not installed").
infra-tools: tools
	@$(TOOLS_VENV)/bin/sam --version 2>/dev/null | grep -qF '$(SAM_CLI_VERSION)' \
	  || { echo "installing aws-sam-cli $(SAM_CLI_VERSION) into $(TOOLS_VENV)"; \
	       $(TOOLS_VENV)/bin/pip install --quiet 'aws-sam-cli==$(SAM_CLI_VERSION)'; }

# The CDK app's npm packages, exactly as package-lock.json pins them; again only when it changed.
cdk-deps: $(CDK_DIR)/node_modules/.package-lock.json
$(CDK_DIR)/node_modules/.package-lock.json: $(CDK_DIR)/package.json $(CDK_DIR)/package-lock.json
	cd $(CDK_DIR) && npm ci --no-audit --no-fund --loglevel=error

# The CDK stack's template in $(CDK_DIR)/cdk.out, offline: no AWS account, no credentials, no
# Docker, no Rust build (the synth skips bundling).
.PHONY: cdk-synth
cdk-synth: cdk-deps
	@# No alarm route: the stack refuses a deploy without one, and this template deploys nothing.
	cd $(CDK_DIR) && npx tsc -p . && TRUSTCHECK_SKIP_BUNDLING=1 npx cdk synth --no-notices -q \
	  -c alarmTopicSubscribedElsewhere=true > /dev/null

infra-test: infra-tools cdk-synth
	$(TOOLS_VENV)/bin/sam validate --lint --region us-east-1 --template infra/template.yaml
	$(TOOLS_VENV)/bin/cfn-lint infra/template.yaml infra/org/member-role.yaml infra/org/organization-rule.yaml
	@# W3005: CDK writes DependsOn next to the GetAtt that already implies it.
	$(TOOLS_VENV)/bin/cfn-lint --ignore-checks W3005 -- $(CDK_DIR)/cdk.out/Trustcheck.template.json
	cd $(CDK_DIR) && node --test dist/test/


# The arm64 Lambda zips, as SAM and CDK build them (cargo lambda, release profile of Cargo.toml).
# The arm64 standard library comes from rustup's own server, which only packaging needs.
arm64-std:
	@rustup target list --installed | grep -x $(LAMBDA_TARGET) >/dev/null \
	  || rustup target add $(LAMBDA_TARGET)

# `lambdas` is what a deploy needs; `package` adds the sandbox page for a static host.
.PHONY: lambdas
package: lambdas sandbox-bundle

lambdas: tools arm64-std
	PATH="$(CURDIR)/$(TOOLS_VENV)/bin:$$PATH" $(CARGO) lambda build --release --arm64 \
	  $(addprefix --bin ,$(LAMBDA_BINARIES))
	@for bin in $(LAMBDA_BINARIES); do \
	  dir=target/lambda/$$bin; rm -f $$dir/bootstrap.zip; \
	  $(PYTHON) -c 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED, compresslevel=9); z.write(sys.argv[2], "bootstrap"); z.close()' \
	    $$dir/bootstrap.zip $$dir/bootstrap; \
	  printf '%-10s bootstrap %9d bytes   bootstrap.zip %9d bytes   %s\n' $$bin \
	    $$(stat -c %s $$dir/bootstrap) $$(stat -c %s $$dir/bootstrap.zip) \
	    "$$(file -b $$dir/bootstrap | grep -oE 'ARM aarch64|x86-64' | head -1), $$(file -b $$dir/bootstrap | grep -oE '(not )?stripped' | head -1)"; \
	done

# `sam build` (BuildMethod: makefile, CodeUri: the repository) calls one target per function with
# ARTIFACTS_DIR set. Each depends on `lambdas`: the first builds the workspace once for arm64, the
# others find it built; each copies its bootstrap (no WebAssembly: a deploy needs none). `--build-in-source` runs them here, in place,
# rather than in a copy of the repository.
.PHONY: build-EvaluatorFunction build-NotifierFunction build-PagerFunction sam-build
build-EvaluatorFunction build-NotifierFunction build-PagerFunction: lambdas
	cp target/lambda/$(shell echo '$(patsubst build-%Function,%,$@)' | tr A-Z a-z)/bootstrap "$(ARTIFACTS_DIR)/bootstrap"

sam-build: infra-tools
	PATH="$(CURDIR)/$(TOOLS_VENV)/bin:$$PATH" $(TOOLS_VENV)/bin/sam build --build-in-source --template infra/template.yaml

# Needs AWS credentials and an account with AWS Config recording: see docs/deploy.md. Can't run here.
deploy: sam-build
	PATH="$(CURDIR)/$(TOOLS_VENV)/bin:$$PATH" $(TOOLS_VENV)/bin/sam deploy --guided --capabilities CAPABILITY_IAM

# The whole loop on this machine, no AWS account (tests/demo/demo.py says what it shows). Like e2e
# it runs the debug binaries trustcheck-bin builds under `cargo lambda watch --only-lambda-apis`.
demo: tools python-deps trustcheck-bin
	py="$(TEST_PYTHON)"; \
	PATH="$(CURDIR)/$(TOOLS_VENV)/bin:$$PATH" "$$py" tests/demo/demo.py

# The demo as a test: it must keep working as a newcomer's first command (tests/e2e/test_demo.py).
demo-test: tools python-deps trustcheck-bin
	py="$(TEST_PYTHON)"; \
	PATH="$(CURDIR)/$(TOOLS_VENV)/bin:$$PATH" "$$py" -m unittest -v tests/e2e/test_demo.py

# --- trustcheck on the project's own templates, and the CLI's benchmark --------------------------
.PHONY: dogfood bench-cli

# Every role our stacks create must pass our own rule with no finding at all, not even a LOW one:
# the product's own reading of the templates (`trustcheck template`), both branches of every
# condition, the parameters a deployer must pass given. A template that is missing fails it.
DOGFOOD_TEMPLATES := infra/template.yaml infra/org/member-role.yaml infra/org/organization-rule.yaml \
  $(CDK_DIR)/cdk.out/Trustcheck.template.json
DOGFOOD_PARAMETERS := --parameter EvaluatorRoleArn=arn:aws:iam::123456789012:role/trustcheck-EvaluatorRole-EXAMPLE \
  --parameter OrganizationId=o-exampleorg1
# The CLI as `make unit` builds it: the same feature set as `cargo test --workspace`, so using it
# recompiles nothing (a `cargo run -p trustcheck-cli` would rebuild the AWS SDK with other features).
# The same build gives e2e, demo and demo-test their target/debug/{evaluator,notifier,pager}.
TRUSTCHECK_BIN := target/debug/trustcheck

.PHONY: trustcheck-bin
trustcheck-bin:
	$(LINTED) $(CARGO) test --workspace --no-run --quiet

dogfood: trustcheck-bin cdk-synth
	@for t in $(DOGFOOD_TEMPLATES); do \
	  [ -f "$$t" ] || { echo "dogfood: $$t is missing" >&2; exit 1; }; \
	done
	$(TRUSTCHECK_BIN) template --fail-on LOW $(DOGFOOD_PARAMETERS) $(DOGFOOD_TEMPLATES)

# --- Adopting the CLI: the lean install, the pre-commit hooks and the GitHub Action -----------------
.PHONY: adoption-test lean-cli
LEAN_ROOT := target/lean-install
PRE_COMMIT_VERSION := 4.7.0

# Exactly what a user runs: `cargo install --locked --path cli --no-default-features` (no AWS SDK).
# CI builds it without fat LTO, in 16 codegen units (what it tests is the install, the hooks and
# the Action, not the optimiser): a minute and a half less of a fresh `make test`.
LEAN_PROFILE := $(if $(filter true,$(CI)),CARGO_PROFILE_RELEASE_LTO=off CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16)
lean-cli:
	$(LEAN_PROFILE) $(CARGO) install --locked --quiet --path cli --no-default-features --root $(LEAN_ROOT) --target-dir target/lean

.PHONY: pre-commit
pre-commit: tools
	@$(TOOLS_VENV)/bin/pre-commit --version 2>/dev/null | grep -qF '$(PRE_COMMIT_VERSION)' \
	  || { echo "installing pre-commit $(PRE_COMMIT_VERSION) into $(TOOLS_VENV)"; \
	       $(TOOLS_VENV)/bin/pip install --quiet 'pre-commit==$(PRE_COMMIT_VERSION)'; }

adoption-test: pre-commit lean-cli
	tests/adoption.sh $(LEAN_ROOT)/bin/trustcheck $(TOOLS_VENV)/bin/pre-commit

bench-cli:
	$(CARGO) build --release -p trustcheck-cli
	$(PYTHON) cli/bench/account_bench.py --binary target/release/trustcheck --roles 5000 --functions 2000 --runs 5

# --- The client-side sandbox: the rule crate in the browser (sandbox/, issue 11) -------------------
.PHONY: sandbox sandbox-wasm sandbox-bundle sandbox-test browser-tools
WASM_TARGET := wasm32-unknown-unknown
PORT ?= 8765
SANDBOX_TESTS := sandbox/tests
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

# The engine as WebAssembly (the profile `wasm` of Cargo.toml: release, panic = abort). Its
# standard library comes from rustup's own server, like arm64's for packaging.
# Then binaryen's wasm-opt (npm, with the browser test's packages) shrinks it for the page: the
# engine grows with the catalog, and the page has a 300 KB budget. Rust's wasm32 target enables
# these features by default; the stripped module doesn't say so, wasm-opt must be told.
# `--low-memory-unused` (3 KB less gzipped) lets it fold constant offsets into loads and stores,
# assuming no address below 1 KiB: the module puts its 1 MiB stack first (the stack pointer
# starts at 1,048,576, data above it), so those are the stack's deepest KiB, which a parse
# nested within serde's limit never reaches.
WASM_BUILT := target/$(WASM_TARGET)/wasm/trustcheck_sandbox.wasm
WASM_SHIPPED := target/$(WASM_TARGET)/wasm/trustcheck_sandbox.opt.wasm
WASM_FEATURES := --enable-bulk-memory --enable-sign-ext --enable-nontrapping-float-to-int \
  --enable-mutable-globals --enable-multivalue --enable-reference-types
sandbox-wasm: browser-packages
	@rustup target list --installed | grep -x $(WASM_TARGET) >/dev/null \
	  || rustup target add $(WASM_TARGET)
	$(CARGO) build -p trustcheck-sandbox --target $(WASM_TARGET) --profile wasm
	$(SANDBOX_TESTS)/node_modules/.bin/wasm-opt -Oz --low-memory-unused $(WASM_FEATURES) $(WASM_BUILT) -o $(WASM_SHIPPED)

# target/sandbox: the page with the engine embedded and its scripts minified (esbuild, from the
# browser tests' npm packages), ready for any static host. Prints its size and fails over the
# 300 KB (gzipped wasm + JS) budget.
sandbox-bundle: sandbox-wasm bundle-deps
	$(TEST_PYTHON) sandbox/bundle.py --wasm $(WASM_SHIPPED)

# zopfli (PyPI) in $(TEST_VENV): gzip's format, a twentieth smaller than zlib's best, which the
# page's DecompressionStream reads as any gzip.
ZOPFLI_VERSION := 0.4.3
.PHONY: bundle-deps
bundle-deps:
	@[ -x $(TEST_PYTHON) ] || { echo "creating $(TEST_VENV)"; $(PYTHON) -m venv $(TEST_VENV); }
	@$(TEST_PYTHON) -c 'import importlib.metadata as m, sys; sys.exit(m.version("zopfli") != "$(ZOPFLI_VERSION)")' 2>/dev/null \
	  || { echo "installing zopfli $(ZOPFLI_VERSION) into $(TEST_VENV)"; $(TEST_PYTHON) -m pip install --quiet 'zopfli==$(ZOPFLI_VERSION)'; }

sandbox: sandbox-bundle
	@echo "trustcheck sandbox: open http://127.0.0.1:$(PORT)/ (Ctrl-C stops the server)"
	$(PYTHON) -m http.server $(PORT) --bind 127.0.0.1 --directory target/sandbox

# Headless Chromium, driven over CDP by playwright-core, which downloads no browser (CHROMIUM=PATH
# to use another build); Debian's, installed system-wide with apt-get when missing. And the test's
# npm packages exactly as package-lock.json pins them.
.PHONY: browser-packages
browser-packages: $(SANDBOX_TESTS)/node_modules/.package-lock.json
browser-tools: browser-packages
	@if [ ! -x "$${CHROMIUM:-/usr/bin/chromium}" ]; then \
	  echo "installing Debian's chromium system-wide ($(SUDO) apt-get)"; \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	fi
$(SANDBOX_TESTS)/node_modules/.package-lock.json: $(SANDBOX_TESTS)/package.json $(SANDBOX_TESTS)/package-lock.json
	cd $(SANDBOX_TESTS) && npm ci --no-audit --no-fund --loglevel=error

# The page in headless Chromium (examples, fixes, redaction, keyboard, phone; no request after
# load), then the differential test: the wasm and the native CLI byte-identical on every fixture.
sandbox-test: sandbox-bundle browser-tools trustcheck-bin
	node $(SANDBOX_TESTS)/redact.mjs
	node $(SANDBOX_TESTS)/browser.mjs
	node $(SANDBOX_TESTS)/differential.mjs $(TRUSTCHECK_BIN)

# --- Fuzzing the rule crate (not part of `make test`; its corpus and crashes are, as a replay test) -
.PHONY: fuzz fuzz-tools
FUZZ_SECONDS ?= 600
CARGO_FUZZ_VERSION := 0.13.2

# cargo-fuzz needs a nightly toolchain (sanitizer flags); both are installed only for this target.
fuzz-tools:
	@rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
	@cargo fuzz --version 2>/dev/null | grep -qF '$(CARGO_FUZZ_VERSION)' \
	  || $(CARGO) install --locked --quiet cargo-fuzz --version $(CARGO_FUZZ_VERSION)

# Seeds the corpus from every fixture policy, then fuzzes for FUZZ_SECONDS. A crash lands in
# fuzz/artifacts/check/: commit it, fix the engine, and the replay test keeps it fixed.
fuzz: fuzz-tools
	$(PYTHON) fuzz/seed.py
	$(CARGO) +nightly fuzz run --fuzz-dir fuzz check fuzz/corpus/check -- \
	  -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=2048 -max_len=8192 -print_final_stats=1
