#!/usr/bin/env bash
# `make web-e2e`: starts the real local stack (as devstack/schemathesis.sh does) serving the
# built app with a week of demo history, waits until the inbox has tickets of all three channels
# and the history is seeded (the dashboard test reads it), runs the Playwright browser tests
# against it with Debian's chromium, and stops the stack.
#   usage: web/scripts/e2e.sh MARKETDESK_BIN PORT      (from the repository root)
set -euo pipefail
bin=$1 port=$2
log=$(mktemp)
MARKETDESK_WEB_DIST=web/dist "$bin" dev --no-trickle --history-days "${HISTORY_DAYS:-7}" --port "$port" >"$log" 2>&1 &
stack=$!
trap 'kill -INT $stack 2>/dev/null; wait $stack 2>/dev/null; rm -f "$log"' EXIT
url=http://127.0.0.1:$port
for _ in $(seq 1 120); do
  curl -fsS "$url/v1/health" >/dev/null 2>&1 && break
  kill -0 $stack 2>/dev/null || { cat "$log"; exit 1; }
  sleep 1
done
curl -fsS "$url/v1/health" >/dev/null || { echo "the local stack did not start:"; cat "$log"; exit 1; }
export MARKETDESK_URL=$url
export MARKETDESK_ADMIN_TOKEN=$("$bin" token --tenant demo --user dev-admin --role admin)
export MARKETDESK_ALICE_TOKEN=$("$bin" token --tenant demo --user alice --role agent)
export MARKETDESK_BOB_TOKEN=$("$bin" token --tenant demo --user bob --role agent)
# The inbox test needs every channel: wait until each has a ticket (the pollers' first rounds).
for _ in $(seq 1 120); do
  channels=$(curl -fsS -H "Authorization: Bearer $MARKETDESK_ADMIN_TOKEN" "$url/v1/tickets/counts" 2>/dev/null |
    node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{const c=JSON.parse(s).open.by_channel;console.log(["amazon","ebay","shopify"].filter(k=>c[k]&&c[k].total>0).length)}catch{console.log(0)}})')
  [ "$channels" = 3 ] && break
  sleep 1
done
# The history is seeded in the background once the stack is up; the stack logs when it is done.
if [ "${HISTORY_DAYS:-7}" != 0 ]; then
  for _ in $(seq 1 180); do
    grep -q "demo history" "$log" && break
    sleep 1
  done
  grep -q "demo history seeded" "$log" || { echo "the demo history was not seeded:"; tail -40 "$log"; exit 1; }
fi
cd web
PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npx playwright test || { echo "--- local stack log (tail)"; tail -40 "$log"; exit 1; }
