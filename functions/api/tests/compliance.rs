//! `POST /v1/compliance/check` (and its OpenAPI entry), driven with `oneshot`. The check does
//! not touch the store, so the store points at an address nothing listens on.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use marketdesk::auth::Role;
use serde_json::{Value, json};

mod common;

use common::send;

fn token() -> String {
    common::token(Role::Agent)
}

async fn check_raw(body: &str) -> (StatusCode, String, Value) {
    send(
        Request::post("/v1/compliance/check")
            .header(header::AUTHORIZATION, format!("Bearer {}", token()))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_owned()))
            .unwrap(),
    )
    .await
}

async fn check(body: Value) -> (StatusCode, String, Value) {
    check_raw(&body.to_string()).await
}

fn rules(verdict: &Value) -> Vec<&str> {
    verdict["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn an_italian_review_request_is_blocked_with_its_span() {
    let (status, content_type, v) = check(json!({
        "channel": "amazon", "marketplace": "amazon.it", "body": "Ci lasci cinque stelle"
    }))
    .await;
    assert_eq!(
        (status, content_type.as_str()),
        (StatusCode::OK, "application/json")
    );
    assert_eq!(
        (v["verdict"].as_str(), v["language"].as_str()),
        (Some("block"), Some("it"))
    );
    let f = &v["findings"][0];
    assert_eq!(f["rule"], "amazon.review_request");
    assert_eq!(
        (f["start"].as_u64(), f["end"].as_u64()),
        (Some(0), Some(22))
    );
    assert_eq!(f["excerpt"], "Ci lasci cinque stelle");
    assert_eq!(f["severity"], "block");
    assert!(f["message"].is_string() && f["suggestion"].is_string());
}

#[tokio::test]
async fn a_mentioned_review_word_is_a_warning_with_a_rewording() {
    let (status, _, v) = check(json!({
        "channel": "amazon", "marketplace": "amazon.de",
        "body": "Vielen Dank für Ihr Feedback zur Passform, wir haben es weitergegeben."
    }))
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(v["verdict"], "warn");
    let f = &v["findings"][0];
    assert_eq!(
        (f["rule"].as_str(), f["severity"].as_str()),
        (Some("amazon.review_request"), Some("warn"))
    );
    assert!(f["suggestion"].as_str().unwrap().contains("Reword"));
}

#[tokio::test]
async fn a_compliant_tracking_reply_passes_and_formatting_only_warns() {
    let (status, _, v) = check(json!({
        "channel": "amazon", "marketplace": "amazon.co.uk",
        "body": "Your order 203-1234567-1234567 left today with Royal Mail: \
                 https://www.royalmail.com/track-your-item#/tracking-results/AB123456789GB"
    }))
    .await;
    assert_eq!(
        (status, v["verdict"].as_str()),
        (StatusCode::OK, Some("pass")),
        "{v}"
    );
    assert!(rules(&v).is_empty());

    let (_, _, v) =
        check(json!({"channel": "amazon", "marketplace": "uk", "body": "Sent today!!!"})).await;
    assert_eq!(
        (v["verdict"].as_str(), rules(&v)),
        (Some("warn"), vec!["amazon.formatting"])
    );
}

#[tokio::test]
async fn ebay_gets_ebay_rules_and_shopify_only_the_placeholder_rule() {
    let (_, _, v) = check(json!({
        "channel": "ebay", "marketplace": "EBAY_DE", "language": "de",
        "body": "Bitte per PayPal Freunde und Familie zahlen."
    }))
    .await;
    assert_eq!(rules(&v), ["ebay.off_platform_payment"], "{v}");

    let (_, _, v) = check(json!({
        "channel": "shopify",
        "body": "Use code SAVE10 on our shop, order [ORDER_ID]."
    }))
    .await;
    assert_eq!(
        (v["verdict"].as_str(), rules(&v)),
        (Some("block"), vec!["template.unfilled_placeholder"])
    );
    assert_eq!(v["findings"][0]["excerpt"], "[ORDER_ID]");
}

#[tokio::test]
async fn the_given_language_wins_over_the_marketplace() {
    let (_, _, v) = check(json!({
        "channel": "amazon", "marketplace": "amazon.de", "language": "fr-FR",
        "body": "Merci de nous laisser un avis cinq étoiles."
    }))
    .await;
    assert_eq!(v["language"], "fr");
    let excerpts: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["excerpt"].as_str().unwrap())
        .collect();
    assert_eq!(excerpts, ["nous laisser un avis cinq étoiles"], "{v}");
    assert!(rules(&v).iter().all(|r| *r == "amazon.review_request"));
}

#[tokio::test]
async fn invalid_requests_are_problems_naming_the_field() {
    for (body, field) in [
        (
            json!({"marketplace": "it", "body": "Ciao"}).to_string(),
            "channel",
        ),
        (
            json!({"channel": "etsy", "body": "Hi"}).to_string(),
            "channel",
        ),
        (json!({"channel": "amazon"}).to_string(), "body"),
        (json!({"channel": "amazon", "body": ""}).to_string(), "body"),
        (
            json!({"channel": "amazon", "body": "Hi", "language": "??"}).to_string(),
            "language",
        ),
        (
            json!({"channel": "amazon", "body": "Hi", "marketplace": 3}).to_string(),
            "marketplace",
        ),
        (
            json!({"channel": "amazon", "body": "Hi", "tone": "friendly"}).to_string(),
            "tone",
        ),
        ("{\"channel\": \"amazon\", ".to_string(), "body"),
    ] {
        let (status, content_type, problem) = check_raw(&body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(content_type, "application/problem+json");
        assert_eq!(problem["field"], field, "{body}: {problem}");
        assert_eq!(problem["status"], 400);
        assert!(problem["detail"].as_str().is_some_and(|d| !d.is_empty()));
    }
}

#[tokio::test]
async fn the_check_needs_a_token() {
    let (status, content_type, _) = send(
        Request::post("/v1/compliance/check")
            .body(Body::from(
                json!({"channel": "amazon", "body": "Hi"}).to_string(),
            ))
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(content_type, "application/problem+json");
}

#[tokio::test]
async fn the_openapi_document_describes_the_check_with_examples() {
    let (status, _, doc) = send(
        Request::get("/v1/openapi.json")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let op = &doc["paths"]["/v1/compliance/check"]["post"];
    assert_eq!(op["tags"][0], "compliance");
    let examples = op["requestBody"]["content"]["application/json"]["examples"]
        .as_object()
        .unwrap();
    assert_eq!(examples.len(), 4);
    for code in ["200", "400", "401"] {
        assert!(op["responses"][code].is_object(), "{code}");
    }
    let schemas = &doc["components"]["schemas"];
    assert_eq!(
        schemas["ComplianceOutcome"]["enum"],
        json!(["pass", "warn", "block"])
    );
    assert_eq!(
        schemas["ComplianceVerdict"]["properties"]["findings"]["items"]["$ref"],
        "#/components/schemas/ComplianceFinding"
    );
    assert_eq!(
        schemas["ComplianceCheckRequest"]["additionalProperties"],
        false
    );
}

/// The listing itself reads the tenant's templates from the store: see `tests/config.rs`.
#[tokio::test]
async fn the_template_list_needs_a_token_and_is_documented() {
    let (status, _, _) = send(Request::get("/v1/templates").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let (_, _, doc) = send(
        Request::get("/v1/openapi.json")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(
        doc["paths"]["/v1/templates"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
            ["$ref"],
        "#/components/schemas/TemplateList"
    );
}
