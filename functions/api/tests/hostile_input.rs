//! Hostile and sloppy callers: every rejection is problem+json naming the field at fault —
//! query strings, type errors inside bodies, duplicate JSON keys, unknown marketplaces,
//! oversized bodies (413), unknown methods — and the `Bearer` scheme is case-insensitive.

mod common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use common::{send, token};
use marketdesk::auth::Role;
use marketdesk::domain::TicketId;
use serde_json::Value;

fn post(path: &str, auth: &str, body: impl Into<Body>) -> Request<Body> {
    Request::post(path)
        .header(header::AUTHORIZATION, auth)
        .header(header::CONTENT_TYPE, "application/json")
        .body(body.into())
        .unwrap()
}

fn bearer() -> String {
    format!("Bearer {}", token(Role::Admin))
}

fn assert_problem(answer: &(StatusCode, String, Value), status: StatusCode, field: &str) {
    let (got, content_type, body) = answer;
    assert_eq!(*got, status, "{body}");
    assert_eq!(content_type, "application/problem+json", "{body}");
    assert_eq!(body["status"], status.as_u16(), "{body}");
    assert_eq!(body["field"], field, "{body}");
    assert!(
        body["detail"].as_str().is_some_and(|d| !d.is_empty()),
        "{body}"
    );
}

#[tokio::test]
async fn the_bearer_scheme_is_case_insensitive() {
    let body = r#"{"channel": "amazon", "marketplace": "amazon.it", "body": "Grazie"}"#;
    for scheme in ["Bearer", "bearer", "BEARER"] {
        let auth = format!("{scheme} {}", token(Role::Agent));
        let (status, _, answer) = send(post("/v1/compliance/check", &auth, body)).await;
        assert_eq!(status, StatusCode::OK, "{scheme}: {answer}");
    }
    let auth = format!("Basic {}", token(Role::Agent));
    let (status, content_type, _) = send(post("/v1/compliance/check", &auth, body)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(content_type, "application/problem+json");
}

#[tokio::test]
async fn duplicate_keys_and_unknown_marketplaces_are_refused_by_name() {
    let duplicate = r#"{"channel": "amazon", "body": "Hi", "channel": "ebay"}"#;
    let answer = send(post("/v1/compliance/check", &bearer(), duplicate)).await;
    assert_problem(&answer, StatusCode::BAD_REQUEST, "channel");

    for marketplace in ["amazon.xx", "EBAY_ZZ", "narnia"] {
        let body =
            format!(r#"{{"channel": "amazon", "marketplace": "{marketplace}", "body": "Hi"}}"#);
        let answer = send(post("/v1/compliance/check", &bearer(), body)).await;
        assert_problem(&answer, StatusCode::BAD_REQUEST, "marketplace");
    }
}

#[tokio::test]
async fn a_type_error_inside_a_body_names_the_field_not_the_body() {
    let ticket = TicketId::generate(chrono::Utc::now());
    let path = format!("/v1/tickets/{ticket}/presence");
    let request = Request::builder()
        .method(Method::PUT)
        .uri(&path)
        .header(header::AUTHORIZATION, bearer())
        .body(Body::from(r#"{"state": 5}"#))
        .unwrap();
    assert_problem(&send(request).await, StatusCode::BAD_REQUEST, "state");

    let path = format!("/v1/tickets/{ticket}/notes");
    let answer = send(post(&path, &bearer(), r#"{"body": ["not", "text"]}"#)).await;
    assert_problem(&answer, StatusCode::BAD_REQUEST, "body");
    let answer = send(post(&path, &bearer(), r#"{"body": "a", "body": "b"}"#)).await;
    assert_problem(&answer, StatusCode::BAD_REQUEST, "body");
}

#[tokio::test]
async fn a_bad_query_parameter_is_named() {
    for (query, field) in [
        ("limit=lots", "limit"),
        ("limit=-3", "limit"),
        ("limit=1&limit=2", "limit"),
    ] {
        let request = Request::get(format!("/v1/tickets?{query}"))
            .header(header::AUTHORIZATION, bearer())
            .body(Body::empty())
            .unwrap();
        assert_problem(&send(request).await, StatusCode::BAD_REQUEST, field);
    }
}

#[tokio::test]
async fn an_oversized_body_is_a_413_problem() {
    let huge = format!(
        r#"{{"channel": "amazon", "body": "{}"}}"#,
        "x".repeat(api::json::MAX_BODY_BYTES)
    );
    let answer = send(post("/v1/compliance/check", &bearer(), huge)).await;
    assert_problem(&answer, StatusCode::PAYLOAD_TOO_LARGE, "body");
}

#[tokio::test]
async fn an_unknown_method_is_a_405_problem_with_allow() {
    let request = Request::builder()
        .method(Method::PATCH)
        .uri("/v1/compliance/check")
        .header(header::AUTHORIZATION, bearer())
        .body(Body::empty())
        .unwrap();
    let response = tower::ServiceExt::oneshot(common::app().await, request)
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert!(response.headers().contains_key(header::ALLOW));
    assert_eq!(
        response.headers()[header::CONTENT_TYPE],
        "application/problem+json"
    );
}
