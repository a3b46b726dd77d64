# marketdesk — `make dev` runs the local stack, `make test` runs every check.
SHELL := /bin/bash
VENV ?= .venv
PYTHON ?= python3
CARGO ?= cargo

.PHONY: dev test lint fmt clippy cargo-test cfn-lint schemathesis bench build deploy clean

TARGET_DIR := $(or $(CARGO_TARGET_DIR),target)
# Environment a deployed function finds (values are placeholders: init reads, never calls).
BENCH_ENV := --env MARKETDESK_TABLE=bench --env MARKETDESK_ESCALATION_QUEUE_ARN=arn:aws:sqs:eu-west-1:123456789012:esc \
	--env MARKETDESK_SCHEDULE_GROUP=bench --env MARKETDESK_SCHEDULER_ROLE_ARN=arn:aws:iam::123456789012:role/s \
	--env MARKETDESK_OUTBOUND_QUEUE_URL=http://127.0.0.1:9/123456789012/outbound \
	--env MARKETDESK_INGEST_QUEUE_URL=http://127.0.0.1:9/123456789012/ingest \
	--env MARKETDESK_POLLER_FUNCTION_ARN=arn:aws:lambda:eu-west-1:123456789012:function:poller \
	--env AWS_REGION=eu-west-1 --env AWS_ACCESS_KEY_ID=bench --env AWS_SECRET_ACCESS_KEY=bench \
	--env AWS_ENDPOINT_URL=http://127.0.0.1:9 --env AWS_MAX_ATTEMPTS=1

dev: $(VENV)/.installed
	$(CARGO) run --quiet -p marketdesk-cli -- dev $(DEV_ARGS)

test: $(VENV)/.installed fmt-check clippy cargo-test cfn-lint schemathesis

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

# Property-based tests of the API on the local stack (no 5xx, every response as documented),
# about half a minute; SCHEMATHESIS_MAX_EXAMPLES and SCHEMATHESIS_SEED tune it.
SCHEMATHESIS_PORT ?= 8391
schemathesis: $(VENV)/.installed
	$(CARGO) build --quiet --locked -p marketdesk-cli
	MARKETDESK_VENV=$(abspath $(VENV)) devstack/schemathesis.sh $(TARGET_DIR)/debug/marketdesk $(VENV) $(SCHEMATHESIS_PORT)

lint: fmt-check clippy cfn-lint

# Ingest throughput and DynamoDB requests per message, then cold start, size and memory of the
# ingest and API functions against a hello-world Rust Lambda (budget: init within 2x).
bench: $(VENV)/.installed
	$(CARGO) build --release --locked -p ingest -p api -p marketdesk-bench
	MARKETDESK_VENV=$(abspath $(VENV)) $(TARGET_DIR)/release/bench
	@echo; echo "release binaries (budget <= 12 MB):"; ls -l $(TARGET_DIR)/release/ingest $(TARGET_DIR)/release/api $(TARGET_DIR)/release/hello | awk '{printf "  %-10s %6.1f MB\n", $$NF, $$5/1048576}'
	@echo; echo "ingest: cold start vs hello-world, 10-message batch (budget: init <= 2x, rss <= 64 MB)"
	$(PYTHON) ../shared/tools/lambda_coldstart.py --bin $(TARGET_DIR)/release/ingest --vs $(TARGET_DIR)/release/hello \
		--event events/sqs_ingest_batch10.json --runs 10 --warm 10 $(BENCH_ENV) 2>/dev/null
	@echo; echo "api: cold start vs hello-world"
	$(PYTHON) ../shared/tools/lambda_coldstart.py --bin $(TARGET_DIR)/release/api --vs $(TARGET_DIR)/release/hello \
		--event events/apigw_get_inbox.json --runs 10 --warm 10 $(BENCH_ENV) 2>/dev/null
	@echo; echo "compliance checker on its labelled corpus (gate per language: recall >= 97 %, false blocks <= 1 %)"
	-$(CARGO) run --quiet --locked -p marketdesk-cli -- check --eval shared/tests/data/compliance/corpus.jsonl --eval shared/tests/data/compliance/heldout.jsonl

# Release binaries as Lambda runs them (cargo-lambda cross-builds for arm64 in `sam build`).
build:
	$(CARGO) build --release --locked -p poller -p ingest -p escalator -p api -p sender

deploy:
	cd infra && sam build && sam deploy --guided

clean:
	$(CARGO) clean
	rm -rf $(VENV)
