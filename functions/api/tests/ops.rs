//! Presence, badge counts, the audit log and quarantine redrive through the router, over a
//! real store on the emulator; CORS on a store-less router.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use chrono::{Duration, Utc};
use http_body_util::BodyExt;
use marketdesk::auth::{DevTokens, Role};
use marketdesk::domain::{AgentId, Channel, TenantId, TicketStatus};
use marketdesk::redrive::{MemoryRedrive, Redrive};
use marketdesk::store::{QuarantineRecord, QuarantineStore, TicketStore};
use marketdesk_devstack::testing::fresh_table;
use marketdesk_tests::{at, first_inbound, new_ticket, tenant};
use serde_json::{Value, json};
use tower::ServiceExt;

const SECRET: &[u8] = b"ops-test-secret";

fn token(tenant: &TenantId, user: &str, role: Role) -> String {
    DevTokens::new(SECRET).mint(tenant, &AgentId::parse(user).unwrap(), role, 4_102_444_800)
}

struct Shared(Arc<MemoryRedrive>);

impl Redrive for Shared {
    fn redrive<'a>(
        &'a self,
        worker: &'a str,
        payload: &'a str,
    ) -> futures::future::BoxFuture<'a, Result<(), marketdesk::redrive::RedriveError>> {
        self.0.redrive(worker, payload)
    }
}

struct Fixture {
    app: axum::Router,
    store: marketdesk::adapters::dynamo::DynamoStore,
    redrive: Arc<MemoryRedrive>,
}

async fn fixture() -> Fixture {
    let t = fresh_table().await;
    let redrive = Arc::new(MemoryRedrive::for_workers(&["ingest"]));
    let app = api::app(
        api::AppState::local(
            t.store.clone(),
            marketdesk::outbound::MemoryOutboundQueue::default(),
            DevTokens::new(SECRET),
        )
        .with_redrive(Shared(redrive.clone())),
    );
    Fixture {
        app,
        store: t.store,
        redrive,
    }
}

async fn call(
    app: &axum::Router,
    method: Method,
    path: &str,
    bearer: &str,
    body: Option<Value>,
    if_match: Option<&str>,
) -> (StatusCode, Value) {
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {bearer}"));
    if let Some(tag) = if_match {
        request = request.header(header::IF_MATCH, tag);
    }
    let body = match body {
        Some(b) => {
            request = request.header(header::CONTENT_TYPE, "application/json");
            Body::from(b.to_string())
        }
        None => Body::empty(),
    };
    let response = app
        .clone()
        .oneshot(request.body(body).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

async fn ticket_of(store: &impl TicketStore, owner: &TenantId) -> marketdesk::domain::Ticket {
    let ticket = new_ticket(owner, Utc::now() - Duration::hours(1));
    store
        .record_inbound(&first_inbound(&ticket, &format!("<{}@relay>", ticket.id)))
        .await
        .unwrap();
    ticket
}

#[tokio::test]
async fn a_heartbeat_lists_the_agent_on_the_ticket_until_it_leaves() {
    let f = fixture().await;
    let acme = tenant("acme");
    let ticket = ticket_of(&f.store, &acme).await;
    let path = format!("/v1/tickets/{}/presence", ticket.id);
    let alice = token(&acme, "alice", Role::Agent);

    let (status, body) = call(
        &f.app,
        Method::PUT,
        &path,
        &alice,
        Some(json!({"state": "replying"})),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        (body["agent"].as_str(), body["state"].as_str()),
        (Some("alice"), Some("replying"))
    );

    let view = format!("/v1/tickets/{}", ticket.id);
    let (_, body) = call(&f.app, Method::GET, &view, &alice, None, None).await;
    assert_eq!(body["presences"][0]["agent"], "alice");
    assert_eq!(body["presences"][0]["state"], "replying");
    // A presence is not a ticket change: the version agents write against is unchanged.
    assert_eq!(body["ticket"]["version"], 1);

    let (status, _) = call(&f.app, Method::DELETE, &path, &alice, None, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, body) = call(&f.app, Method::GET, &view, &alice, None, None).await;
    assert_eq!(body["presences"], json!([]));
}

#[tokio::test]
async fn presence_on_another_tenants_or_an_unknown_ticket_is_404_and_a_bad_state_400() {
    let f = fixture().await;
    let ticket = ticket_of(&f.store, &tenant("acme")).await;
    let mallory = token(&tenant("globex"), "mallory", Role::Admin);
    let path = format!("/v1/tickets/{}/presence", ticket.id);
    for method in [Method::PUT, Method::DELETE] {
        let (status, _) = call(
            &f.app,
            method.clone(),
            &path,
            &mallory,
            Some(json!({"state": "viewing"})),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method}");
    }
    let (status, _) = call(
        &f.app,
        Method::PUT,
        "/v1/tickets/tkt_nope/presence",
        &mallory,
        Some(json!({"state": "viewing"})),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Nothing was written into acme's ticket by globex.
    let view = f
        .store
        .ticket_view(&tenant("acme"), &ticket.id)
        .await
        .unwrap()
        .unwrap();
    assert!(view.presences.is_empty());

    let alice = token(&tenant("acme"), "alice", Role::Agent);
    let (status, body) = call(
        &f.app,
        Method::PUT,
        &path,
        &alice,
        Some(json!({"state": "typing"})),
        None,
    )
    .await;
    assert_eq!(
        (status, body["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("state"))
    );
    let (status, _) = call(
        &f.app,
        Method::PUT,
        &path,
        &alice,
        Some(json!({"state": "viewing", "tenant": "globex"})),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn counts_split_open_tickets_by_channel_and_sla_state_of_the_callers_tenant_only() {
    let f = fixture().await;
    let acme = tenant("acme");
    let now = Utc::now();
    // Breached (sent 25 h ago), warning (internal 12 h passed), ok (just in).
    for (hours, channel) in [
        (25, Channel::Amazon),
        (13, Channel::Amazon),
        (0, Channel::Ebay),
    ] {
        let mut ticket = new_ticket(&acme, now - Duration::hours(hours));
        ticket.channel = channel;
        f.store
            .record_inbound(&first_inbound(&ticket, &format!("<{}@relay>", ticket.id)))
            .await
            .unwrap();
    }
    let mut pending = new_ticket(&acme, now);
    pending.status = TicketStatus::Pending;
    f.store
        .record_inbound(&first_inbound(&pending, "<pending@relay>"))
        .await
        .unwrap();
    ticket_of(&f.store, &tenant("globex")).await;

    let alice = token(&acme, "alice", Role::Agent);
    let (status, body) = call(
        &f.app,
        Method::GET,
        "/v1/tickets/counts",
        &alice,
        None,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["open"],
        json!({"total": 3, "ok": 1, "warning": 1, "breached": 1,
            "by_channel": {
                "amazon": {"total": 2, "ok": 0, "warning": 1, "breached": 1},
                "ebay": {"total": 1, "ok": 1, "warning": 0, "breached": 0}}})
    );
    assert_eq!(body["pending"]["total"], 1);

    let other = token(&tenant("initech"), "bob", Role::Admin);
    let (_, body) = call(
        &f.app,
        Method::GET,
        "/v1/tickets/counts",
        &other,
        None,
        None,
    )
    .await;
    assert_eq!(body["open"]["total"], 0);
}

#[tokio::test]
async fn a_status_change_is_audited_and_only_the_tenants_admin_reads_it() {
    let f = fixture().await;
    let acme = tenant("acme");
    let ticket = ticket_of(&f.store, &acme).await;
    let alice = token(&acme, "alice", Role::Agent);
    let (status, body) = call(
        &f.app,
        Method::PUT,
        &format!("/v1/tickets/{}/status", ticket.id),
        &alice,
        Some(json!({"status": "resolved", "reason": "answered by phone"})),
        Some("\"v1\""),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let (status, _) = call(&f.app, Method::GET, "/v1/admin/audit", &alice, None, None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let admin = token(&acme, "boss", Role::Admin);
    let (status, body) = call(
        &f.app,
        Method::GET,
        "/v1/admin/audit?action=ticket.status",
        &admin,
        None,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let items = body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{body}");
    assert_eq!(items[0]["actor"], "alice");
    assert_eq!(items[0]["target"], ticket.id.as_str());
    assert_eq!(items[0]["detail"]["to"], "resolved");
    assert_eq!(items[0]["detail"]["reason"], "answered by phone");

    let (_, body) = call(
        &f.app,
        Method::GET,
        "/v1/admin/audit?actor=bob",
        &admin,
        None,
        None,
    )
    .await;
    assert_eq!(body["items"], json!([]));
    let globex = token(&tenant("globex"), "boss", Role::Admin);
    let (_, body) = call(&f.app, Method::GET, "/v1/admin/audit", &globex, None, None).await;
    assert_eq!(body["items"], json!([]));

    let (status, body) = call(
        &f.app,
        Method::GET,
        "/v1/admin/audit?from=yesterday",
        &admin,
        None,
        None,
    )
    .await;
    assert_eq!(
        (status, body["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("from"))
    );
}

#[tokio::test]
async fn the_audit_log_pages_newest_first_across_months() {
    use marketdesk::domain::AuditEntry;
    let f = fixture().await;
    let acme = tenant("acme");
    // Entries written through a ticket transaction land in the month of their instant.
    for (i, when) in [
        "2026-09-30T23:00:00Z",
        "2026-10-15T10:00:00Z",
        "2026-10-16T10:00:00Z",
        "2026-11-01T00:00:00Z",
    ]
    .into_iter()
    .enumerate()
    {
        let mut ticket = ticket_of(&f.store, &acme).await;
        ticket.version = 1; // as stored by its first inbound message
        let written = f
            .store
            .write_ticket(&marketdesk::store::TicketWrite {
                ticket: ticket.clone(),
                messages: vec![],
                events: vec![],
                notes: vec![],
                report: Default::default(),
                audit: vec![AuditEntry::new(
                    at(when),
                    format!("agent{i}"),
                    "ticket.assign",
                    ticket.id.as_str(),
                    json!({}),
                )],
            })
            .await;
        assert!(written.is_ok(), "{written:?}");
    }
    let admin = token(&acme, "boss", Role::Admin);
    let mut seen = Vec::new();
    let mut path =
        "/v1/admin/audit?from=2026-10-01T00:00:00Z&to=2026-11-30T00:00:00Z&limit=2".to_string();
    for _ in 0..5 {
        let (status, body) = call(&f.app, Method::GET, &path, &admin, None, None).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        for item in body["items"].as_array().unwrap() {
            seen.push(item["actor"].as_str().unwrap().to_owned());
        }
        match body["next_cursor"].as_str() {
            Some(c) => {
                path = format!(
                    "/v1/admin/audit?from=2026-10-01T00:00:00Z&to=2026-11-30T00:00:00Z&limit=2&cursor={c}"
                )
            }
            None => break,
        }
    }
    // The September entry is outside the range.
    assert_eq!(seen, ["agent3", "agent2", "agent1"]);
}

fn record(tenant: &TenantId, id: &str) -> QuarantineRecord {
    QuarantineRecord {
        id: id.into(),
        tenant: tenant.clone(),
        at: at("2026-11-20T10:00:00Z"),
        worker: "ingest".into(),
        reason: "malformed".into(),
        detail: "missing field `tenant`".into(),
        payload: "{\"kind\":\"ebay\"}".into(),
        in_dlq: true,
        redriven_at: None,
        redriven_by: None,
    }
}

#[tokio::test]
async fn an_admin_redrives_a_quarantined_payload_once() {
    let f = fixture().await;
    let acme = tenant("acme");
    f.store.quarantine(&record(&acme, "m-1")).await.unwrap();
    let path = "/v1/admin/quarantine/m-1/redrive";

    let agent = token(&acme, "alice", Role::Agent);
    let (status, _) = call(&f.app, Method::POST, path, &agent, None, None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let globex = token(&tenant("globex"), "boss", Role::Admin);
    let (status, _) = call(&f.app, Method::POST, path, &globex, None, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(f.redrive.sent("ingest").is_empty());

    let admin = token(&acme, "boss", Role::Admin);
    let (status, body) = call(&f.app, Method::POST, path, &admin, None, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["redriven_by"], "boss");
    assert_eq!(f.redrive.sent("ingest"), ["{\"kind\":\"ebay\"}"]);

    let (status, _) = call(&f.app, Method::POST, path, &admin, None, None).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(f.redrive.sent("ingest").len(), 1);

    let (_, body) = call(
        &f.app,
        Method::GET,
        "/v1/admin/quarantine",
        &admin,
        None,
        None,
    )
    .await;
    assert_eq!(body["items"][0]["redriven_by"], "boss");
    let (_, body) = call(
        &f.app,
        Method::GET,
        "/v1/admin/audit?action=quarantine.redrive",
        &admin,
        None,
        None,
    )
    .await;
    assert_eq!(body["items"][0]["target"], "m-1");
}

#[tokio::test]
async fn a_redrive_without_a_queue_for_its_worker_is_503_and_leaves_the_record_unmarked() {
    let f = fixture().await;
    let acme = tenant("acme");
    let mut rec = record(&acme, "m-2");
    rec.worker = "escalator".into();
    f.store.quarantine(&rec).await.unwrap();
    let admin = token(&acme, "boss", Role::Admin);
    let (status, _) = call(
        &f.app,
        Method::POST,
        "/v1/admin/quarantine/m-2/redrive",
        &admin,
        None,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    let stored = f
        .store
        .quarantine_record(&acme, "m-2")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.redriven_at, None);
}

async fn cors_call(origins: &str, request: Request<Body>) -> axum::http::Response<Body> {
    let config = marketdesk_devstack::emulator::sdk_config_for("http://127.0.0.1:9").await;
    let store = marketdesk::adapters::dynamo::DynamoStore::from_config(&config, "unused");
    let app = api::app(
        api::AppState::local(
            store,
            marketdesk::outbound::MemoryOutboundQueue::default(),
            DevTokens::new(SECRET),
        )
        .with_cors_origins(api::cors::parse_origins(origins).unwrap()),
    );
    app.oneshot(request).await.unwrap()
}

fn preflight(origin: &str) -> Request<Body> {
    Request::builder()
        .method(Method::OPTIONS)
        .uri("/v1/tickets/tkt_1/status")
        .header(header::ORIGIN, origin)
        .header(header::ACCESS_CONTROL_REQUEST_METHOD, "PUT")
        .header(
            header::ACCESS_CONTROL_REQUEST_HEADERS,
            "authorization,content-type,if-match",
        )
        .body(Body::empty())
        .unwrap()
}

#[tokio::test]
async fn a_configured_origins_preflight_is_allowed_with_if_match_and_etag_is_exposed() {
    let response = cors_call(
        "https://app.example.com",
        preflight("https://app.example.com"),
    )
    .await;
    let headers = response.headers();
    assert_eq!(
        headers[header::ACCESS_CONTROL_ALLOW_ORIGIN],
        "https://app.example.com"
    );
    let allowed = headers[header::ACCESS_CONTROL_ALLOW_HEADERS]
        .to_str()
        .unwrap()
        .to_lowercase();
    for h in ["authorization", "content-type", "if-match"] {
        assert!(allowed.contains(h), "{allowed}");
    }
    assert!(
        headers[header::ACCESS_CONTROL_ALLOW_METHODS]
            .to_str()
            .unwrap()
            .contains("PUT")
    );

    let get = Request::get("/v1/health")
        .header(header::ORIGIN, "https://app.example.com")
        .body(Body::empty())
        .unwrap();
    let response = cors_call("https://app.example.com", get).await;
    let exposed = response.headers()[header::ACCESS_CONTROL_EXPOSE_HEADERS]
        .to_str()
        .unwrap()
        .to_lowercase();
    assert!(exposed.contains("etag"), "{exposed}");
}

#[tokio::test]
async fn another_origin_or_no_configuration_gets_no_cors_headers() {
    let response = cors_call(
        "https://app.example.com",
        preflight("https://evil.example.net"),
    )
    .await;
    assert!(
        response
            .headers()
            .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
            .is_none()
    );
    let response = cors_call("", preflight("https://app.example.com")).await;
    assert!(
        response
            .headers()
            .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
            .is_none()
    );
}

#[tokio::test]
async fn a_redriven_ingest_payload_is_back_on_the_stacks_ingest_queue() {
    let stack = marketdesk_devstack::testing::fresh_stack().await;
    let sqs = aws_sdk_sqs::Client::new(&stack.config);
    let url = stack.resources.queue("IngestQueue").url.clone();
    let app = api::app(
        api::AppState::local(
            stack.store.clone(),
            marketdesk::outbound::MemoryOutboundQueue::default(),
            DevTokens::new(SECRET),
        )
        .with_redrive(
            marketdesk::adapters::sqs::SqsRedrive::new(sqs.clone())
                .with_queue("ingest", url.clone()),
        ),
    );
    let acme = tenant("acme");
    stack.store.quarantine(&record(&acme, "m-3")).await.unwrap();
    let admin = token(&acme, "boss", Role::Admin);
    let (status, body) = call(
        &app,
        Method::POST,
        "/v1/admin/quarantine/m-3/redrive",
        &admin,
        None,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let out = sqs
        .receive_message()
        .queue_url(&url)
        .max_number_of_messages(10)
        .send()
        .await
        .unwrap();
    let bodies: Vec<_> = out.messages().iter().filter_map(|m| m.body()).collect();
    assert_eq!(bodies, ["{\"kind\":\"ebay\"}"]);
}
