# marketdesk — `make dev` runs the local stack, `make test` runs every check.
SHELL := /bin/bash
VENV ?= .venv
PYTHON ?= python3
CARGO ?= cargo

.PHONY: dev test lint fmt clippy cargo-test cfn-lint bench build deploy clean

dev: $(VENV)/.installed
	$(CARGO) run --quiet -p marketdesk-cli -- dev $(DEV_ARGS)

test: $(VENV)/.installed fmt-check clippy cargo-test cfn-lint

# The virtualenv with the AWS emulator (moto) and cfn-lint, pinned in requirements-dev.txt.
$(VENV)/.installed: requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

.venv: $(VENV)/.installed

fmt-check:
	$(CARGO) fmt --all -- --check

fmt:
	$(CARGO) fmt --all

clippy:
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings

cargo-test: $(VENV)/.installed
	MARKETDESK_VENV=$(abspath $(VENV)) $(CARGO) test --workspace --locked

cfn-lint: $(VENV)/.installed
	$(VENV)/bin/cfn-lint infra/template.yaml

lint: fmt-check clippy cfn-lint

# Release binaries as Lambda runs them (cargo-lambda cross-builds for arm64 in `sam build`).
build:
	$(CARGO) build --release --locked -p poller -p ingest -p escalator -p api -p sender

deploy:
	cd infra && sam build && sam deploy --guided

clean:
	$(CARGO) clean
	rm -rf $(VENV)
