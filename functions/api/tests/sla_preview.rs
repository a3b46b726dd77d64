//! `POST /v1/sla/preview` with inline policies and `/v1/openapi.json`, driven with `oneshot`.
//! Neither touches the store, so the store points at an address nothing listens on (a policy
//! by id reads the tenant's: `tests/config.rs`).

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use marketdesk::auth::Role;
use serde_json::{Value, json};

mod common;

use common::send;

fn token() -> String {
    common::token(Role::Admin)
}

async fn preview(body: Value) -> (StatusCode, String, Value) {
    send(
        Request::post("/v1/sla/preview")
            .header(header::AUTHORIZATION, format!("Bearer {}", token()))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap(),
    )
    .await
}

fn fixture(name: &str) -> Value {
    let path = format!("{}/../../events/sla/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[tokio::test]
async fn an_inline_policy_with_prior_events_previews_as_the_documented_fixture() {
    let (status, _, body) = preview(json!({
        "policy": fixture("policy_shopify_it.json"),
        "message_at": "2026-12-24T16:00:00Z",
        "events": fixture("preview_events.json"),
    }))
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, fixture("preview_shopify_it_output.json"));
}

#[tokio::test]
async fn validation_errors_are_problems_naming_the_field() {
    let mut bad_policy = fixture("policy_amazon.json");
    bad_policy["warn_at_percent"] = json!([120]);
    let amazon = fixture("policy_amazon.json");
    let cases = [
        (
            json!({"policy": bad_policy, "message_at": "2026-03-28T22:30:00Z"}),
            "policy.warn_at_percent[0]",
        ),
        (
            json!({"policy": amazon, "message_at": "yesterday"}),
            "message_at",
        ),
        (
            json!({"policy": 7, "message_at": "2026-03-28T22:30:00Z"}),
            "policy",
        ),
        (
            json!({"policy": amazon, "message_at": "2026-03-28T22:30:00Z",
                   "events": [{"at": "2026-03-29T00:00:00Z", "kind": "agent_reply"}]}),
            "events",
        ),
        (
            json!({"policy": amazon, "message_at": "2026-03-28T22:30:00Z",
                   "events": [{"at": "2026-03-27T00:00:00Z", "kind": "shouting"}]}),
            "events[0]",
        ),
        // A missing field is named, like a wrong one.
        (json!({"policy": "amazon"}), "message_at"),
    ];
    for (request, field) in cases {
        let (status, content_type, body) = preview(request).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(content_type, "application/problem+json");
        assert_eq!(body["field"], field, "{body}");
        assert!(!body["detail"].as_str().unwrap().is_empty());
    }
}

#[tokio::test]
async fn the_preview_needs_a_token() {
    let (status, _, _) = send(
        Request::post("/v1/sla/preview")
            .body(Body::from(
                r#"{"policy":"amazon","message_at":"2026-03-28T22:30:00Z"}"#,
            ))
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_openapi_document_covers_every_endpoint_and_the_preview_examples() {
    let (status, _, doc) = send(
        Request::get("/v1/openapi.json")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    for path in [
        "/v1/health",
        "/v1/tickets",
        "/v1/tickets/{id}",
        "/v1/sla/preview",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} missing");
    }
    let preview = &doc["paths"]["/v1/sla/preview"]["post"];
    let examples = &preview["requestBody"]["content"]["application/json"]["examples"];
    assert_eq!(examples["seed policy"]["value"]["policy"], "amazon");
    assert_eq!(
        examples["inline business policy"]["value"]["policy"]["id"],
        "shopify-it"
    );
    assert_eq!(
        preview["responses"]["200"]["content"]["application/json"]["example"],
        fixture("preview_shopify_it_output.json")
    );
    assert!(preview["responses"]["400"]["content"]["application/problem+json"].is_object());
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
}
