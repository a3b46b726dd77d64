//! `make bench`: what the ingest worker costs.
//!
//! 1. The pure pipeline (no I/O): queue body → normalised message → planned write, on one core,
//!    for polled channel messages and for raw relay e-mails (MIME parsing included).
//! 2. DynamoDB requests per ingested message, counted by an SDK interceptor against the
//!    emulator, for new conversations, follow-ups and relay mails (budget: ≤ 3).
//!
//! 3. DynamoDB requests and time per API operation (inbox page, ticket view, reply) with 1 000
//!    and 100 000 tickets in the tenant (budgets: 1, ≤ 2, ≤ 2; the inbox costs the same).
//!
//! Cold start, binary size and memory are measured by `make bench` with
//! `../shared/tools/lambda_coldstart.py` against the `hello` binary of this crate.

mod api_costs;
mod report_costs;

use std::time::{Duration, Instant};

use aws_lambda_events::event::sqs::SqsEvent;
use chrono::{DateTime, Utc};
use marketdesk::adapters::s3::S3MailBlobs;
use marketdesk::domain::{AccountId, Channel, Direction, TenantId};
use marketdesk::escalation::NoSchedules;
use marketdesk::inbound_mail;
use marketdesk::ingest::service::StoredContextOnly;
use marketdesk::ingest::{
    IngestInput, Ingestor, MessageEvent, SourceEvent, inbound, parse_body, plan,
};
use marketdesk::store::{AccountStore, InboundContext};
use marketdesk_devstack::demo::demo_accounts;
use marketdesk_devstack::testing::fresh_stack;

const BUDGET_REQUESTS_PER_MESSAGE: f64 = 3.0;
/// DynamoDB requests of an inbox page, a ticket view and a reply (docs/architecture.md).
const BUDGET_API: (u64, u64, u64) = (1, 2, 2);

fn now() -> DateTime<Utc> {
    "2026-11-20T12:00:00Z".parse().expect("valid")
}

fn ebay_body(tenant: &TenantId, conversation: usize, n: usize) -> String {
    serde_json::to_string(&SourceEvent::Message(MessageEvent {
        tenant: tenant.clone(),
        account: AccountId::parse("acct_ebay_it").expect("valid"),
        channel: Channel::Ebay,
        conversation: format!("conv-{conversation}"),
        message_id: format!("msg-{conversation}-{n}"),
        direction: Direction::Inbound,
        counterparty: Some(format!("buyer_{conversation}")),
        subject: Some("Domanda sull'oggetto".into()),
        body: "Buongiorno, il pacco non è ancora arrivato. Potete controllare la spedizione?"
            .into(),
        sent_at: now() - chrono::Duration::minutes((100 - n as i64).max(0)),
        attachments: vec![],
        listing: Some(format!("20451234{conversation:04}")),
        order: None,
    }))
    .expect("serializes")
}

fn fixtures() -> Vec<Vec<u8>> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/tests/fixtures/mail");
    let mut mails: Vec<Vec<u8>> = std::fs::read_dir(dir)
        .expect("mail fixtures")
        .filter_map(|e| e.ok())
        .filter(|e| !e.file_name().to_string_lossy().starts_with("malformed"))
        .map(|e| std::fs::read(e.path()).expect("readable"))
        .collect();
    mails.sort();
    mails
}

fn per_second(n: usize, elapsed: Duration) -> f64 {
    n as f64 / elapsed.as_secs_f64()
}

/// Queue body → planned write for polled channel messages, on this thread only.
fn pure_channel_messages(tenant: &TenantId) -> f64 {
    let bodies: Vec<String> = (0..20_000).map(|i| ebay_body(tenant, i % 500, i)).collect();
    let policies = marketdesk::sla::seed_policies();
    let ctx = InboundContext::default();
    let started = Instant::now();
    let mut written = 0usize;
    for body in &bodies {
        for input in parse_body(body).expect("valid") {
            if let IngestInput::Source(source) = input
                && let SourceEvent::Message(m) = &*source
            {
                let write = plan(&inbound::from_message(m), &ctx, &policies, &[], now());
                written += write.message.body.len();
            }
        }
    }
    assert!(written > 0);
    per_second(bodies.len(), started.elapsed())
}

/// Raw MIME → parsed, classified, normalised and planned, on this thread only.
fn pure_relay_mails(tenant: &TenantId) -> f64 {
    let mails = fixtures();
    let accounts = demo_accounts(tenant, now());
    let policies = marketdesk::sla::seed_policies();
    let ctx = InboundContext::default();
    let rounds = 100;
    let started = Instant::now();
    let mut planned = 0usize;
    for _ in 0..rounds {
        for raw in &mails {
            let Ok(mail) = inbound_mail::parse(raw) else {
                continue;
            };
            let kind = inbound_mail::classify(&mail);
            let Ok(account) = inbound::mail_account(&accounts, &mail, &kind) else {
                continue;
            };
            let inbound = inbound::from_mail(tenant, account, &mail, &kind, "inbound/x/y");
            planned += plan(&inbound, &ctx, &policies, &[], now())
                .message
                .body
                .len()
                .min(1);
        }
    }
    assert!(planned > 0);
    per_second(rounds * mails.len(), started.elapsed())
}

fn sqs_event(bodies: &[String]) -> SqsEvent {
    let records: Vec<_> = bodies
        .iter()
        .enumerate()
        .map(|(i, body)| {
            serde_json::json!({"messageId": format!("m{i}"), "body": body, "eventSource": "aws:sqs",
                "attributes": {"ApproximateReceiveCount": "1"}})
        })
        .collect();
    serde_json::from_value(serde_json::json!({ "Records": records })).expect("valid event")
}

/// DynamoDB requests per message, measured on the emulator.
async fn requests_per_message(tenant: &TenantId) -> Vec<(&'static str, f64, u64)> {
    let stack = fresh_stack().await;
    for account in demo_accounts(tenant, now()) {
        stack
            .store
            .save_account(&account, None)
            .await
            .expect("seeded");
    }
    let worker = ingest::Worker::new(Ingestor::new(
        stack.store.clone(),
        S3MailBlobs::from_config(&stack.config),
        StoredContextOnly,
        NoSchedules,
    ))
    .sequential();
    // The worker reads the tenant's accounts once per minute; warm that cache first.
    worker
        .handle(sqs_event(&[ebay_body(tenant, 9_999, 0)]))
        .await;

    let mut rows = Vec::new();
    for (label, bodies) in [
        (
            "new conversation (new ticket, new customer)",
            (0..20).map(|c| ebay_body(tenant, c, 0)).collect::<Vec<_>>(),
        ),
        (
            "follow-up in a known conversation",
            (0..20).map(|c| ebay_body(tenant, c, 1)).collect(),
        ),
        (
            "redelivered message (duplicate)",
            (0..20).map(|c| ebay_body(tenant, c, 1)).collect(),
        ),
    ] {
        let mut max = 0;
        let mut total = 0;
        for body in &bodies {
            stack.requests.take();
            let response = worker.handle(sqs_event(std::slice::from_ref(body))).await;
            assert!(response.batch_item_failures.is_empty(), "{label}");
            let n = stack.requests.take();
            max = max.max(n);
            total += n;
        }
        rows.push((label, total as f64 / bodies.len() as f64, max));
    }
    rows
}

#[tokio::main]
async fn main() {
    let tenant = TenantId::parse("bench").expect("valid");
    println!("marketdesk bench: ingest worker\n");
    let channel = pure_channel_messages(&tenant);
    let mail = pure_relay_mails(&tenant);
    println!("pure pipeline (no I/O), one core:");
    println!("  polled channel messages  {channel:>10.0} msg/s");
    println!("  raw relay e-mails (MIME) {mail:>10.0} msg/s");
    println!();
    println!("DynamoDB requests per ingested message (budget <= {BUDGET_REQUESTS_PER_MESSAGE}):");
    let mut within = true;
    for (label, mean, max) in requests_per_message(&tenant).await {
        within &= max as f64 <= BUDGET_REQUESTS_PER_MESSAGE;
        println!("  {label:<45} mean {mean:.2}  max {max}");
    }
    println!(
        "  {}",
        if within {
            "within budget"
        } else {
            "OVER BUDGET"
        }
    );

    println!();
    println!(
        "DynamoDB requests per API call (budgets: inbox page {}, ticket view <= {}, reply <= {}):",
        BUDGET_API.0, BUDGET_API.1, BUDGET_API.2
    );
    println!(
        "  {:>8} {:>6} {:>9}   {:>17} {:>17} {:>17}",
        "tickets", "open", "seeded in", "inbox page (50)", "ticket view", "reply"
    );
    let sizes: Vec<usize> = std::env::var("BENCH_API_TICKETS")
        .ok()
        .map(|v| v.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![1_000, 100_000]);
    let mut inbox_requests = Vec::new();
    for tickets in sizes {
        let row = api_costs::run(&tenant, tickets).await;
        let cell = |(n, t): (u64, Duration)| format!("{n} req {:>7.1} ms", t.as_secs_f64() * 1e3);
        println!(
            "  {:>8} {:>6} {:>8.1}s   {:>17} {:>17} {:>17}",
            row.tickets,
            row.open,
            row.seed_time.as_secs_f64(),
            cell(row.inbox),
            cell(row.view),
            cell(row.reply)
        );
        within &= row.inbox.0 == BUDGET_API.0
            && row.view.0 <= BUDGET_API.1
            && row.reply.0 <= BUDGET_API.2;
        inbox_requests.push(row.inbox.0);
    }
    inbox_requests.dedup();
    within &= inbox_requests.len() == 1;
    println!(
        "  {}",
        if within {
            "within budget; the inbox page costs the same requests at every size"
        } else {
            "OVER BUDGET"
        }
    );
    println!(
        "  (times are the emulator's: moto answers a GSI Query by scanning every item of the \
         table, DynamoDB reads only the page)"
    );

    println!();
    println!("DynamoDB requests per report (30 days; the same at every size):");
    println!(
        "  {:>8} {:>16} {:>22} {:>16}",
        "tickets", "aggregate items", "response rate (30 d)", "per agent (30 d)"
    );
    let report_sizes: Vec<usize> = std::env::var("BENCH_REPORT_TICKETS")
        .ok()
        .map(|v| v.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![1_000, 100_000]);
    let mut report_requests = Vec::new();
    for tickets in report_sizes {
        let row = report_costs::run(&tenant, tickets).await;
        println!(
            "  {:>8} {:>16} {:>18} req {:>12} req",
            row.tickets, row.aggregate_items, row.response_rate, row.agents
        );
        report_requests.push((row.response_rate, row.agents));
    }
    report_requests.dedup();
    within &= report_requests.len() == 1;
    let costs = report_costs::write_costs(&tenant).await;
    println!(
        "  extra requests per ingested message: {} ({} with its report facts, {} without)",
        costs.message.0 as i64 - costs.message.1 as i64,
        costs.message.0,
        costs.message.1
    );
    println!(
        "  extra requests per reply (sender): {} ({} with report facts: report item read + one \
         transaction; {} before: ticket update + daily counters)",
        costs.reply.0 as i64 - costs.reply.1 as i64,
        costs.reply.0,
        costs.reply.1
    );
    within &= costs.message.0 <= costs.message.1 && costs.reply.0 <= costs.reply.1;
    println!(
        "  {}",
        if report_requests.len() == 1 {
            "a report costs the same requests at every size"
        } else {
            "REPORT COST GROWS WITH TICKETS"
        }
    );
    if !within {
        std::process::exit(1);
    }
}
