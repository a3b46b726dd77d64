//! The inbox REST API as a pure `app(state)` router: production serves it with
//! `lambda_http::run`, the local stack on a TCP listener, tests with `oneshot`.

mod admin;
pub mod compliance;
mod identity;
pub mod openapi;
mod paging;
mod problem;
pub mod sla;
mod templates;
mod tickets;

use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};
use marketdesk::auth::DevTokens;
use marketdesk::store::{QuarantineStore, TicketStore};

pub use identity::Authenticated;
pub use problem::Problem;

/// What every handler shares.
#[derive(Debug)]
pub struct AppState<S> {
    pub store: Arc<S>,
    /// Set only by the local stack: accept development tokens it minted itself.
    pub dev_tokens: Option<DevTokens>,
}

impl<S> Clone for AppState<S> {
    fn clone(&self) -> Self {
        AppState {
            store: self.store.clone(),
            dev_tokens: self.dev_tokens.clone(),
        }
    }
}

impl<S> AppState<S> {
    /// Behind API Gateway: identity comes from the JWT authorizer's claims only.
    pub fn deployed(store: S) -> Self {
        AppState {
            store: Arc::new(store),
            dev_tokens: None,
        }
    }

    /// On the local stack: development tokens are verified with the stack's own secret.
    pub fn local(store: S, dev_tokens: DevTokens) -> Self {
        AppState {
            store: Arc::new(store),
            dev_tokens: Some(dev_tokens),
        }
    }
}

pub fn app<S: TicketStore + QuarantineStore + 'static>(state: AppState<S>) -> Router {
    Router::new()
        .route("/v1/health", get(openapi::health))
        .route("/v1/openapi.json", get(openapi::document))
        .route("/v1/sla/preview", post(sla::preview_handler))
        .route("/v1/compliance/check", post(compliance::check_handler))
        .route("/v1/templates", get(templates::list))
        .route("/v1/tickets", get(tickets::inbox::<S>))
        .route("/v1/tickets/{id}", get(tickets::view::<S>))
        .route("/v1/admin/quarantine", get(admin::quarantine::<S>))
        .fallback(|| async { Problem::not_found("no such route") })
        .with_state(state)
}
