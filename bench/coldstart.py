#!/usr/bin/env python3
"""Cold start, size and memory of every Lambda function against a hello-world Rust Lambda.

  bench/coldstart.py --target-dir target [--runs 10] [--warm 10] [--env KEY=VALUE ...] [--json]

Each function is measured by ../shared/tools/lambda_coldstart.py --vs the hello-world binary
(bench/src/bin/hello.rs): runs alternate function / hello so machine drift falls on both, and the
init ratio is of the two medians. The environment is the placeholder one of `make bench`
(BENCH_ENV): init reads it and never calls the network.

Every event is one the function accepts:
  api        GET /v1/tickets (events/apigw_get_inbox.json): the store call is refused by the
             placeholder endpoint, the API answers its problem document
  ingest     a 10-message SQS batch (events/sqs_ingest_batch10.json): each record fails at its
             first AWS call and is reported in batchItemFailures
  escalator  an SLA trigger from the escalation queue (events/sqs_escalation.json): fails at the
             policy read, reported as a batch item failure
  sender     an outbound reply record (events/sqs_outbound.json): fails at the message read,
             reported as a batch item failure
  poller     a poll schedule's input (events/poll_request.json): an error from the store would be
             an invocation error, so the poller alone talks to a stand-in DynamoDB on loopback
             that answers GetItem with the account, disabled; the handler reads it, skips the
             account and answers its report

Prints a table with the budgets beside (init <= 2.0x hello-world, release binary <= 12 MB,
peak RSS <= 64 MB) and exits 1 when a function is over one of them.
"""
import argparse, json, os, statistics, subprocess, sys, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOOL = os.path.join(ROOT, "..", "shared", "tools", "lambda_coldstart.py")
FUNCTIONS = [
    ("api", "events/apigw_get_inbox.json"),
    ("ingest", "events/sqs_ingest_batch10.json"),
    ("poller", "events/poll_request.json"),
    ("escalator", "events/sqs_escalation.json"),
    ("sender", "events/sqs_outbound.json"),
]
MAX_RATIO, MAX_MB, MAX_RSS = 2.0, 12.0, 64.0
MB = 1_000_000


class StandInDynamo(BaseHTTPRequestHandler):
    """DynamoDB's JSON protocol for the one call the poller makes: GetItem of an account."""

    def log_message(self, *a):
        pass

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        target = self.headers.get("X-Amz-Target", "")
        key = body.get("Key", {})
        sk = key.get("SK", {}).get("S", "")
        if target.endswith(".GetItem") and sk.startswith("ACCT#"):
            tenant = key["PK"]["S"].split("#")[1]
            item = {**key, "id": {"S": sk[len("ACCT#"):]}, "tenant": {"S": tenant},
                    "channel": {"S": "ebay"},
                    "marketplace": {"M": {"id": {"S": "EBAY_IT"}, "country": {"S": "IT"}}},
                    "display_name": {"S": "bench"}, "credentials": {"S": f"marketdesk/{tenant}/bench"},
                    "poll_interval_minutes": {"N": "15"}, "enabled": {"BOOL": False},
                    "created_at": {"S": "2026-01-01T00:00:00Z"}, "version": {"N": "1"}}
            code, out = 200, {"Item": item}
        else:
            code, out = 400, {"__type": "com.amazonaws.dynamodb.v20120810#ValidationException",
                              "message": f"the bench stand-in answers only GetItem of an account, not {target}"}
        data = json.dumps(out).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/x-amz-json-1.0")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def measure(binary, hello, event, runs, warm, env):
    args = [sys.executable, TOOL, "--bin", binary, "--vs", hello, "--event", event,
            "--runs", str(runs), "--warm", str(warm), "--json"]
    for kv in env:
        args += ["--env", kv]
    out = subprocess.run(args, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"{os.path.basename(binary)}: {out.stderr.strip() or out.stdout.strip()}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--target-dir", default=os.environ.get("CARGO_TARGET_DIR", "target"))
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--warm", type=int, default=10)
    ap.add_argument("--env", action="append", default=[], help="KEY=VALUE for every function")
    ap.add_argument("--only", action="append", help="measure only these functions")
    ap.add_argument("--json", action="store_true", help="also print every result as one JSON line")
    a = ap.parse_args()
    release = os.path.join(a.target_dir, "release")
    hello = os.path.join(release, "hello")

    dynamo = ThreadingHTTPServer(("127.0.0.1", 0), StandInDynamo)
    threading.Thread(target=dynamo.serve_forever, daemon=True).start()
    poller_env = [f"AWS_ENDPOINT_URL=http://127.0.0.1:{dynamo.server_address[1]}"]

    results = []
    for name, event in FUNCTIONS:
        if a.only and name not in a.only:
            continue
        env = a.env + (poller_env if name == "poller" else [])
        r = measure(os.path.join(release, name), hello, os.path.join(ROOT, event), a.runs, a.warm, env)
        r["name"], r["size_mb"] = name, os.path.getsize(os.path.join(release, name)) / MB
        results.append(r)
    dynamo.shutdown()

    # hello-world's row: the medians of its interleaved runs beside each function.
    vs = [r["vs"] for r in results]
    hello_row = {"name": "hello", "size_mb": os.path.getsize(hello) / MB, "ratio_init": 1.0,
                 **{k: statistics.median(v[k] for v in vs) for k in ("init_ms", "first_ms", "warm_ms", "rss_mb")}}

    print(f"cold start vs hello-world, {a.runs} runs x ({a.warm} warm) each, medians")
    head = f"{'function':<10} {'size MB':>8} {'init ms':>8} {'init x':>7} {'first ms':>9} {'warm ms':>8} {'rss MB':>7}"
    print(head)
    print("-" * len(head))
    over = []
    for r in results + [hello_row]:
        flags = []
        if r["name"] != "hello":
            if r["ratio_init"] > MAX_RATIO:
                flags.append("init")
            if r["size_mb"] > MAX_MB:
                flags.append("size")
            if r["rss_mb"] > MAX_RSS:
                flags.append("rss")
        if flags:
            over.append(f"{r['name']} ({', '.join(flags)})")
        print(f"{r['name']:<10} {r['size_mb']:>8.1f} {r['init_ms']:>8.2f} {r['ratio_init']:>6.2f}x "
              f"{r['first_ms']:>9.2f} {r['warm_ms']:>8.2f} {r['rss_mb']:>7.1f}"
              + (f"   over budget: {', '.join(flags)}" if flags else ""))
    print(f"{'budget':<10} {MAX_MB:>8.1f} {'':>8} {MAX_RATIO:>6.2f}x {'':>9} {'':>8} {MAX_RSS:>7.1f}")
    if a.json:
        print(json.dumps(results + [hello_row]))
    if over:
        print("over budget: " + "; ".join(over))
        sys.exit(1)
    print("every function within budget")


if __name__ == "__main__":
    main()
