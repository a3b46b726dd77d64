//! Reports over a real store on the emulator: figures move with the happenings recorded in the
//! transactions of ingestion and of the ticket edits ("no response needed", resolution), CSV is
//! negotiated, and another tenant sees none of it.

mod common;

use axum::http::{Method, StatusCode};
use chrono::{Duration, Utc};
use marketdesk::auth::{DevTokens, Role};
use marketdesk::domain::{AgentId, TenantId};
use marketdesk::outbound::MemoryOutboundQueue;
use marketdesk::store::TicketStore;
use marketdesk_devstack::testing::fresh_table;
use marketdesk_tests::{first_inbound, new_ticket, tenant};
use serde_json::{Value, json};

const SECRET: &[u8] = b"reports-test-secret";

fn token_as(tenant: &TenantId) -> String {
    DevTokens::new(SECRET).mint(
        tenant,
        &AgentId::parse("alice").unwrap(),
        Role::Agent,
        4_102_444_800,
    )
}

fn period<'a>(body: &'a Value, name: &str) -> &'a Value {
    body["periods"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["period"] == name)
        .unwrap_or_else(|| panic!("no period {name} in {body}"))
}

#[tokio::test]
async fn the_24h_rate_counts_no_response_needed_keeps_pending_apart_and_exports_csv() {
    let acme = tenant("acme");
    let table = fresh_table().await;
    let now = Utc::now();
    let fresh = new_ticket(&acme, now - Duration::hours(2));
    let old = new_ticket(&acme, now - Duration::hours(30));
    for (t, id) in [(&fresh, "<r1@relay>"), (&old, "<r2@relay>")] {
        table
            .store
            .record_inbound(&first_inbound(t, id))
            .await
            .unwrap();
    }
    let app = api::app(api::AppState::local(
        table.store.clone(),
        MemoryOutboundQueue::default(),
        DevTokens::new(SECRET),
    ));
    let token = token_as(&acme);
    let get = |path: String| {
        let (app, token) = (app.clone(), token.clone());
        async move { common::request(&app, Method::GET, &path, &token, None, None).await }
    };

    let before = get("/v1/reports/response-rate?days=7".to_string()).await;
    assert_eq!(before.status, StatusCode::OK, "{}", before.text);
    let week = period(&before.body, "last_7_days");
    assert_eq!(week["received"], 2);
    assert_eq!(week["pending"], 1);
    assert_eq!(week["late"], 1);
    assert_eq!(week["unanswered_late"], 1);
    assert_eq!(week["rate_percent"], 0.0);
    assert_eq!(before.body["window"]["time_zone"], "Europe/Rome");

    // No response needed on the fresh ticket: handled within 24 h, audited, clock stopped.
    let marked = common::request(
        &app,
        Method::POST,
        &format!("/v1/tickets/{}/no-response-needed", fresh.id),
        &token,
        Some("\"v1\""),
        Some(json!({"reason": "buyer said thanks"})),
    )
    .await;
    assert_eq!(marked.status, StatusCode::OK, "{}", marked.text);
    assert_eq!(marked.etag.as_deref(), Some("\"v2\""));
    assert!(
        marked.body["ticket"]["sla"]
            .get("due_at".to_string())
            .is_none()
    );
    let view = table
        .store
        .ticket_view(&acme, &fresh.id)
        .await
        .unwrap()
        .unwrap();
    assert!(view.events.iter().any(|e| matches!(
        e.kind,
        marketdesk::domain::TicketEventKind::NoResponseNeeded { .. }
    )));
    let after = get("/v1/reports/response-rate?days=7".to_string()).await;
    let week = period(&after.body, "last_7_days");
    assert_eq!(week["within_24h"], 1);
    assert_eq!(week["no_response_needed_within_24h"], 1);
    assert_eq!(week["pending"], 0);
    assert_eq!(week["rate_percent"], 50.0);
    // The per-day series: a day per day of the window, adding up to the week.
    let daily = after.body["daily"].as_array().cloned().unwrap_or_default();
    assert_eq!(daily.len(), 7, "{}", after.body);
    let sum = |field: &str| {
        daily
            .iter()
            .map(|d| d[field].as_u64().unwrap())
            .sum::<u64>()
    };
    assert_eq!(sum("within_24h"), 1);
    assert_eq!(sum("received"), week["received"].as_u64().unwrap());
    assert!(
        daily
            .windows(2)
            .all(|w| w[0]["day"].as_str() < w[1]["day"].as_str())
    );
    // Marking again changes nothing.
    let again = common::request(
        &app,
        Method::POST,
        &format!("/v1/tickets/{}/no-response-needed", fresh.id),
        &token,
        Some("\"v2\""),
        None,
    )
    .await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.etag.as_deref(), Some("\"v2\""));
    // A message that is not the ticket's is refused, naming the field.
    let wrong = common::request(
        &app,
        Method::POST,
        &format!("/v1/tickets/{}/no-response-needed", old.id),
        &token,
        Some("\"v1\""),
        Some(json!({"message": "msg_nope"})),
    )
    .await;
    assert!(wrong.status.is_client_error());
    assert!(wrong.text.contains("message"), "{}", wrong.text);

    // Resolution within two exchanges.
    let resolved = common::request(
        &app,
        Method::PUT,
        &format!("/v1/tickets/{}/status", old.id),
        &token,
        Some("\"v1\""),
        Some(json!({"status": "resolved"})),
    )
    .await;
    assert_eq!(resolved.status, StatusCode::OK, "{}", resolved.text);
    let res = get("/v1/reports/resolution?days=7".to_string()).await;
    assert_eq!(res.body["resolved"], 1);
    assert_eq!(res.body["within_2_exchanges"], 1);
    let agents = get("/v1/reports/agents?days=7".to_string()).await;
    let alice = &agents.body["agents"][0];
    assert_eq!(alice["agent"], "alice");
    assert_eq!(alice["no_response_needed"], 1);
    assert_eq!(alice["resolved"], 1);

    // CSV: header row, spreadsheet-safe.
    let csv = get("/v1/reports/response-rate?days=7&format=csv".to_string()).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(
        csv.content_type.starts_with("text/csv"),
        "{}",
        csv.content_type
    );
    assert!(
        csv.text
            .starts_with("period,from,to,channel,account,received,"),
        "{}",
        csv.text
    );
    assert_eq!(
        csv.text.lines().filter(|l| l.starts_with("day,")).count(),
        7
    );
    let times = get("/v1/reports/first-response?days=7".to_string()).await;
    let buckets = times.body["distribution"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(buckets.len(), 7, "{}", times.body);
    assert_eq!(
        buckets
            .iter()
            .map(|b| b["calendar"].as_u64().unwrap())
            .sum::<u64>(),
        times.body["overall"]["calendar"]["count"].as_u64().unwrap()
    );
    assert!(buckets[6]["under_minutes"].is_null());
    let volume = get("/v1/reports/volume?days=7&format=csv".to_string()).await;
    assert_eq!(volume.text.lines().count(), 1 + 168);

    // Every report answers; the account health lists the Amazon account.
    for kind in ["first-response", "sla", "claims", "volume"] {
        let r = get(format!("/v1/reports/{kind}?days=30")).await;
        assert_eq!(r.status, StatusCode::OK, "{kind}: {}", r.text);
        assert!(r.body["window"]["from"].is_string(), "{kind}");
    }
    let health = get("/v1/reports/account-health?horizon_hours=2".to_string()).await;
    assert_eq!(health.status, StatusCode::OK, "{}", health.text);
    assert!(
        health.body["accounts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["account"] == "acct_amazon_it")
    );

    // Bad parameters name their field.
    for (q, field) in [
        ("tz=America/New_York", "tz"),
        ("from=2026-13-01", "from"),
        ("channel=fax", "channel"),
        ("days=0", "days"),
        ("format=xml", "format"),
    ] {
        let r = get(format!("/v1/reports/response-rate?{q}")).await;
        assert!(r.status.is_client_error(), "{q}");
        assert!(r.text.contains(field), "{q}: {}", r.text);
    }

    // Another tenant sees nothing of it.
    let other = token_as(&tenant("globex"));
    let theirs = common::request(
        &app,
        Method::GET,
        "/v1/reports/response-rate?days=7",
        &other,
        None,
        None,
    )
    .await;
    assert_eq!(period(&theirs.body, "last_7_days")["received"], 0);
}
