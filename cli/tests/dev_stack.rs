//! `marketdesk dev` as a user runs it (the binary, its default log filter or `RUST_LOG`):
//! - every alert the escalator sends shows as a line in its log and as a post on the Slack sink
//!   (what `marketdesk alerts` prints), the same alerts in both;
//! - at `RUST_LOG=debug`, through ingestion of every channel, replies and alerts, no log line
//!   holds a buyer's e-mail address, a token, a webhook URL or a credential;
//! - `marketdesk chaos` (`make chaos`) at a small size loses and duplicates nothing.
//!
//! The sandbox's eBay histories hold buyer messages left unanswered for days: the stack's
//! sweep (every minute locally) alerts on them soon after the first polls.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_marketdesk");

/// A running `marketdesk dev` in a directory of its own, its log collected; killed on drop.
struct DevStack {
    child: Child,
    dir: PathBuf,
    port: u16,
    log: Arc<Mutex<Vec<String>>>,
}

impl DevStack {
    fn start(name: &str, rust_log: Option<&str>, extra: &[&str]) -> DevStack {
        let dir = std::env::temp_dir().join(format!("marketdesk-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port");
        let mut command = Command::new(BIN);
        command
            .args(["dev", "--port", &port.to_string(), "--history-days", "0"])
            .args(extra)
            .current_dir(&dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        match rust_log {
            Some(filter) => command.env("RUST_LOG", filter),
            None => command.env_remove("RUST_LOG"),
        };
        let mut child = command.spawn().expect("marketdesk dev starts");
        let stderr = child.stderr.take().unwrap();
        let log: Arc<Mutex<Vec<String>>> = Arc::default();
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                sink.lock().unwrap().push(line);
            }
        });
        DevStack {
            child,
            dir,
            port,
            log,
        }
    }

    fn lines(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }

    /// Runs another `marketdesk` command against this stack (it finds it in `.devstack/`).
    fn command(&self, args: &[&str]) -> Option<String> {
        let out = Command::new(BIN)
            .args(args)
            .current_dir(&self.dir)
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// The posts the Slack sink received, as `marketdesk alerts --json` prints them.
    fn posts(&self) -> Vec<serde_json::Value> {
        self.command(&["alerts", "--json"])
            .and_then(|out| serde_json::from_str::<serde_json::Value>(&out).ok())
            .and_then(|v| v["posts"].as_array().cloned())
            .unwrap_or_default()
    }

    fn stack_file(&self) -> Option<serde_json::Value> {
        let text = std::fs::read_to_string(self.dir.join(".devstack/stack.json")).ok()?;
        serde_json::from_str(&text).ok()
    }

    /// Waits up to `patience` for `done` to say yes, failing with the log.
    fn wait(&self, what: &str, patience: Duration, mut done: impl FnMut(&DevStack) -> bool) {
        let started = Instant::now();
        while !done(self) {
            assert!(
                started.elapsed() < patience,
                "{what}: not after {} s; log:\n{}",
                patience.as_secs(),
                self.lines().join("\n")
            );
            std::thread::sleep(Duration::from_secs(2));
        }
    }
}

impl Drop for DevStack {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

const ALERT_LINES: [&str; 3] = [
    "SLA alert sent",
    "account-health warning sent",
    "account-health digest sent",
];

/// The `name=…` field of a log line.
fn field<'a>(line: &'a str, name: &str) -> Option<&'a str> {
    let key = format!(" {name}=");
    let rest = &line[line.find(&key)? + key.len()..];
    rest.split_whitespace().next()
}

#[test]
fn every_alert_the_dev_stack_sends_is_in_its_log_and_on_the_slack_sink() {
    let stack = DevStack::start("alerts", None, &["--no-trickle"]);
    let alert_lines = |s: &DevStack| -> Vec<String> {
        s.lines()
            .into_iter()
            .filter(|l| ALERT_LINES.iter().any(|a| l.contains(a)))
            .collect()
    };
    // Until an SLA alert is in and the log and the sink agree on the count twice in a row
    // (while alerts are still arriving they may differ for a moment).
    let mut agreed = 0;
    stack.wait(
        "the log and the sink agree",
        Duration::from_secs(240),
        |s| {
            let (lines, posts) = (alert_lines(s), s.posts());
            let sla = lines.iter().any(|l| l.contains("SLA alert sent"));
            agreed = if sla && lines.len() == posts.len() {
                agreed + 1
            } else {
                0
            };
            agreed == 2
        },
    );
    let (lines, posts) = (alert_lines(&stack), stack.posts());

    // Each SLA line names its channel and threshold, and a ticket one post of its own links to.
    let sla: Vec<&String> = lines
        .iter()
        .filter(|l| l.contains("SLA alert sent"))
        .collect();
    assert!(!sla.is_empty(), "no SLA alert among {lines:?}");
    let mut matched = BTreeSet::new();
    for line in sla {
        assert!(
            field(line, "channel").is_some() && field(line, "threshold").is_some(),
            "{line}"
        );
        let ticket = field(line, "ticket").unwrap_or_else(|| panic!("no ticket in {line}"));
        let post = (0..posts.len())
            .find(|i| !matched.contains(i) && posts[*i]["payload"].to_string().contains(ticket))
            .unwrap_or_else(|| panic!("no post on the sink for {ticket}: {posts:?}"));
        matched.insert(post);
    }
}

/// Runs one async HTTP exchange to completion (the test itself is plain threads and sleeps).
fn block<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
        .block_on(f)
}

/// One call of the emulator's Secrets Manager (moto serves the plain JSON protocol).
fn secrets_call(emulator: &str, target: &str, body: serde_json::Value) -> serde_json::Value {
    block(async {
        reqwest::Client::new()
            .post(emulator)
            .header("X-Amz-Target", format!("secretsmanager.{target}"))
            .header("Content-Type", "application/x-amz-json-1.1")
            .header(
                "Authorization",
                "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/secretsmanager/aws4_request",
            )
            .body(body.to_string())
            .send()
            .await?
            .json::<serde_json::Value>()
            .await
    })
    .expect("the emulator answers")
}

/// Every string value of the stack's secrets (the channel and carrier credentials).
fn secret_values(emulator: &str) -> Vec<String> {
    let mut values = Vec::new();
    let listed = secrets_call(emulator, "ListSecrets", serde_json::json!({}));
    for s in listed["SecretList"].as_array().cloned().unwrap_or_default() {
        let got = secrets_call(
            emulator,
            "GetSecretValue",
            serde_json::json!({"SecretId": s["Name"]}),
        );
        let text = got["SecretString"].as_str().unwrap_or_default();
        match serde_json::from_str::<serde_json::Value>(text) {
            Ok(v) => collect_strings(&v, &mut values),
            Err(_) => values.push(text.to_owned()),
        }
    }
    // Names and short flags are not secrets; keys, tokens and URLs are long.
    values.retain(|v| v.len() >= 12);
    values
}

fn collect_strings(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Array(a) => a.iter().for_each(|x| collect_strings(x, out)),
        serde_json::Value::Object(o) => o.values().for_each(|x| collect_strings(x, out)),
        _ => {}
    }
}

/// Whether `line` holds something shaped like an e-mail address other than the seller's own
/// (the demo accounts' sending addresses are the seller's, not a buyer's).
fn buyer_address(line: &str) -> Option<String> {
    for (at, _) in line.match_indices('@') {
        let local = line[..at]
            .rsplit(|c: char| !(c.is_ascii_alphanumeric() || "._%+-".contains(c)))
            .next()
            .unwrap_or("");
        let domain: String = line[at + 1..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || ".-".contains(*c))
            .collect();
        let domain = domain.trim_end_matches('.');
        if local.is_empty() || !domain.contains('.') {
            continue;
        }
        if domain == "demo-shop.example" {
            continue;
        }
        return Some(format!("{local}@{domain}"));
    }
    None
}

#[test]
fn at_debug_level_no_log_line_holds_an_address_a_token_or_a_credential() {
    let stack = DevStack::start(
        "secrets",
        Some("debug,hyper=info,h2=info,rustls=info"),
        &["--rate", "120"],
    );
    let api = format!("http://127.0.0.1:{}/v1", stack.port);
    stack.wait("the stack file", Duration::from_secs(120), |s| {
        s.stack_file().is_some()
    });
    let token = stack
        .command(&["token", "--user", "log-check", "--role", "admin"])
        .expect("a dev token")
        .trim()
        .to_owned();
    let get = |path: &str| -> serde_json::Value {
        block(async {
            reqwest::Client::new()
                .get(format!("{api}{path}"))
                .bearer_auth(&token)
                .send()
                .await?
                .json::<serde_json::Value>()
                .await
        })
        .unwrap_or_default()
    };
    // Tickets of every channel, relay e-mails among them (the trickle writes one every 0.5 s).
    stack.wait("tickets of every channel", Duration::from_secs(180), |_| {
        let inbox = get("/tickets?limit=100");
        let channels: BTreeSet<String> = inbox["items"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|t| t["channel"].as_str().map(str::to_owned))
            .collect();
        ["amazon", "ebay", "shopify"]
            .iter()
            .all(|c| channels.contains(*c))
    });
    // A reply on one ticket of each channel, through the sender.
    let inbox = get("/tickets?limit=100");
    let mut replied = BTreeSet::new();
    for t in inbox["items"].as_array().into_iter().flatten() {
        let channel = t["channel"].as_str().unwrap_or_default().to_owned();
        if replied.contains(&channel) {
            continue;
        }
        let id = t["id"].as_str().unwrap_or_default();
        let reply = serde_json::json!({
            "body": "Hello, thank you for your message. Your parcel is on its way and should \
                     arrive within two working days. Kind regards",
            "expected_version": t["version"],
        });
        let status = block(async {
            reqwest::Client::new()
                .post(format!("{api}/tickets/{id}/replies"))
                .bearer_auth(&token)
                .json(&reply)
                .send()
                .await
                .map(|r| r.status().as_u16())
        })
        .unwrap_or(0);
        if status == 202 {
            replied.insert(channel);
        }
    }
    assert!(!replied.is_empty(), "no reply was accepted");
    stack.wait(
        "alerts and the replies handled",
        Duration::from_secs(180),
        |s| {
            let handled = s
                .lines()
                .iter()
                .filter(|l| l.contains("outbound record handled"))
                .count();
            !s.posts().is_empty() && handled >= replied.len()
        },
    );
    std::thread::sleep(Duration::from_secs(5));

    let emulator = stack.stack_file().unwrap()["emulator"]
        .as_str()
        .unwrap()
        .to_owned();
    let slack = stack.stack_file().unwrap()["slack"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let mut secrets = secret_values(&emulator);
    assert!(
        secrets.len() >= 5,
        "the sandboxes' credentials are in the emulator: {}",
        secrets.len()
    );
    secrets.push(token.clone());
    let lines = stack.lines();
    assert!(
        lines.len() > 500,
        "debug logging is on: {} lines",
        lines.len()
    );
    let mut found = Vec::new();
    for line in &lines {
        if let Some(address) = buyer_address(line) {
            found.push(format!("address {address}: {line}"));
        }
        for secret in &secrets {
            if line.contains(secret.as_str()) {
                found.push(format!("secret {}…: {line}", &secret[..4]));
            }
        }
        // JWTs, Slack webhook paths, bearer headers.
        for shape in ["eyJhbGci", "/services/", "Bearer ey"] {
            if line.contains(shape) {
                found.push(format!("{shape}: {line}"));
            }
        }
        if !slack.is_empty() && line.contains(&format!("{slack}/services")) {
            found.push(format!("webhook: {line}"));
        }
    }
    found.truncate(20);
    assert!(found.is_empty(), "{}", found.join("\n"));
}

/// `make chaos` at a small size, as part of `make test`: 100 buyer messages and 10 replies
/// through the whole stack while marketplace and carrier calls fail, the emulator
/// throttles writes, records are redelivered and two workers are killed mid-batch. The run's
/// own check against its ledger must find nothing lost and nothing twice.
#[test]
fn a_short_chaos_run_loses_and_duplicates_nothing() {
    let out = Command::new(BIN)
        .arg("chaos")
        .env("CHAOS_SEED", "19")
        .env("CHAOS_MESSAGES", "100")
        .env("CHAOS_REPLIES", "10")
        .env("CHAOS_KILLS", "2")
        .env("CHAOS_PATIENCE_SECONDS", "120")
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .output()
        .expect("marketdesk chaos runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 1, "one summary line\n{stdout}\n{stderr}");
    let line = lines[0];
    let padded = format!(" {line}");
    let count = |name: &str| -> u64 {
        field(&padded, name)
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{name} in {line}"))
    };
    assert_eq!(count("messages"), 100, "{line}");
    assert_eq!(
        count("stored") + count("quarantined"),
        100,
        "{line}\n{stderr}"
    );
    for zero in ["lost", "duplicated", "sent_twice", "duplicate_alerts"] {
        assert_eq!(count(zero), 0, "{zero}: {line}\n{stderr}");
    }
    assert_eq!(count("replies"), 10, "{line}");
    assert!(count("sent_once") > 0, "{line}\n{stderr}");
    assert!(out.status.success(), "{line}\n{stderr}");
}
