# The verbs are the same everywhere: dev, test, check, bench, build.
VENV := .venv
PYTHON ?= python3

.PHONY: dev dev-aws test check deps bench build openapi

## Run the local stack on http://127.0.0.1:3000: user pool, Authsignal emulator, API (no configuration).
dev:
	cargo run -- dev --port $(or $(PORT),3000)

## The same, with the AWS integrations (replay table, event bus, session revocation) on a local
## moto_server that dev starts itself (moto is installed into .venv first).
dev-aws: $(VENV)/.installed
	MOTO_SERVER=$(CURDIR)/$(VENV)/bin/moto_server cargo run -- dev --aws-local --port $(or $(PORT),3000)

## Run every check and test, installing what the tests need first.
test: deps check
	MOTO_SERVER=$(CURDIR)/$(VENV)/bin/moto_server cargo test --workspace --locked

## Formatting and lints.
check:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets --locked -- -D warnings

## Test tools: moto from PyPI into a git-ignored venv, Authsignal's SDKs from npm (pinned by
## tests/node/package-lock.json). Each is re-installed when its pin file changes.
deps: $(VENV)/.installed tests/node/node_modules/.installed

$(VENV)/.installed: tests/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r tests/requirements.txt
	touch $@

tests/node/node_modules/.installed: tests/node/package.json tests/node/package-lock.json
	cd tests/node && npm ci --no-audit --no-fund --loglevel=error
	touch $@

## Regenerate openapi/openapi.json from the code (a test fails when it drifts).
openapi:
	cargo run --quiet -- openapi > openapi/openapi.json

## Benchmarks: token verification (criterion), a load run of GET /v1/me/authenticators, and
## serve's start-up time and memory.
bench:
	cargo bench --bench verify
	cargo bench --bench load
	cargo bench --bench startup

build:
	cargo build --release --locked
