//! The review-request settings and report through the router on the emulator: defaults, the
//! first PUT and its ETag, preconditions, validation naming the field, roles, the audit entry,
//! and the report of what the store recorded (JSON and CSV).

mod common;

use axum::http::{Method, StatusCode};
use chrono::{Duration, Utc};
use marketdesk::auth::{DevTokens, Role};
use marketdesk::domain::{AccountId, AgentId, OrderId, TenantId};
use marketdesk::outbound::MemoryOutboundQueue;
use marketdesk::review_requests::SkipReason;
use marketdesk::store::{
    AuditQuery, InsightStore, PageRequest, ReviewClaim, ReviewOutcome, ReviewRequestRecord,
    ReviewRequestStore,
};
use marketdesk_devstack::testing::{fresh_table, unique_prefix};
use marketdesk_tests::tenant;
use serde_json::json;

const SECRET: &[u8] = b"review-requests-test-secret";
const PATH: &str = "/v1/admin/review-requests";

fn token(tenant: &TenantId, role: Role) -> String {
    DevTokens::new(SECRET).mint(
        tenant,
        &AgentId::parse("alice").unwrap(),
        role,
        4_102_444_800,
    )
}

#[tokio::test]
async fn an_admin_opts_in_and_changes_the_settings_under_their_etag() {
    let table = fresh_table().await;
    let app = api::app(api::AppState::local(
        table.store.clone(),
        MemoryOutboundQueue::default(),
        DevTokens::new(SECRET),
    ));
    let acme = tenant(&format!("acme{}", unique_prefix().replace('-', "")));
    let admin = token(&acme, Role::Admin);
    let settings =
        json!({"enabled": true, "marketplaces": ["APJ6JRA9NG5V4"], "days_after_delivery": 7});

    // Nothing saved: the defaults (off), no ETag.
    let before = common::request(&app, Method::GET, PATH, &admin, None, None).await;
    assert_eq!(before.status, StatusCode::OK, "{}", before.text);
    assert_eq!(before.body["settings"]["enabled"], false);
    assert_eq!(before.etag, None);

    // Agents may not; a day outside Amazon's 5–30 window or an unknown marketplace is refused
    // naming the field.
    let agent = token(&acme, Role::Agent);
    let refused = common::request(
        &app,
        Method::PUT,
        PATH,
        &agent,
        None,
        Some(settings.clone()),
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    for (body, field) in [
        (
            json!({"enabled": true, "days_after_delivery": 3}),
            "days_after_delivery",
        ),
        (
            json!({"enabled": true, "days_after_delivery": 7, "marketplaces": ["NOPE"]}),
            "marketplaces[0]",
        ),
    ] {
        let bad = common::request(&app, Method::PUT, PATH, &admin, None, Some(body)).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.text);
        assert_eq!(bad.body["field"], field, "{}", bad.text);
    }
    let unknown = common::request(
        &app,
        Method::PUT,
        PATH,
        &admin,
        None,
        Some(json!({"enabled": true, "days_after_delivery": 7, "surprise": 1})),
    )
    .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST, "{}", unknown.text);

    // The first PUT goes without If-Match; then GET answers it with its ETag.
    let first = common::request(
        &app,
        Method::PUT,
        PATH,
        &admin,
        None,
        Some(settings.clone()),
    )
    .await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    assert_eq!(first.etag.as_deref(), Some("\"v1\""));
    let read = common::request(&app, Method::GET, PATH, &admin, None, None).await;
    assert_eq!(read.body["settings"]["enabled"], true);
    assert_eq!(
        read.body["settings"]["marketplaces"],
        json!(["APJ6JRA9NG5V4"])
    );
    assert_eq!(read.body["updated_by"], "alice");
    assert_eq!(read.etag.as_deref(), Some("\"v1\""));

    // Once saved: no If-Match is 428, a stale one 412 with the current settings, the right one wins.
    let later = json!({"enabled": true, "days_after_delivery": 10});
    let missing = common::request(&app, Method::PUT, PATH, &admin, None, Some(later.clone())).await;
    assert_eq!(
        missing.status,
        StatusCode::PRECONDITION_REQUIRED,
        "{}",
        missing.text
    );
    let stale = common::request(
        &app,
        Method::PUT,
        PATH,
        &admin,
        Some("\"v7\""),
        Some(later.clone()),
    )
    .await;
    assert_eq!(
        stale.status,
        StatusCode::PRECONDITION_FAILED,
        "{}",
        stale.text
    );
    let second =
        common::request(&app, Method::PUT, PATH, &admin, Some("\"v1\""), Some(later)).await;
    assert_eq!(second.status, StatusCode::OK, "{}", second.text);
    assert_eq!(second.etag.as_deref(), Some("\"v2\""));
    assert_eq!(second.body["settings"]["days_after_delivery"], 10);

    // Each change is audited with what it changed from and to.
    let audit = table
        .store
        .audit_log(
            &acme,
            &AuditQuery {
                from: Utc::now() - Duration::hours(1),
                to: Utc::now() + Duration::hours(1),
                actor: None,
                action: None,
            },
            &PageRequest::default(),
        )
        .await
        .unwrap();
    let changes: Vec<_> = audit
        .items
        .iter()
        .filter(|e| e.action == "review_requests.change")
        .collect();
    assert_eq!(changes.len(), 2, "{audit:?}");
    assert!(
        changes
            .iter()
            .any(|e| e.detail["to"]["days_after_delivery"] == 10
                && e.detail["from"]["days_after_delivery"] == 7)
    );

    // Another tenant sees its own defaults.
    let globex = tenant(&format!("globex{}", unique_prefix().replace('-', "")));
    let other = common::request(
        &app,
        Method::GET,
        PATH,
        &token(&globex, Role::Admin),
        None,
        None,
    )
    .await;
    assert_eq!(other.body["settings"]["enabled"], false);
}

#[tokio::test]
async fn the_report_counts_what_became_of_the_requests_in_json_and_csv() {
    let table = fresh_table().await;
    let app = api::app(api::AppState::local(
        table.store.clone(),
        MemoryOutboundQueue::default(),
        DevTokens::new(SECRET),
    ));
    let acme = tenant(&format!("acme{}", unique_prefix().replace('-', "")));
    let now = Utc::now();
    let outcomes = [
        ("171-0000001-0000001", ReviewOutcome::Sent),
        ("171-0000001-0000002", ReviewOutcome::Sent),
        (
            "171-0000001-0000003",
            ReviewOutcome::Skipped {
                reason: SkipReason::Claim,
            },
        ),
    ];
    for (order, outcome) in outcomes {
        let pending = ReviewRequestRecord {
            order: OrderId::parse(order).unwrap(),
            account: AccountId::parse("acct_amazon_it").unwrap(),
            marketplace_id: "APJ6JRA9NG5V4".into(),
            outcome: ReviewOutcome::Pending {
                owner: "test".into(),
                until: now + Duration::minutes(5),
            },
            at: now,
        };
        let claim = table
            .store
            .claim_review_request(&acme, &pending, now)
            .await
            .unwrap();
        assert_eq!(claim, ReviewClaim::Claimed);
        let done = ReviewRequestRecord { outcome, ..pending };
        table
            .store
            .record_review_outcome(&acme, &done, "test")
            .await
            .unwrap();
    }
    let reader = token(&acme, Role::Agent);

    let report = common::request(
        &app,
        Method::GET,
        "/v1/reports/review-requests?days=7",
        &reader,
        None,
        None,
    )
    .await;
    assert_eq!(report.status, StatusCode::OK, "{}", report.text);
    assert_eq!(report.body["counts"]["sent"], 2, "{}", report.text);
    assert_eq!(
        report.body["counts"]["skipped"]["claim"], 1,
        "{}",
        report.text
    );

    let csv = common::request(
        &app,
        Method::GET,
        "/v1/reports/review-requests?days=7&format=csv",
        &reader,
        None,
        None,
    )
    .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(
        csv.content_type.starts_with("text/csv"),
        "{}",
        csv.content_type
    );
    assert!(
        csv.text.starts_with("outcome,reason,count\n"),
        "{}",
        csv.text
    );
    assert!(
        csv.text.contains("sent,,2\n") && csv.text.contains("skipped,claim,1\n"),
        "{}",
        csv.text
    );

    // Another tenant counts none of it; a bad period names its parameter.
    let globex = tenant(&format!("globex{}", unique_prefix().replace('-', "")));
    let other = common::request(
        &app,
        Method::GET,
        "/v1/reports/review-requests",
        &token(&globex, Role::Agent),
        None,
        None,
    )
    .await;
    assert_eq!(other.body["counts"]["sent"], 0);
    let bad = common::request(
        &app,
        Method::GET,
        "/v1/reports/review-requests?days=0",
        &reader,
        None,
        None,
    )
    .await;
    assert_eq!(bad.body["field"], "days", "{}", bad.text);
}
