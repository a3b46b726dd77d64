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

/// The VTR watch over stored orders: FBM shipments without a number, with a carrier nobody
/// knows or silent for 48 h count against the account; FBA orders, orders without a shipment,
/// orders outside the window and another tenant's orders do not count.
#[tokio::test]
async fn the_vtr_watch_lists_fbm_orders_without_valid_tracking_per_account() {
    use marketdesk::domain::{AccountId, FulfillmentChannel, OrderId, ShipmentStatus};
    use marketdesk::store::OrderStore;
    use marketdesk_tests::sample_order;

    let acme = tenant("acme");
    let other = tenant("globex");
    let table = fresh_table().await;
    let now = Utc::now();
    let stamp = |hours: i64| (now - Duration::hours(hours)).to_rfc3339();
    let order = |id: &str, hours: i64, carrier: &str, number: &str, status| {
        let mut o = sample_order(&stamp(hours), "Shipped");
        o.id = OrderId::parse(id).unwrap();
        o.shipments[0].carrier = carrier.into();
        o.shipments[0].tracking_number = number.into();
        o.shipments[0].status = status;
        o
    };
    use ShipmentStatus::*;
    let valid = order("305-0000001-0000001", 72, "brt", "123456789012", InTransit);
    let no_number = order("305-0000002-0000002", 60, "brt", "", Unknown);
    let unknown = order("305-0000003-0000003", 50, "Pony Express", "PX99", InTransit);
    let silent = order("305-0000004-0000004", 49, "dhl", "1234567890", LabelCreated);
    let today = order("305-0000005-0000005", 2, "dhl", "1234567891", LabelCreated);
    let mut fba = order("305-0000006-0000006", 70, "", "", Unknown);
    fba.fulfillment = FulfillmentChannel::Marketplace;
    let mut unshipped = order("305-0000007-0000007", 70, "", "", Unknown);
    unshipped.shipments.clear();
    let old = order("305-0000008-0000008", 24 * 40, "brt", "", Unknown);
    let mut elsewhere = order("305-0000009-0000009", 70, "brt", "", Unknown);
    elsewhere.account = AccountId::parse("acct_amazon_de").unwrap();
    for o in [
        &valid, &no_number, &unknown, &silent, &today, &fba, &unshipped, &old, &elsewhere,
    ] {
        assert!(table.store.save_order(&acme, o).await.unwrap());
    }
    assert!(table.store.save_order(&other, &no_number).await.unwrap());
    let app = api::app(api::AppState::local(
        table.store.clone(),
        MemoryOutboundQueue::default(),
        DevTokens::new(SECRET),
    ));
    let token = token_as(&acme);
    let get = |path: &'static str| common::request(&app, Method::GET, path, &token, None, None);

    let report = get("/v1/reports/vtr?days=30").await;
    assert_eq!(report.status, StatusCode::OK, "{}", report.text);
    assert_eq!(report.body["truncated"], false);
    let accounts = report.body["accounts"].as_array().unwrap();
    assert_eq!(accounts.len(), 2, "{}", report.body);
    let it = accounts
        .iter()
        .find(|a| a["account"] == "acct_amazon_it")
        .unwrap();
    assert_eq!(it["shipped"], 5);
    assert_eq!(it["valid"], 2);
    assert_eq!(it["rate_percent"], 40.0);
    assert_eq!(it["below_line"], true);
    let reasons: Vec<(&str, &str)> = it["invalid"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["order"].as_str().unwrap(), i["reason"].as_str().unwrap()))
        .collect();
    assert_eq!(
        reasons,
        [
            ("305-0000002-0000002", "no_tracking_number"),
            ("305-0000003-0000003", "unknown_carrier"),
            ("305-0000004-0000004", "no_scan_within_48h"),
        ]
    );

    // Filtered to one account; CSV lists one row per invalid order.
    let one = get("/v1/reports/vtr?days=30&account=acct_amazon_de").await;
    assert_eq!(one.body["accounts"].as_array().unwrap().len(), 1);
    let csv = get("/v1/reports/vtr?days=30&format=csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.text.starts_with("account,shipped,valid,rate_percent"));
    assert_eq!(csv.text.lines().count(), 1 + 3 + 1, "{}", csv.text);
    assert!(
        csv.text
            .contains("305-0000003-0000003,unknown_carrier,Pony Express,PX99")
    );

    // Another tenant sees only its own order; `agent` does not apply.
    let theirs = common::request(
        &app,
        Method::GET,
        "/v1/reports/vtr",
        &token_as(&other),
        None,
        None,
    )
    .await;
    let theirs = theirs.body["accounts"].as_array().unwrap().clone();
    assert_eq!(theirs.len(), 1);
    assert_eq!(theirs[0]["shipped"], 1);
    let refused = get("/v1/reports/vtr?agent=alice").await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(refused.body["field"], "agent", "{}", refused.text);
}
