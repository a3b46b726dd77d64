//! The router driven with `oneshot` over a real store on the emulator.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use marketdesk::auth::{DevTokens, Role};
use marketdesk::domain::{AgentId, TenantId};
use marketdesk::store::TicketStore;
use marketdesk_devstack::testing::fresh_table;
use marketdesk_tests::{at, first_inbound, new_ticket, tenant};
use tower::ServiceExt;

const SECRET: &[u8] = b"router-test-secret";

fn token(tenant: &TenantId) -> String {
    DevTokens::new(SECRET).mint(
        tenant,
        &AgentId::parse("alice").unwrap(),
        Role::Agent,
        4_102_444_800,
    )
}

async fn call(
    app: axum::Router,
    path: &str,
    bearer: Option<&str>,
) -> (StatusCode, String, serde_json::Value) {
    let mut request = Request::get(path);
    if let Some(t) = bearer {
        request = request.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    let response = app
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        content_type,
        serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null),
    )
}

async fn app_with_ticket_of(owner: &TenantId) -> (axum::Router, marketdesk::domain::TicketId) {
    let t = fresh_table().await;
    let ticket = new_ticket(owner, at("2026-11-20T10:00:00Z"));
    t.store
        .record_inbound(&first_inbound(&ticket, "<r1@relay>"))
        .await
        .unwrap();
    (
        api::app(api::AppState::local(
            t.store,
            marketdesk::outbound::MemoryOutboundQueue::default(),
            DevTokens::new(SECRET),
        )),
        ticket.id,
    )
}

#[tokio::test]
async fn health_needs_no_token_but_tickets_do() {
    let (app, _) = app_with_ticket_of(&tenant("acme")).await;
    let (status, _, body) = call(app.clone(), "/v1/health", None).await;
    assert_eq!(
        (status, body["status"].as_str()),
        (StatusCode::OK, Some("ok"))
    );

    let (status, content_type, body) = call(app.clone(), "/v1/tickets", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(content_type, "application/problem+json");
    assert_eq!(body["status"], 401);

    let forged = DevTokens::new(b"another-secret".to_vec()).mint(
        &tenant("acme"),
        &AgentId::parse("mallory").unwrap(),
        Role::Admin,
        4_102_444_800,
    );
    let (status, _, _) = call(app, "/v1/tickets", Some(&forged)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_tenant_sees_its_own_tickets_and_another_tenant_gets_404() {
    let acme = tenant("acme");
    let (app, id) = app_with_ticket_of(&acme).await;

    let (status, _, body) = call(app.clone(), "/v1/tickets?status=open", Some(&token(&acme))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["items"][0]["id"], id.as_str());
    let (status, _, body) = call(
        app.clone(),
        &format!("/v1/tickets/{id}"),
        Some(&token(&acme)),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["messages"].as_array().unwrap().len(), 1);

    let other = tenant("globex");
    let (status, _, body) = call(app.clone(), "/v1/tickets", Some(&token(&other))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["items"], serde_json::json!([]));
    let (status, content_type, _) =
        call(app, &format!("/v1/tickets/{id}"), Some(&token(&other))).await;
    assert_eq!(
        (status, content_type.as_str()),
        (StatusCode::NOT_FOUND, "application/problem+json")
    );
}

#[tokio::test]
async fn bad_query_parameters_are_named_in_the_problem() {
    let acme = tenant("acme");
    let (app, _) = app_with_ticket_of(&acme).await;
    let (status, _, body) = call(
        app.clone(),
        "/v1/tickets?status=closed",
        Some(&token(&acme)),
    )
    .await;
    assert_eq!(
        (status, body["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("status"))
    );
    let (status, _, body) = call(app.clone(), "/v1/tickets?limit=1000", Some(&token(&acme))).await;
    assert_eq!(
        (status, body["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("limit"))
    );
    let (status, _, body) = call(
        app.clone(),
        "/v1/tickets?cursor=bm9wZQ",
        Some(&token(&acme)),
    )
    .await;
    assert_eq!(
        (status, body["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("cursor"))
    );
    let (status, _, _) = call(app, "/v1/nowhere", Some(&token(&acme))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn behind_api_gateway_the_tenant_comes_from_the_jwt_authorizer_claims() {
    // events/apigw_get_inbox.json carries claims for tenant "demo".
    let demo = tenant("demo");
    let t = fresh_table().await;
    let ticket = new_ticket(&demo, at("2026-11-20T10:00:00Z"));
    t.store
        .record_inbound(&first_inbound(&ticket, "<r2@relay>"))
        .await
        .unwrap();
    let deployed = api::app(api::AppState::deployed(
        t.store,
        marketdesk::outbound::MemoryOutboundQueue::default(),
    ));

    let raw = include_str!("../../../events/apigw_get_inbox.json");
    let request = lambda_http::request::from_str(raw).unwrap();
    let response = deployed
        .oneshot(request.map(|b| Body::from(b.to_vec())))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let body: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(body["items"][0]["id"], ticket.id.as_str());

    // Without development tokens configured, a bearer token alone is not an identity.
    let t = fresh_table().await;
    let app = api::app(api::AppState::deployed(
        t.store,
        marketdesk::outbound::MemoryOutboundQueue::default(),
    ));
    let (status, _, _) = call(app, "/v1/tickets", Some(&token(&demo))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn only_an_admin_reads_its_own_tenants_quarantine() {
    use marketdesk::store::{QuarantineRecord, QuarantineStore};
    let t = fresh_table().await;
    let acme = tenant("acme");
    let record = QuarantineRecord {
        id: "m-1".into(),
        tenant: acme.clone(),
        at: at("2026-11-20T10:00:00Z"),
        worker: "ingest".into(),
        reason: "unreadable_mail".into(),
        detail: "unreadable e-mail: message has no From address".into(),
        payload: "{}".into(),
        in_dlq: false,
        redriven_at: None,
        redriven_by: None,
    };
    t.store.quarantine(&record).await.unwrap();
    let app = api::app(api::AppState::local(
        t.store,
        marketdesk::outbound::MemoryOutboundQueue::default(),
        DevTokens::new(SECRET),
    ));
    let admin = |tenant: &TenantId| {
        DevTokens::new(SECRET).mint(
            tenant,
            &AgentId::parse("root").unwrap(),
            Role::Admin,
            4_102_444_800,
        )
    };

    let (status, _, body) = call(app.clone(), "/v1/admin/quarantine", Some(&admin(&acme))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["items"][0]["reason"], "unreadable_mail");
    assert_eq!(body["items"][0]["id"], "m-1");

    let (status, content_type, _) =
        call(app.clone(), "/v1/admin/quarantine", Some(&token(&acme))).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "an agent is refused");
    assert_eq!(content_type, "application/problem+json");

    let (status, _, body) = call(app, "/v1/admin/quarantine", Some(&admin(&tenant("other")))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body["items"],
        serde_json::json!([]),
        "another tenant sees nothing"
    );
}

#[tokio::test]
async fn the_inbox_filters_by_channel_assignee_and_overdue_and_names_a_bad_filter() {
    let acme = tenant("acme");
    let (app, id) = app_with_ticket_of(&acme).await;
    let bearer = token(&acme);
    let listed = |body: &serde_json::Value| -> Vec<String> {
        body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let (status, _, body) = call(app.clone(), "/v1/tickets?channel=amazon", Some(&bearer)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(listed(&body), [id.to_string()]);
    let (_, _, body) = call(app.clone(), "/v1/tickets?channel=ebay", Some(&bearer)).await;
    assert!(listed(&body).is_empty());
    // The fixture's deadline (2026-11-21) has passed.
    let (_, _, body) = call(app.clone(), "/v1/tickets?overdue=true", Some(&bearer)).await;
    assert_eq!(listed(&body), [id.to_string()]);
    let (_, _, body) = call(app.clone(), "/v1/tickets?assignee=bob", Some(&bearer)).await;
    assert!(listed(&body).is_empty(), "nobody is assigned");
    for (query, field) in [
        ("priority=huge", "priority"),
        ("channel=fax", "channel"),
        ("intent=gossip", "intent"),
        ("assignee=a%23b", "assignee"),
    ] {
        let (status, _, body) =
            call(app.clone(), &format!("/v1/tickets?{query}"), Some(&bearer)).await;
        assert_eq!(
            (status, body["field"].as_str()),
            (StatusCode::BAD_REQUEST, Some(field)),
            "{query}"
        );
    }
}

mod tracking_refresh {
    use std::time::Duration;

    use chrono::Utc;
    use std::sync::Arc;

    use marketdesk::connectors::carrier_accounts::TenantTracker;
    use marketdesk::connectors::carriers::{AftershipConfig, AftershipTracking, CarrierTracker};
    use marketdesk::connectors::{HttpConfig, RateLimit, RetryPolicy, Secret};
    use marketdesk::domain::OrderRef;
    use marketdesk::tracking::RefreshPolicy;
    use marketdesk_sandboxes::Fault;
    use marketdesk_sandboxes::carriers::{AFTERSHIP_GET_ROUTE, CarriersSandbox, Stage};
    use marketdesk_tests::sample_order;

    use super::*;

    const NUMBER: &str = "AB123456785GB";

    fn tracker(sandbox: &CarriersSandbox) -> CarrierTracker {
        let http = HttpConfig {
            timeout: Duration::from_millis(500),
            connect_timeout: Duration::from_millis(500),
            retry: RetryPolicy {
                min_delay: Duration::from_millis(10),
                max_delay: Duration::from_millis(50),
                max_attempts: 2,
                budget: Duration::from_secs(1),
            },
        };
        let config = AftershipConfig {
            endpoint: sandbox.base_url(),
            rate: RateLimit::new(1000.0, 1000),
            http,
            ..AftershipConfig::new("t", Secret::new(&sandbox.config().aftership_api_key))
        };
        CarrierTracker::new().with_aftership(AftershipTracking::new(config, http.build_client()))
    }

    /// A ticket whose Amazon FBM order has one Royal Mail shipment checked two hours ago.
    async fn setup(
        sandbox: &CarriersSandbox,
        policy: RefreshPolicy,
    ) -> (
        axum::Router,
        String,
        marketdesk_devstack::testing::TestTable,
    ) {
        let t = fresh_table().await;
        let owner = tenant("acme");
        let mut ticket = new_ticket(&owner, at("2026-11-20T10:00:00Z"));
        let mut order = sample_order("2026-11-19T10:00:00Z", "Shipped");
        order.shipments[0].carrier = "royal_mail".into();
        order.shipments[0].tracking_number = NUMBER.into();
        order.shipments[0].checked_at = Some(Utc::now() - chrono::Duration::hours(2));
        ticket.order = Some(OrderRef {
            channel: order.channel,
            order: order.id.clone(),
        });
        let mut write = first_inbound(&ticket, "<r1@relay>");
        write.order = Some(order);
        t.store.record_inbound(&write).await.unwrap();
        let app = api::app(
            api::AppState::local(
                t.store.clone(),
                marketdesk::outbound::MemoryOutboundQueue::default(),
                DevTokens::new(SECRET),
            )
            .with_tracking(Arc::new(TenantTracker::from(tracker(sandbox))), policy),
        );
        (app, format!("/v1/tickets/{}", ticket.id), t)
    }

    #[tokio::test]
    async fn a_stale_shipment_is_refreshed_once_per_window_and_the_answer_is_shared() {
        let sandbox = CarriersSandbox::start().await.unwrap();
        sandbox.set_stage(NUMBER, Stage::OutForDelivery);
        let (app, path, t) = setup(&sandbox, RefreshPolicy::default()).await;
        let bearer = token(&tenant("acme"));

        t.requests.take();
        let (status, _, body) = call(app.clone(), &path, Some(&bearer)).await;
        assert_eq!(status, StatusCode::OK);
        let shipment = &body["order"]["shipments"][0];
        assert_eq!(shipment["status"], "out_for_delivery", "{body:#}");
        assert!(
            shipment["tracking_url"]
                .as_str()
                .unwrap()
                .contains("royalmail.com")
        );
        assert!(shipment["estimated_delivery"].is_string());
        // The view's 2 Queries, the window's claim and the stored answer.
        assert_eq!(t.requests.take(), 4);
        let carrier_calls = sandbox.faults().requests().len();
        assert!(carrier_calls >= 1);

        // Another agent a moment later: the stored answer, no carrier call, the view's budget.
        let (_, _, again) = call(app.clone(), &path, Some(&bearer)).await;
        assert_eq!(again["order"]["shipments"][0]["status"], "out_for_delivery");
        assert_eq!(sandbox.faults().requests().len(), carrier_calls);
        assert_eq!(t.requests.take(), 2);
    }

    #[tokio::test]
    async fn a_carrier_timeout_leaves_the_last_known_status_and_the_view_answers() {
        let sandbox = CarriersSandbox::start().await.unwrap();
        sandbox.set_stage(NUMBER, Stage::Delivered);
        sandbox
            .faults()
            .push_n(AFTERSHIP_GET_ROUTE, Fault::Delay(Duration::from_secs(5)), 4);
        let policy = RefreshPolicy {
            timeout: Duration::from_millis(300),
            ..RefreshPolicy::default()
        };
        let (app, path, _t) = setup(&sandbox, policy).await;
        let bearer = token(&tenant("acme"));
        let (status, _, body) = call(app.clone(), &path, Some(&bearer)).await;
        assert_eq!(status, StatusCode::OK);
        let shipment = &body["order"]["shipments"][0];
        assert_eq!(shipment["status"], "in_transit");
        assert!(
            shipment["tracking_url"]
                .as_str()
                .unwrap()
                .contains("royalmail.com")
        );

        // The window was claimed: a second view within it does not ask again.
        let before = sandbox.requests(AFTERSHIP_GET_ROUTE);
        let (status, _, body) = call(app, &path, Some(&bearer)).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["order"]["shipments"][0]["status"], "in_transit");
        assert_eq!(sandbox.requests(AFTERSHIP_GET_ROUTE), before);
    }
}

#[tokio::test]
async fn a_ready_draft_is_discarded_with_if_match_and_a_stale_etag_changes_nothing() {
    use axum::http::Method;
    use marketdesk::domain::{DraftFacts, ReadyDraft};
    let t = fresh_table().await;
    let owner = tenant("acme");
    let mut ticket = new_ticket(&owner, at("2026-11-20T10:00:00Z"));
    ticket.draft = Some(ReadyDraft {
        template: "wismo_live".into(),
        language: "it".into(),
        body: "Gentile Giulia, il pacco è in transito.".into(),
        facts: DraftFacts::default(),
        missing: Vec::new(),
        compliance: "pass".into(),
        findings: Vec::new(),
        rendered_at: at("2026-11-20T10:00:00Z"),
    });
    t.store
        .record_inbound(&first_inbound(&ticket, "<d1@relay>"))
        .await
        .unwrap();
    let app = api::app(api::AppState::local(
        t.store.clone(),
        marketdesk::outbound::MemoryOutboundQueue::default(),
        DevTokens::new(SECRET),
    ));
    let bearer = token(&owner);
    let (_, _, view) = call(
        app.clone(),
        &format!("/v1/tickets/{}", ticket.id),
        Some(&bearer),
    )
    .await;
    assert_eq!(view["ticket"]["draft"]["template"], "wismo_live");
    let discard = |tag: &'static str| {
        Request::builder()
            .method(Method::DELETE)
            .uri(format!("/v1/tickets/{}/draft", ticket.id))
            .header(header::AUTHORIZATION, format!("Bearer {bearer}"))
            .header(header::IF_MATCH, tag)
            .body(Body::empty())
            .unwrap()
    };
    let stale = app.clone().oneshot(discard("\"v0\"")).await.unwrap();
    assert_eq!(stale.status(), StatusCode::PRECONDITION_FAILED);
    let stored = t.store.ticket(&owner, &ticket.id).await.unwrap().unwrap();
    assert!(stored.draft.is_some());
    let done = app.clone().oneshot(discard("\"v1\"")).await.unwrap();
    assert_eq!(done.status(), StatusCode::OK);
    let stored = t.store.ticket(&owner, &ticket.id).await.unwrap().unwrap();
    assert!(stored.draft.is_none());
    assert_eq!(stored.version, 2);
}
