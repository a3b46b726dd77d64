//! Tenant configuration routes (`/v1/sla/policies`, `/v1/templates`) and the reply's use of a
//! tenant template, driven with `oneshot` over a real store on the emulator.

use std::sync::Arc;

mod common;

use axum::http::{Method, StatusCode};
use common::Answer;
use marketdesk::auth::{DevTokens, Role};
use marketdesk::domain::{AgentId, TenantId};
use marketdesk::outbound::MemoryOutboundQueue;
use marketdesk::store::TicketStore;
use marketdesk_devstack::testing::{TestTable, fresh_table};
use marketdesk_tests::{at, first_inbound, new_ticket, tenant};
use serde_json::{Value, json};

const SECRET: &[u8] = b"config-test-secret";

struct Fixture {
    app: axum::Router,
    table: TestTable,
    acme: TenantId,
    admin: String,
    agent: String,
    other: String,
}

async fn fixture() -> Fixture {
    let acme = tenant("acme");
    let table = fresh_table().await;
    let app = api::app(api::AppState::local(
        table.store.clone(),
        Arc::new(MemoryOutboundQueue::default()),
        DevTokens::new(SECRET),
    ));
    let token = |t: &TenantId, role| {
        DevTokens::new(SECRET).mint(t, &AgentId::parse("alice").unwrap(), role, 4_102_444_800)
    };
    Fixture {
        app,
        admin: token(&acme, Role::Admin),
        agent: token(&acme, Role::Agent),
        other: token(&tenant("globex"), Role::Admin),
        acme,
        table,
    }
}

async fn send(
    f: &Fixture,
    method: Method,
    path: &str,
    token: &str,
    if_match: Option<&str>,
    body: Option<Value>,
) -> Answer {
    common::request(&f.app, method, path, token, if_match, body).await
}

fn vip_policy() -> Value {
    json!({
        "id": "amazon-vip",
        "name": "Amazon, high-value customers",
        "channel": "amazon",
        "match": {"min_lifetime_value_minor": 50000},
        "clock": {"kind": "calendar"},
        "first_response": {"due": "4h", "internal_due": "2h"},
        "next_response": {"due": "4h"},
        "warn_at_percent": [50]
    })
}

fn ids(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_tenant_without_policies_lists_the_seed_set_as_defaults() {
    let f = fixture().await;
    let a = send(&f, Method::GET, "/v1/sla/policies", &f.agent, None, None).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(a.body["defaults"], true);
    assert_eq!(ids(&a.body), ["risk", "amazon", "ebay", "shopify-it"]);
    assert!(
        a.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["default"] == true)
    );

    let a = send(
        &f,
        Method::GET,
        "/v1/sla/policies/amazon",
        &f.agent,
        None,
        None,
    )
    .await;
    assert_eq!(
        (a.status, a.etag.as_deref()),
        (StatusCode::OK, Some("\"v0\""))
    );
    assert_eq!(a.body["first_response"]["due"], "24h");
}

#[tokio::test]
async fn the_first_policy_write_stores_the_seed_set_with_it_narrowest_first() {
    let f = fixture().await;
    let a = send(
        &f,
        Method::POST,
        "/v1/sla/policies",
        &f.admin,
        None,
        Some(vip_policy()),
    )
    .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    assert_eq!(a.etag.as_deref(), Some("\"v1\""));

    let a = send(&f, Method::GET, "/v1/sla/policies", &f.agent, None, None).await;
    assert_eq!(a.body["defaults"], false);
    assert_eq!(
        ids(&a.body),
        ["amazon-vip", "risk", "amazon", "ebay", "shopify-it"]
    );
    assert_eq!(a.body["items"][0]["updated_by"], "alice");

    // The same id again is a conflict.
    let a = send(
        &f,
        Method::POST,
        "/v1/sla/policies",
        &f.admin,
        None,
        Some(vip_policy()),
    )
    .await;
    assert_eq!(a.status, StatusCode::CONFLICT, "{}", a.body);
}

#[tokio::test]
async fn policy_writes_are_admin_only_and_validated_naming_the_field() {
    let f = fixture().await;
    let a = send(
        &f,
        Method::POST,
        "/v1/sla/policies",
        &f.agent,
        None,
        Some(vip_policy()),
    )
    .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    let a = send(
        &f,
        Method::DELETE,
        "/v1/sla/policies/amazon",
        &f.agent,
        Some("\"v0\""),
        None,
    )
    .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);

    let mut bad = vip_policy();
    bad["warn_at_percent"] = json!([0]);
    let a = send(
        &f,
        Method::POST,
        "/v1/sla/policies",
        &f.admin,
        None,
        Some(bad),
    )
    .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.body);
    assert_eq!(a.body["field"], "warn_at_percent[0]");

    let mut unknown = vip_policy();
    unknown["colour"] = json!("red");
    let a = send(
        &f,
        Method::POST,
        "/v1/sla/policies",
        &f.admin,
        None,
        Some(unknown),
    )
    .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST, "{}", a.body);

    // Nothing was stored by the refused writes.
    let a = send(&f, Method::GET, "/v1/sla/policies", &f.agent, None, None).await;
    assert_eq!(a.body["defaults"], true);
}

#[tokio::test]
async fn a_policy_update_needs_the_current_etag() {
    let f = fixture().await;
    let a = send(
        &f,
        Method::GET,
        "/v1/sla/policies/amazon",
        &f.admin,
        None,
        None,
    )
    .await;
    let mut policy = a.body.clone();
    policy["first_response"] = json!({"due": "8h", "internal_due": "4h"});

    let a = send(
        &f,
        Method::PUT,
        "/v1/sla/policies/amazon",
        &f.admin,
        None,
        Some(policy.clone()),
    )
    .await;
    assert_eq!(a.status, StatusCode::PRECONDITION_REQUIRED);
    let a = send(
        &f,
        Method::PUT,
        "/v1/sla/policies/amazon",
        &f.admin,
        Some("\"v3\""),
        Some(policy.clone()),
    )
    .await;
    assert_eq!(a.status, StatusCode::PRECONDITION_FAILED, "{}", a.body);
    assert_eq!(a.body["policy"]["version"], 0);

    // The GET's body goes back as read (its read-only fields are ignored).
    let a = send(
        &f,
        Method::PUT,
        "/v1/sla/policies/amazon",
        &f.admin,
        Some("\"v0\""),
        Some(policy.clone()),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(a.etag.as_deref(), Some("\"v1\""));
    let a = send(
        &f,
        Method::GET,
        "/v1/sla/policies/amazon",
        &f.agent,
        None,
        None,
    )
    .await;
    assert_eq!(a.body["first_response"]["due"], "8h");
    assert_eq!(a.body["default"], false);

    let a = send(
        &f,
        Method::PUT,
        "/v1/sla/policies/amazon",
        &f.admin,
        Some("\"v1\""),
        Some(policy.clone()),
    )
    .await;
    assert_eq!(
        (a.status, a.etag.as_deref()),
        (StatusCode::OK, Some("\"v2\""))
    );
    let a = send(
        &f,
        Method::PUT,
        "/v1/sla/policies/amazon",
        &f.admin,
        Some("\"v1\""),
        Some(policy.clone()),
    )
    .await;
    assert_eq!(a.status, StatusCode::PRECONDITION_FAILED);

    let a = send(
        &f,
        Method::PUT,
        "/v1/sla/policies/ebay",
        &f.admin,
        Some("\"v1\""),
        Some(policy),
    )
    .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(a.body["field"], "id");
}

#[tokio::test]
async fn the_last_policy_covering_a_channel_cannot_be_removed() {
    let f = fixture().await;
    let a = send(
        &f,
        Method::DELETE,
        "/v1/sla/policies/ebay",
        &f.admin,
        Some("\"v0\""),
        None,
    )
    .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.body);
    assert!(a.body["detail"].as_str().unwrap().contains("ebay"));

    // Narrowing eBay's only catch-all to some tickets uncovers the rest: refused too.
    let a = send(
        &f,
        Method::GET,
        "/v1/sla/policies/ebay",
        &f.admin,
        None,
        None,
    )
    .await;
    let mut narrowed = a.body.clone();
    narrowed["match"] = json!({"tags": ["vip"]});
    let a = send(
        &f,
        Method::PUT,
        "/v1/sla/policies/ebay",
        &f.admin,
        Some("\"v0\""),
        Some(narrowed),
    )
    .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.body);

    // A narrower policy goes freely; deleting it stores the rest of the seed set.
    let a = send(
        &f,
        Method::DELETE,
        "/v1/sla/policies/risk",
        &f.admin,
        Some("\"v0\""),
        None,
    )
    .await;
    assert_eq!(a.status, StatusCode::NO_CONTENT);
    let a = send(&f, Method::GET, "/v1/sla/policies", &f.agent, None, None).await;
    assert_eq!(ids(&a.body), ["amazon", "ebay", "shopify-it"]);
    assert_eq!(a.body["defaults"], false);

    let a = send(
        &f,
        Method::DELETE,
        "/v1/sla/policies/risk",
        &f.admin,
        Some("\"v1\""),
        None,
    )
    .await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    let a = send(
        &f,
        Method::DELETE,
        "/v1/sla/policies/amazon",
        &f.admin,
        None,
        None,
    )
    .await;
    assert_eq!(a.status, StatusCode::PRECONDITION_REQUIRED);
}

#[tokio::test]
async fn another_tenants_policies_and_templates_are_not_found() {
    let f = fixture().await;
    let a = send(
        &f,
        Method::POST,
        "/v1/sla/policies",
        &f.admin,
        None,
        Some(vip_policy()),
    )
    .await;
    assert_eq!(a.status, StatusCode::CREATED);
    let a = send(
        &f,
        Method::POST,
        "/v1/templates",
        &f.admin,
        None,
        Some(custom_template()),
    )
    .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);

    for (method, path, if_match) in [
        (Method::GET, "/v1/sla/policies/amazon-vip", None),
        (Method::PUT, "/v1/sla/policies/amazon-vip", Some("\"v1\"")),
        (
            Method::DELETE,
            "/v1/sla/policies/amazon-vip",
            Some("\"v1\""),
        ),
        (Method::GET, "/v1/templates/gift_wrap", None),
        (Method::PUT, "/v1/templates/gift_wrap", Some("\"v1\"")),
        (Method::DELETE, "/v1/templates/gift_wrap", Some("\"v1\"")),
    ] {
        let body = if path.contains("templates") {
            custom_template()
        } else {
            vip_policy()
        };
        let a = send(&f, method.clone(), path, &f.other, if_match, Some(body)).await;
        assert_eq!(
            a.status,
            StatusCode::NOT_FOUND,
            "{method} {path}: {}",
            a.body
        );
    }
    let a = send(&f, Method::GET, "/v1/sla/policies", &f.other, None, None).await;
    assert_eq!(a.body["defaults"], true);
    let a = send(&f, Method::GET, "/v1/templates", &f.other, None, None).await;
    assert!(!ids(&a.body).contains(&"gift_wrap".to_string()));
}

fn custom_template() -> Value {
    json!({
        "id": "gift_wrap",
        "name": "Gift wrapping",
        "variants": [
            {"language": "en", "body": "Hello [BUYER_NAME], your order [ORDER_ID] will be gift wrapped. Kind regards, [SELLER_NAME]"},
            {"language": "it", "body": "Buongiorno [BUYER_NAME], l'ordine [ORDER_ID] sarà confezionato come regalo. Cordiali saluti, [SELLER_NAME]"}
        ]
    })
}

#[tokio::test]
async fn templates_list_the_starter_set_then_the_tenants_own() {
    let f = fixture().await;
    let a = send(
        &f,
        Method::POST,
        "/v1/templates",
        &f.agent,
        None,
        Some(custom_template()),
    )
    .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    let a = send(
        &f,
        Method::POST,
        "/v1/templates",
        &f.admin,
        None,
        Some(custom_template()),
    )
    .await;
    assert_eq!(
        (a.status, a.etag.as_deref()),
        (StatusCode::CREATED, Some("\"v1\"")),
        "{}",
        a.body
    );

    let a = send(&f, Method::GET, "/v1/templates", &f.agent, None, None).await;
    let items = a.body["items"].as_array().unwrap();
    let last = items.last().unwrap();
    assert_eq!(
        (last["id"].as_str(), last["origin"].as_str()),
        (Some("gift_wrap"), Some("tenant"))
    );
    assert!(
        items[..items.len() - 1]
            .iter()
            .all(|t| t["origin"] == "starter")
    );
    let starter_ids: Vec<&str> = items.iter().map(|t| t["id"].as_str().unwrap()).collect();
    assert!(starter_ids.contains(&"wismo_live") && starter_ids.contains(&"return_authorised"));
    for t in &items[..items.len() - 1] {
        let languages: Vec<&str> = t["variants"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["language"].as_str().unwrap())
            .collect();
        assert!(
            languages.contains(&"en") && languages.contains(&"it"),
            "{t}"
        );
    }

    let a = send(
        &f,
        Method::GET,
        "/v1/templates/gift_wrap",
        &f.agent,
        None,
        None,
    )
    .await;
    assert_eq!(
        (a.status, a.etag.as_deref()),
        (StatusCode::OK, Some("\"v1\""))
    );
    let a = send(
        &f,
        Method::POST,
        "/v1/templates",
        &f.admin,
        None,
        Some(custom_template()),
    )
    .await;
    assert_eq!(a.status, StatusCode::CONFLICT);

    let a = send(
        &f,
        Method::DELETE,
        "/v1/templates/gift_wrap",
        &f.admin,
        Some("\"v2\""),
        None,
    )
    .await;
    assert_eq!(a.status, StatusCode::PRECONDITION_FAILED);
    let a = send(
        &f,
        Method::DELETE,
        "/v1/templates/gift_wrap",
        &f.admin,
        Some("\"v1\""),
        None,
    )
    .await;
    assert_eq!(a.status, StatusCode::NO_CONTENT);
    let a = send(
        &f,
        Method::GET,
        "/v1/templates/gift_wrap",
        &f.agent,
        None,
        None,
    )
    .await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_starter_template_is_overridden_not_deleted() {
    let f = fixture().await;
    let a = send(
        &f,
        Method::DELETE,
        "/v1/templates/refund_processed",
        &f.admin,
        Some("\"v0\""),
        None,
    )
    .await;
    assert_eq!(a.status, StatusCode::CONFLICT, "{}", a.body);

    let a = send(
        &f,
        Method::GET,
        "/v1/templates/refund_processed",
        &f.admin,
        None,
        None,
    )
    .await;
    assert_eq!(a.etag.as_deref(), Some("\"v0\""));
    let mut ours = a.body.clone();
    ours["name"] = json!("Refund (our wording)");
    let a = send(
        &f,
        Method::PUT,
        "/v1/templates/refund_processed",
        &f.admin,
        None,
        Some(ours.clone()),
    )
    .await;
    assert_eq!(a.status, StatusCode::PRECONDITION_REQUIRED);
    let a = send(
        &f,
        Method::PUT,
        "/v1/templates/refund_processed",
        &f.admin,
        Some("\"v0\""),
        Some(ours),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(
        (a.body["origin"].as_str(), a.etag.as_deref()),
        (Some("override"), Some("\"v1\""))
    );

    // Deleting the override brings the starter wording back.
    let a = send(
        &f,
        Method::DELETE,
        "/v1/templates/refund_processed",
        &f.admin,
        Some("\"v1\""),
        None,
    )
    .await;
    assert_eq!(a.status, StatusCode::NO_CONTENT);
    let a = send(
        &f,
        Method::GET,
        "/v1/templates/refund_processed",
        &f.agent,
        None,
        None,
    )
    .await;
    assert_eq!(
        (a.body["origin"].as_str(), a.etag.as_deref()),
        (Some("starter"), Some("\"v0\""))
    );
}

#[tokio::test]
async fn a_template_is_validated_and_must_be_compliant_before_it_is_saved() {
    let f = fixture().await;
    let cases = [
        (
            json!({"language": "english", "body": "Hello"}),
            "variants[0].language",
        ),
        (
            json!({"language": "en", "body": "Hello [COUPON_CODE]"}),
            "variants[0].body",
        ),
        (
            json!({"channel": "amazon", "language": "en", "body": "Please leave us a five star review and get 10% discount! Write to shop@example.com"}),
            "variants[0].body",
        ),
    ];
    for (variant, field) in cases {
        let mut t = custom_template();
        t["variants"] = json!([variant]);
        let a = send(&f, Method::POST, "/v1/templates", &f.admin, None, Some(t)).await;
        assert_eq!(
            a.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{variant}: {}",
            a.body
        );
        assert_eq!(a.body["field"], field, "{}", a.body);
    }
    // A wording for every channel is held to Amazon's rules too.
    let mut t = custom_template();
    t["variants"] = json!([{"language": "en", "body": "Thanks! Leave us a five star review for a discount on your next order."}]);
    let a = send(&f, Method::POST, "/v1/templates", &f.admin, None, Some(t)).await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.body);
    let findings = a.body["findings"].as_array().unwrap();
    assert!(
        findings.iter().any(|x| x["channel"] == "amazon"),
        "{findings:?}"
    );

    let mut t = custom_template();
    t["variants"][0]["channel"] = json!("etsy");
    let a = send(&f, Method::POST, "/v1/templates", &f.admin, None, Some(t)).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST, "{}", a.body);

    let a = send(
        &f,
        Method::GET,
        "/v1/templates/gift_wrap",
        &f.agent,
        None,
        None,
    )
    .await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_reply_uses_the_tenants_template_in_two_requests() {
    let f = fixture().await;
    let ticket = new_ticket(&f.acme, at("2026-11-20T10:00:00Z"));
    f.table
        .store
        .record_inbound(&first_inbound(&ticket, "<c1@relay>"))
        .await
        .unwrap();
    let a = send(
        &f,
        Method::POST,
        "/v1/templates",
        &f.admin,
        None,
        Some(custom_template()),
    )
    .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);

    f.table.requests.take();
    let a = send(
        &f,
        Method::POST,
        &format!("/v1/tickets/{}/replies", ticket.id),
        &f.agent,
        None,
        Some(json!({
            "template": "gift_wrap",
            "language": "it",
            "values": {"BUYER_NAME": "Giulia", "SELLER_NAME": "Casa Rossi"},
            "expected_version": 1
        })),
    )
    .await;
    assert_eq!(a.status, StatusCode::ACCEPTED, "{}", a.body);
    assert_eq!(
        f.table.requests.take(),
        2,
        "one BatchGetItem and one transaction"
    );
    let body = a.body["message"]["body"].as_str().unwrap();
    assert!(
        body.starts_with("Buongiorno Giulia") && body.contains("confezionato come regalo"),
        "{body}"
    );

    // Another tenant's template id is unknown to this tenant's replies.
    let a = send(
        &f,
        Method::POST,
        &format!("/v1/tickets/{}/replies", ticket.id),
        &f.agent,
        None,
        Some(json!({"template": "no_such", "expected_version": 2})),
    )
    .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST, "{}", a.body);
    assert_eq!(a.body["field"], "template");
}

async fn preview(f: &Fixture, token: &str, policy: &str) -> Answer {
    send(
        f,
        Method::POST,
        "/v1/sla/preview",
        token,
        None,
        Some(json!({"policy": policy, "message_at": "2026-03-28T22:30:00Z"})),
    )
    .await
}

#[tokio::test]
async fn the_sla_preview_resolves_a_policy_id_among_the_callers_tenants_policies() {
    let f = fixture().await;
    // No policy of its own yet: the seed set, and nothing else.
    let a = preview(&f, &f.agent, "amazon").await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(a.body["due_at"], "2026-03-29T22:30:00Z");
    let names: Vec<&str> = a.body["deadlines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["warn_50", "internal_breach", "warn_80", "breach"]);
    let a = preview(&f, &f.agent, "amazon-vip").await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST, "{}", a.body);
    assert_eq!(a.body["field"], "policy");

    let a = send(
        &f,
        Method::POST,
        "/v1/sla/policies",
        &f.admin,
        None,
        Some(vip_policy()),
    )
    .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    // At once (no cache in the way), with the tenant's own targets: 4 h, 2 h internally.
    let a = preview(&f, &f.agent, "amazon-vip").await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(a.body["due_at"], "2026-03-29T02:30:00Z");
    assert_eq!(a.body["internal_due_at"], "2026-03-29T00:30:00Z");

    // Another tenant's id is unknown to the caller.
    let a = preview(&f, &f.other, "amazon-vip").await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST, "{}", a.body);
    assert_eq!(a.body["field"], "policy");
}

/// The `detail`s of the tenant's audit entries of `action`, sorted (entries of one second may
/// list in either order), each checked to carry ids and versions only, never a body.
async fn audit_details(f: &Fixture, action: &str, target: &str) -> Vec<Value> {
    let a = send(
        f,
        Method::GET,
        &format!("/v1/admin/audit?action={action}"),
        &f.admin,
        None,
        None,
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    let mut details: Vec<Value> = a.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            assert_eq!(
                (e["actor"].as_str(), e["target"].as_str()),
                (Some("alice"), Some(target))
            );
            let detail = e["detail"].as_object().unwrap();
            assert!(
                detail
                    .keys()
                    .all(|k| ["change", "id", "version", "from_version"].contains(&k.as_str())),
                "{detail:?}"
            );
            e["detail"].clone()
        })
        .collect();
    details.sort_by_key(|d| d.to_string());
    details
}

fn sorted(mut values: Vec<Value>) -> Vec<Value> {
    values.sort_by_key(|d| d.to_string());
    values
}

#[tokio::test]
async fn policy_changes_are_in_the_audit_log_and_refused_ones_are_not() {
    let f = fixture().await;
    let path = "/v1/sla/policies/amazon-vip";
    let a = send(
        &f,
        Method::POST,
        "/v1/sla/policies",
        &f.admin,
        None,
        Some(vip_policy()),
    )
    .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    let mut changed = vip_policy();
    changed["name"] = json!("Amazon VIP");
    let a = send(
        &f,
        Method::PUT,
        path,
        &f.admin,
        Some("\"v1\""),
        Some(changed.clone()),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    // Refused writes leave no entry: an agent's, and a stale one.
    let a = send(
        &f,
        Method::PUT,
        path,
        &f.agent,
        Some("\"v2\""),
        Some(changed.clone()),
    )
    .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    let a = send(
        &f,
        Method::PUT,
        path,
        &f.admin,
        Some("\"v1\""),
        Some(changed),
    )
    .await;
    assert_eq!(a.status, StatusCode::PRECONDITION_FAILED);
    let a = send(&f, Method::DELETE, path, &f.admin, Some("\"v2\""), None).await;
    assert_eq!(a.status, StatusCode::NO_CONTENT, "{}", a.body);

    assert_eq!(
        audit_details(&f, "policy.change", "amazon-vip").await,
        sorted(vec![
            json!({"change": "created", "id": "amazon-vip", "version": 1}),
            json!({"change": "replaced", "id": "amazon-vip", "from_version": 1, "version": 2}),
            json!({"change": "deleted", "id": "amazon-vip", "version": 2}),
        ])
    );
}

#[tokio::test]
async fn template_changes_are_in_the_audit_log_including_a_starter_override() {
    let f = fixture().await;
    let a = send(
        &f,
        Method::POST,
        "/v1/templates",
        &f.admin,
        None,
        Some(custom_template()),
    )
    .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    let mut changed = custom_template();
    changed["name"] = json!("Gift wrap");
    let path = "/v1/templates/gift_wrap";
    let a = send(
        &f,
        Method::PUT,
        path,
        &f.admin,
        Some("\"v1\""),
        Some(changed),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    let a = send(&f, Method::DELETE, path, &f.admin, Some("\"v3\""), None).await;
    assert_eq!(a.status, StatusCode::PRECONDITION_FAILED);
    let a = send(&f, Method::DELETE, path, &f.admin, Some("\"v2\""), None).await;
    assert_eq!(a.status, StatusCode::NO_CONTENT, "{}", a.body);
    assert_eq!(
        audit_details(&f, "template.change", "gift_wrap").await,
        sorted(vec![
            json!({"change": "created", "id": "gift_wrap", "version": 1}),
            json!({"change": "replaced", "id": "gift_wrap", "from_version": 1, "version": 2}),
            json!({"change": "deleted", "id": "gift_wrap", "version": 2}),
        ])
    );

    let starter = "/v1/templates/refund_processed";
    let mut ours = send(&f, Method::GET, starter, &f.admin, None, None)
        .await
        .body;
    ours["name"] = json!("Refund (our wording)");
    let a = send(
        &f,
        Method::PUT,
        starter,
        &f.admin,
        Some("\"v0\""),
        Some(ours),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    let a = send(
        &f,
        Method::GET,
        "/v1/admin/audit?action=template.change&limit=100",
        &f.admin,
        None,
        None,
    )
    .await;
    let items = a.body["items"].as_array().unwrap();
    let entry = items
        .iter()
        .find(|e| e["target"] == "refund_processed")
        .expect("the override is audited");
    assert_eq!(
        entry["detail"],
        json!({"change": "replaced", "id": "refund_processed", "from_version": 0, "version": 1})
    );
}
