//! What the router tests share: a store-less app (its store points at an address nothing
//! listens on, for routes that never reach it), tokens, and `oneshot` calls. Not every test file
//! uses every helper.
#![allow(dead_code)]

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use marketdesk::adapters::dynamo::DynamoStore;
use marketdesk::auth::{DevTokens, Role};
use marketdesk::domain::{AgentId, TenantId};
use serde_json::Value;
use tower::ServiceExt;

const SECRET: &[u8] = b"storeless-router-test-secret";

pub async fn app() -> axum::Router {
    let config = marketdesk_devstack::emulator::sdk_config_for("http://127.0.0.1:9").await;
    let store = DynamoStore::from_config(&config, "unused");
    api::app(api::AppState::local(
        store,
        marketdesk::outbound::MemoryOutboundQueue::default(),
        DevTokens::new(SECRET),
    ))
}

/// A token of user `alice` of tenant `demo` with `role`.
pub fn token(role: Role) -> String {
    DevTokens::new(SECRET).mint(
        &TenantId::parse("demo").unwrap(),
        &AgentId::parse("alice").unwrap(),
        role,
        4_102_444_800,
    )
}

/// Status, content type and JSON body (`Null` if not JSON) of `request`.
pub async fn send(request: Request<Body>) -> (StatusCode, String, Value) {
    let response = app().await.oneshot(request).await.unwrap();
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
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// What a test reads of an answer.
pub struct Answer {
    pub status: StatusCode,
    pub etag: Option<String>,
    pub location: Option<String>,
    pub content_type: String,
    /// The body as JSON (`Null` if it is not JSON).
    pub body: Value,
    /// The body as text.
    pub text: String,
}

/// `method path` on `app` as the bearer of `token`, with `If-Match` and a JSON body if given.
pub async fn request(
    app: &axum::Router,
    method: Method,
    path: &str,
    token: &str,
    if_match: Option<&str>,
    body: Option<Value>,
) -> Answer {
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"));
    if let Some(tag) = if_match {
        request = request.header(header::IF_MATCH, tag);
    }
    let body = body.map_or(Body::empty(), |b| Body::from(b.to_string()));
    let response = app
        .clone()
        .oneshot(request.body(body).unwrap())
        .await
        .unwrap();
    let header_of = |name| {
        response
            .headers()
            .get(name)
            .map(|v: &header::HeaderValue| v.to_str().unwrap().to_string())
    };
    let (etag, location, content_type) = (
        header_of(header::ETAG),
        header_of(header::LOCATION),
        header_of(header::CONTENT_TYPE).unwrap_or_default(),
    );
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    Answer {
        status,
        etag,
        location,
        content_type,
        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        text: String::from_utf8_lossy(&bytes).into_owned(),
    }
}
