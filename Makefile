# marketdesk — `make dev` runs the local stack, `make test` runs every check.
SHELL := /bin/bash
VENV ?= .venv
PYTHON ?= python3
CARGO ?= cargo

.PHONY: dev test chaos lint fmt clippy cargo-test cfn-lint checkov schemathesis schemathesis-stateful bench bench-build bench-coldstart build deploy clean \
	web-build web-api web-check web-unit web-e2e web-test web-size web-deploy chromium

TARGET_DIR := $(or $(CARGO_TARGET_DIR),target)
# Environment a deployed function finds (values are placeholders: init reads, never calls).
BENCH_ENV := --env MARKETDESK_TABLE=bench --env MARKETDESK_ESCALATION_QUEUE_ARN=arn:aws:sqs:eu-west-1:123456789012:esc \
	--env MARKETDESK_SCHEDULE_GROUP=bench --env MARKETDESK_SCHEDULER_ROLE_ARN=arn:aws:iam::123456789012:role/s \
	--env MARKETDESK_OUTBOUND_QUEUE_URL=http://127.0.0.1:9/123456789012/outbound \
	--env MARKETDESK_INGEST_QUEUE_URL=http://127.0.0.1:9/123456789012/ingest \
	--env MARKETDESK_POLLER_FUNCTION_ARN=arn:aws:lambda:eu-west-1:123456789012:function:poller \
	--env AWS_REGION=eu-west-1 --env AWS_ACCESS_KEY_ID=bench --env AWS_SECRET_ACCESS_KEY=bench \
	--env MARKETDESK_ESCALATION_QUEUE_URL=http://127.0.0.1:9/123456789012/esc --env MARKETDESK_MAIL_BUCKET=bench \
	--env MARKETDESK_FRONTEND_URL=https://app.example.com --env MARKETDESK_SLACK_WEBHOOK_URL=http://127.0.0.1:9/slack \
	--env AWS_ENDPOINT_URL=http://127.0.0.1:9 --env AWS_MAX_ATTEMPTS=1

dev: $(VENV)/.installed web-build
	$(CARGO) run --quiet -p marketdesk-cli -- dev $(DEV_ARGS)

test: $(VENV)/.installed fmt-check clippy cargo-test cfn-lint checkov schemathesis web-test

# The local stack under a seeded load with faults everywhere (docs/architecture.md, "Chaos
# run"): 2 000 buyer messages, 200 replies, 5 worker kills; CHAOS_SEED, CHAOS_MESSAGES,
# CHAOS_REPLIES, CHAOS_KILLS (and CHAOS_FAULT_PERCENT, CHAOS_REDELIVER_PERCENT,
# CHAOS_THROTTLE_PERCENT) tune it. Prints one summary line; exits 1 on a loss or a duplicate.
chaos: $(VENV)/.installed
	$(CARGO) build --quiet --locked -p marketdesk-cli
	MARKETDESK_VENV=$(abspath $(VENV)) $(TARGET_DIR)/debug/marketdesk chaos

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

# Security checks of the template: zero failures; every skip is in the template with its reason.
# checkov has its own virtualenv (requirements-checkov.txt says why).
CHECKOV_VENV ?= .venv-checkov
$(CHECKOV_VENV)/.installed: requirements-checkov.txt
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-checkov.txt
	touch $@

checkov: $(CHECKOV_VENV)/.installed
	BC_SKIP_MAPPING=TRUE $(CHECKOV_VENV)/bin/checkov --file infra/template.yaml --framework cloudformation \
		--compact --quiet --skip-download

# Property-based tests of the API on the local stack (no 5xx, every response as documented),
# about half a minute; SCHEMATHESIS_MAX_EXAMPLES and SCHEMATHESIS_SEED tune it.
SCHEMATHESIS_PORT ?= 8391
schemathesis: $(VENV)/.installed
	$(CARGO) build --quiet --locked -p marketdesk-cli
	MARKETDESK_VENV=$(abspath $(VENV)) devstack/schemathesis.sh $(TARGET_DIR)/debug/marketdesk $(VENV) $(SCHEMATHESIS_PORT)

# On demand: schemathesis' stateful phase alone (following the OpenAPI links from listings to
# ticket routes and from created resources to theirs) with ten times the examples.
schemathesis-stateful: $(VENV)/.installed
	$(CARGO) build --quiet --locked -p marketdesk-cli
	SCHEMATHESIS_PHASES=stateful SCHEMATHESIS_MAX_EXAMPLES=$${SCHEMATHESIS_MAX_EXAMPLES:-200} \
		MARKETDESK_VENV=$(abspath $(VENV)) devstack/schemathesis.sh $(TARGET_DIR)/debug/marketdesk $(VENV) $(SCHEMATHESIS_PORT)

lint: fmt-check clippy cfn-lint checkov web-check

# The web app (web/): installed with npm ci from the committed lockfile; never a browser download.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1
WEB_PORT ?= 8392
web/node_modules/.installed: web/package-lock.json
	command -v npm >/dev/null || (apt-get update -qq && apt-get install -y -qq nodejs npm)
	cd web && npm ci --no-audit --no-fund
	touch $@

# The production build that `make dev` serves on the API's port and `make deploy` uploads.
web-build: web/node_modules/.installed
	cd web && npm run build

# Regenerates the typed client (web/src/api/schema.d.ts) from the API's OpenAPI document
# (`marketdesk openapi`); `make web-api URL=http://127.0.0.1:8080/v1/openapi.json` reads a running stack.
web-api: web/node_modules/.installed
	cd web && node scripts/gen-api.mjs $(URL)

# eslint, tsc --noEmit, and the committed client matching the API's document.
web-check: web/node_modules/.installed
	cd web && npm run lint && npm run typecheck && node scripts/gen-api.mjs --check

web-unit: web/node_modules/.installed
	cd web && npm test

# Debian's chromium drives the browser tests (Playwright's own browser builds are not used).
chromium:
	command -v chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)

# Browser tests against the real local stack (started and stopped by the script); screenshots
# in web/test-results/.
web-e2e: $(VENV)/.installed web-build chromium
	$(CARGO) build --quiet --locked -p marketdesk-cli
	MARKETDESK_VENV=$(abspath $(VENV)) web/scripts/e2e.sh $(TARGET_DIR)/debug/marketdesk $(WEB_PORT)

web-test: web-check web-unit web-e2e

web-size: web-build
	node web/scripts/size.mjs

# After `make deploy`: config.json from the stack's WebConfig output, the build to the web
# bucket, and the page + config invalidated at CloudFront. STACK names the stack.
STACK ?= marketdesk
web-deploy: web-build
	out() { aws cloudformation describe-stacks --stack-name $(STACK) --output text \
	  --query "Stacks[0].Outputs[?OutputKey=='$$1'].OutputValue"; }; \
	out WebConfig > web/dist/config.json && \
	aws s3 sync web/dist "s3://$$(out WebBucketName)" --delete && \
	aws cloudfront create-invalidation --distribution-id "$$(out WebDistributionId)" --paths /index.html /config.json

# Ingest throughput and DynamoDB requests per message, then cold start, size and memory of all
# five functions against a hello-world Rust Lambda (budgets: init <= 2x, <= 12 MB, rss <= 64 MB).
bench: $(VENV)/.installed web-size bench-build
	MARKETDESK_VENV=$(abspath $(VENV)) $(TARGET_DIR)/release/bench
	@echo
	$(MAKE) --no-print-directory bench-coldstart
	@echo; echo "compliance checker on its labelled corpus (gate per language: recall >= 97 %, false blocks <= 1 %)"
	-$(CARGO) run --quiet --locked -p marketdesk-cli -- check --eval shared/tests/data/compliance/corpus.jsonl --eval shared/tests/data/compliance/heldout.jsonl

# One build of the five functions and the bench crate (hello-world included), so features resolve once.
bench-build:
	$(CARGO) build --release --locked -p poller -p ingest -p escalator -p api -p sender -p marketdesk-bench

# Cold start of every function vs hello-world in one run, as a table with the budgets beside
# (bench/coldstart.py says which event each function gets); exits 1 when one is over budget.
COLDSTART_RUNS ?= 10
bench-coldstart: bench-build
	$(PYTHON) bench/coldstart.py --target-dir $(TARGET_DIR) --runs $(COLDSTART_RUNS) --warm 10 $(BENCH_ENV)

# Release binaries as Lambda runs them (cargo-lambda cross-builds for arm64 in `sam build`).
build:
	$(CARGO) build --release --locked -p poller -p ingest -p escalator -p api -p sender

deploy:
	cd infra && sam build && sam deploy --guided

clean:
	$(CARGO) clean
	rm -rf $(VENV)
