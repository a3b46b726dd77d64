//! Tenant isolation over every documented route: the routes come from the OpenAPI document, so a
//! new route is covered as soon as it is documented. A route with a path parameter gets tenant A's
//! resource (one line in `resource_for`), a write gets a valid body (its OpenAPI example or one
//! line in `body_for`), and tenant B's token must get 404 and never see A's ids. The failures
//! list every route that leaked.

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use marketdesk::auth::{DevTokens, Role};
use marketdesk::domain::{AgentId, TenantId, Ticket};
use marketdesk::outbound::MemoryOutboundQueue;
use marketdesk::store::TicketStore;
use marketdesk_devstack::testing::{TestTable, fresh_table};
use marketdesk_tests::{at, first_inbound, new_ticket, tenant};
use serde_json::{Value, json};
use tower::ServiceExt;
use utoipa::OpenApi;

const SECRET: &[u8] = b"isolation-test-secret";

/// Routes that answer without a token.
const PUBLIC: &[&str] = &["/v1/health", "/v1/openapi.json"];

/// Admin-only routes besides everything under `/v1/admin/`: "METHOD /path".
const ADMIN_ONLY: &[&str] = &[];

/// Tenant A's resources.
struct Seeds {
    ticket: Ticket,
}

impl Seeds {
    async fn create(table: &TestTable, a: &TenantId) -> Seeds {
        let ticket = new_ticket(a, at("2026-11-20T10:00:00Z"));
        table
            .store
            .record_inbound(&first_inbound(&ticket, "<iso1@relay>"))
            .await
            .unwrap();
        Seeds { ticket }
    }

    /// Ids of A that B must never see in any answer.
    fn secrets(&self) -> Vec<String> {
        vec![
            self.ticket.id.to_string(),
            self.ticket.customer.to_string(),
            self.ticket.thread.clone(),
        ]
    }
}

/// Tenant A's resource for the path parameter that follows `collection` (`/v1/{collection}/{id}`).
fn resource_for(collection: &str, seeds: &Seeds) -> Option<String> {
    match collection {
        "tickets" => Some(seeds.ticket.id.to_string()),
        _ => None,
    }
}

/// A valid body for a write whose OpenAPI document has no request example.
fn body_for(method: &Method, path: &str) -> Option<Value> {
    let body = match (method.as_str(), path) {
        ("POST", "/v1/tickets/{id}/replies") => json!({
            "body": "Buongiorno, il pacco è partito ieri con BRT. Cordiali saluti.",
            "expected_version": 1
        }),
        ("POST", "/v1/tickets/{id}/notes") => json!({"body": "Called the buyer."}),
        ("PUT", "/v1/tickets/{id}/assignee") => json!({"assignee": "mallory"}),
        ("PUT", "/v1/tickets/{id}/status") => json!({"status": "resolved"}),
        ("PUT", "/v1/tickets/{id}/tags") => json!({"tags": ["x"]}),
        _ => return None,
    };
    Some(body)
}

#[derive(Debug, Clone)]
struct Route {
    method: Method,
    path: String,
    /// The request body's example in the OpenAPI document.
    example: Option<Value>,
}

impl Route {
    fn name(&self) -> String {
        format!("{} {}", self.method, self.path)
    }

    fn has_params(&self) -> bool {
        self.path.contains('{')
    }

    fn is_admin(&self) -> bool {
        self.path.starts_with("/v1/admin/") || ADMIN_ONLY.contains(&self.name().as_str())
    }

    fn body(&self) -> Option<Value> {
        body_for(&self.method, &self.path).or_else(|| self.example.clone())
    }

    /// The path with every parameter replaced by tenant A's resource, or the parameter that has
    /// no resource yet.
    fn concrete(&self, seeds: &Seeds) -> Result<String, String> {
        let mut segments = Vec::new();
        let mut previous = "";
        for segment in self.path.split('/') {
            if segment.starts_with('{') {
                let id = resource_for(previous, seeds).ok_or_else(|| {
                    format!(
                        "{}: add tenant A's `{previous}` resource to `resource_for`",
                        self.name()
                    )
                })?;
                segments.push(id);
            } else {
                segments.push(segment.to_string());
            }
            previous = segment;
        }
        Ok(segments.join("/"))
    }
}

/// Every operation of the OpenAPI document the API serves.
fn documented_routes() -> Vec<Route> {
    let doc = serde_json::to_value(api::openapi::ApiDoc::openapi()).unwrap();
    let mut routes = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let Ok(method) = method.to_uppercase().parse::<Method>() else {
                continue;
            };
            if !operation.is_object() || operation.get("responses").is_none() {
                continue;
            }
            let content = &operation["requestBody"]["content"]["application/json"];
            let example = content.get("example").cloned().or_else(|| {
                content["examples"]
                    .as_object()
                    .and_then(|e| e.values().next())
                    .and_then(|e| e.get("value").cloned())
            });
            routes.push(Route {
                method,
                path: path.clone(),
                example,
            });
        }
    }
    assert!(
        routes.len() >= 10,
        "the document lists the routes: {routes:?}"
    );
    routes
}

struct Env {
    app: axum::Router,
    queue: Arc<MemoryOutboundQueue>,
    table: TestTable,
    a: TenantId,
    seeds: Seeds,
}

async fn env() -> Env {
    let table = fresh_table().await;
    let a = tenant("acme");
    let seeds = Seeds::create(&table, &a).await;
    let queue = Arc::new(MemoryOutboundQueue::default());
    let app = api::app(api::AppState::local(
        table.store.clone(),
        queue.clone(),
        DevTokens::new(SECRET),
    ));
    Env {
        app,
        queue,
        table,
        a,
        seeds,
    }
}

fn token(tenant: &TenantId, role: Role) -> String {
    DevTokens::new(SECRET).mint(
        tenant,
        &AgentId::parse("alice").unwrap(),
        role,
        4_102_444_800,
    )
}

async fn call(
    app: &axum::Router,
    route: &Route,
    path: &str,
    token: Option<&str>,
) -> (StatusCode, String) {
    let mut request = Request::builder()
        .method(route.method.clone())
        .uri(path)
        .header(header::IF_MATCH, "\"v1\"");
    if let Some(token) = token {
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    let request = match route.body() {
        Some(body) => request
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string())),
        None => request.body(Body::empty()),
    };
    let response = app.clone().oneshot(request.unwrap()).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

#[tokio::test]
async fn a_token_of_tenant_b_gets_404_on_every_tenant_a_resource_and_never_sees_a_data() {
    let env = env().await;
    let b = token(&tenant("globex"), Role::Admin);
    let secrets = env.seeds.secrets();
    let mut leaks = Vec::new();
    for route in documented_routes() {
        let path = match route.concrete(&env.seeds) {
            Ok(path) => path,
            Err(missing) => {
                leaks.push(missing);
                continue;
            }
        };
        let (status, body) = call(&env.app, &route, &path, Some(&b)).await;
        if route.has_params() && status != StatusCode::NOT_FOUND {
            leaks.push(format!("{}: {status} instead of 404: {body}", route.name()));
        }
        if status.is_server_error() {
            leaks.push(format!("{}: {status}: {body}", route.name()));
        }
        // A 404 may name the id B itself sent in the path.
        for secret in secrets.iter().filter(|s| !path.contains(s.as_str())) {
            if body.contains(secret.as_str()) {
                leaks.push(format!("{}: shows tenant A's {secret}", route.name()));
            }
        }
    }
    assert!(
        leaks.is_empty(),
        "routes that leaked:\n{}",
        leaks.join("\n")
    );

    assert!(env.queue.sent().is_empty(), "nothing of A was queued");
    let stored = env
        .table
        .store
        .ticket(&env.a, &env.seeds.ticket.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.version, 1, "nothing of A changed");
}

#[tokio::test]
async fn tenant_a_reaches_its_own_resources_on_every_read_route() {
    // Without this, a route that answered 404 to everyone would pass the isolation test.
    let env = env().await;
    let a = token(&env.a, Role::Admin);
    let mut unreachable = Vec::new();
    for route in documented_routes()
        .into_iter()
        .filter(|r| r.method == Method::GET && r.has_params())
    {
        let path = route.concrete(&env.seeds).unwrap();
        let (status, body) = call(&env.app, &route, &path, Some(&a)).await;
        if !status.is_success() || !body.contains(env.seeds.ticket.id.as_str()) {
            unreachable.push(format!("{}: {status}: {body}", route.name()));
        }
    }
    assert!(unreachable.is_empty(), "{}", unreachable.join("\n"));
}

#[tokio::test]
async fn an_agent_gets_403_on_every_admin_route() {
    let env = env().await;
    let agent = token(&env.a, Role::Agent);
    let routes: Vec<Route> = documented_routes()
        .into_iter()
        .filter(Route::is_admin)
        .collect();
    assert!(!routes.is_empty(), "the admin routes are documented");
    let documented: BTreeSet<String> = documented_routes().iter().map(Route::name).collect();
    for listed in ADMIN_ONLY {
        assert!(documented.contains(*listed), "{listed} is not documented");
    }
    let mut open = Vec::new();
    for route in routes {
        let path = route.concrete(&env.seeds).unwrap();
        let (status, body) = call(&env.app, &route, &path, Some(&agent)).await;
        if status != StatusCode::FORBIDDEN {
            open.push(format!("{}: {status}: {body}", route.name()));
        }
    }
    assert!(
        open.is_empty(),
        "admin routes open to agents:\n{}",
        open.join("\n")
    );
}

#[tokio::test]
async fn every_route_but_health_and_the_document_needs_a_token() {
    let env = env().await;
    let mut open = Vec::new();
    for route in documented_routes() {
        let path = route.concrete(&env.seeds).unwrap();
        let (status, body) = call(&env.app, &route, &path, None).await;
        let public = PUBLIC.contains(&route.path.as_str());
        if public != (status != StatusCode::UNAUTHORIZED) {
            open.push(format!("{}: {status}: {body}", route.name()));
        }
    }
    assert!(
        open.is_empty(),
        "routes answering wrongly without a token:\n{}",
        open.join("\n")
    );
}
