# bento-console: `make run` serves the console, `make test` runs every check.
# Both install what is missing first (scripts/install-tools.sh) and are quick when it is there.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c

# Build output lives outside the clone so every clone (and CI) builds incrementally.
export CARGO_TARGET_DIR ?= $(HOME)/.cache/bento-console/target
export BENTO_CONSOLE_TOOLS_DIR ?= $(HOME)/.cache/bento-console/tools
# Python tools for the client tests, each in its own cached virtualenv.
export BENTO_CONSOLE_SCHEMATHESIS_VENV ?= $(HOME)/.cache/bento-console/schemathesis-venv
export BENTO_CONSOLE_GRPC_VENV ?= $(HOME)/.cache/bento-console/grpc-venv
export PATH := $(BENTO_CONSOLE_TOOLS_DIR)/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)

DATABASE_URL ?= sqlite://data/console.db
export DATABASE_URL

.PHONY: run test tools build-release build-dev watch lint unit cli e2e bench bench-first-build clean

## run: build in release mode and serve http://127.0.0.1:3000 (data in ./data/console.db)
run: build-release
	$(CARGO_TARGET_DIR)/release/bento-console serve

## test: formatting, clippy (server and browser), unit and integration tests, the real bentoml
## CLI and schemathesis against the API, real gRPC clients through the gateway, end-to-end
## tests in Chromium
test: lint unit cli e2e

# scripts/build.sh installs the browser half's tools itself, while the server half compiles.
build-release:
	scripts/build.sh release

build-dev:
	scripts/build.sh

## watch: rebuild and restart on every change (installs cargo-leptos once, 15-20 minutes)
watch:
	scripts/install-tools.sh watch
	# cargo-leptos publishes plain names only: pages must not name an older build's hashed files.
	rm -f target/site/pkg/hash.txt
	cargo leptos watch

lint:
	scripts/install-tools.sh build
	cargo fmt --check
	cargo clippy --features ssr --all-targets -- -D warnings
	cargo clippy --lib --features hydrate --target wasm32-unknown-unknown -- -D warnings

## unit: unit and integration tests, the integration suite once on SQLite and once on a
## throwaway PostgreSQL cluster (scripts/with-postgres.sh installs and starts it)
unit:
	cargo test --features ssr --lib --bins --tests
	scripts/with-postgres.sh cargo test --features ssr --test api

cli: unit
	scripts/install-bentoml.sh
	scripts/install-venv.sh $(BENTO_CONSOLE_SCHEMATHESIS_VENV) schemathesis==4.32.5
	scripts/install-venv.sh $(BENTO_CONSOLE_GRPC_VENV) grpcio==1.85.1 grpcio-health-checking==1.85.1
	BENTO_CONSOLE_BIN=$(CARGO_TARGET_DIR)/debug/bento-console scripts/test-api-clients.sh
	BENTO_CONSOLE_BIN=$(CARGO_TARGET_DIR)/debug/bento-console scripts/test-grpc-clients.sh

e2e: build-dev
	scripts/install-tools.sh browser e2e
	# The real bentoml CLI, driven by pexpect, signs in through the browser (cli-login.spec.ts).
	scripts/install-bentoml.sh
	cd end2end && BENTO_CONSOLE_BIN=$(CARGO_TARGET_DIR)/debug/bento-console npx playwright test
	cd end2end && BENTO_CONSOLE_BIN=$(CARGO_TARGET_DIR)/debug/bento-console \
	  ../scripts/with-postgres.sh npx playwright test --output test-results-postgres tests/tokens.spec.ts \
	    tests/token-lifecycle.spec.ts tests/deployments.spec.ts tests/gateway.spec.ts tests/cli-login.spec.ts \
	    tests/teams.spec.ts

## bench: token verification, page render and create latencies; API and gateway throughput with
## wrk (the gateway against nginx); SQLite against PostgreSQL; two replicas against one, and
## revocation propagation between them; bytes on the wire for the first and second load of
## /api_tokens in Chromium
bench: build-release
	scripts/install-tools.sh bench
	cargo bench --features ssr --bench tokens
	scripts/install-tools.sh browser e2e
	benches/first-load.sh 5
	benches/console-load.sh 10
	benches/gateway-load.sh 10
	scripts/with-postgres.sh benches/engines.sh 10
	scripts/with-postgres.sh benches/replicas.sh 10 1000

## bench-first-build: what a new machine pays for its first `make run` (a fresh clone under a
## fresh HOME: crates downloaded, tools installed, everything compiled), and a `make run` with
## nothing to do; half an hour on 2 cores, so not part of `make bench`
bench-first-build:
	benches/first-build.sh

clean:
	cargo clean
	rm -rf target/site
