//! What the store-less router tests share: an app whose store points at an address nothing
//! listens on (the routes under test never reach it), tokens, and a `oneshot` call.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
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
