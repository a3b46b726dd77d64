#!/usr/bin/env bash
# `make schemathesis`: starts the local stack, runs schemathesis against its OpenAPI document with
# an admin token of the demo tenant, and stops the stack. Fails on a 5xx or on a response that
# does not match the documented schema.
#   usage: devstack/schemathesis.sh MARKETDESK_BIN VENV PORT
set -euo pipefail
bin=$1 venv=$2 port=$3
log=$(mktemp)
"$bin" dev --no-trickle --history-days 0 --port "$port" >"$log" 2>&1 &
stack=$!
# SIGINT is the local stack's graceful stop (it stops the emulator and the sandboxes).
trap 'kill -INT $stack 2>/dev/null; wait $stack 2>/dev/null; rm -f "$log"' EXIT
url=http://127.0.0.1:$port
for _ in $(seq 1 120); do
  curl -fsS "$url/v1/health" >/dev/null 2>&1 && break
  kill -0 $stack 2>/dev/null || { cat "$log"; exit 1; }
  sleep 1
done
curl -fsS "$url/v1/health" >/dev/null || { echo "the local stack did not start:"; cat "$log"; exit 1; }
token=$("$bin" token --tenant demo --role admin)
# The ticket routes are exercised on a real ticket: wait until the stack has ingested one.
ticket=
for _ in $(seq 1 120); do
  ticket=$(curl -fsS -H "Authorization: Bearer $token" "$url/v1/tickets?limit=1" 2>/dev/null |
    "$venv/bin/python" -c 'import json, sys; items = json.load(sys.stdin)["items"]; print(items[0]["id"] if items else "")' || true)
  [ -n "$ticket" ] && break
  sleep 1
done
[ -n "$ticket" ] || { echo "the local stack ingested no ticket:"; cat "$log"; exit 1; }
export MARKETDESK_ST_TICKET=$ticket
"$venv/bin/st" --config-file "$(dirname "$0")/schemathesis.toml" run "$url/v1/openapi.json" \
  --header "Authorization: Bearer $token" \
  --checks not_a_server_error,response_schema_conformance \
  --max-examples "${SCHEMATHESIS_MAX_EXAMPLES:-20}" \
  --seed "${SCHEMATHESIS_SEED:-1}" \
  ${SCHEMATHESIS_PHASES:+--phases "$SCHEMATHESIS_PHASES"} \
  --generation-database none \
  --no-color
