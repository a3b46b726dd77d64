//! The inbox REST API as a pure `app(state)` router: production serves it with
//! `lambda_http::run`, the local stack on a TCP listener, tests with `oneshot`.

mod admin;
pub mod compliance;
mod config;
mod identity;
pub mod openapi;
mod paging;
mod policies;
mod problem;
pub mod sla;
mod templates;
mod tickets;
pub mod writes;

use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post, put};
use marketdesk::auth::DevTokens;
use marketdesk::outbound::OutboundQueue;
use marketdesk::store::{ConfigStore, QuarantineStore, TicketStore};

pub use identity::Authenticated;
pub use problem::Problem;

/// What every handler shares.
pub struct AppState<S> {
    pub store: Arc<S>,
    /// Where accepted replies go for the sender.
    pub outbound: Arc<dyn OutboundQueue>,
    /// Set only by the local stack: accept development tokens it minted itself.
    pub dev_tokens: Option<DevTokens>,
}

impl<S: std::fmt::Debug> std::fmt::Debug for AppState<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("store", &self.store)
            .field("dev_tokens", &self.dev_tokens)
            .finish_non_exhaustive()
    }
}

impl<S> Clone for AppState<S> {
    fn clone(&self) -> Self {
        AppState {
            store: self.store.clone(),
            outbound: self.outbound.clone(),
            dev_tokens: self.dev_tokens.clone(),
        }
    }
}

impl<S> AppState<S> {
    /// Behind API Gateway: identity comes from the JWT authorizer's claims only.
    pub fn deployed(store: S, outbound: impl OutboundQueue + 'static) -> Self {
        AppState {
            store: Arc::new(store),
            outbound: Arc::new(outbound),
            dev_tokens: None,
        }
    }

    /// On the local stack: development tokens are verified with the stack's own secret.
    pub fn local(store: S, outbound: impl OutboundQueue + 'static, dev_tokens: DevTokens) -> Self {
        AppState {
            store: Arc::new(store),
            outbound: Arc::new(outbound),
            dev_tokens: Some(dev_tokens),
        }
    }
}

pub fn app<S: TicketStore + QuarantineStore + ConfigStore + 'static>(state: AppState<S>) -> Router {
    Router::new()
        .route("/v1/health", get(openapi::health))
        .route("/v1/openapi.json", get(openapi::document))
        .route("/v1/sla/preview", post(sla::preview_handler))
        .route("/v1/compliance/check", post(compliance::check_handler))
        .route(
            "/v1/sla/policies",
            get(policies::list::<S>).post(policies::create::<S>),
        )
        .route(
            "/v1/sla/policies/{id}",
            get(policies::get_one::<S>)
                .put(policies::replace::<S>)
                .delete(policies::delete::<S>),
        )
        .route(
            "/v1/templates",
            get(templates::list::<S>).post(templates::create::<S>),
        )
        .route(
            "/v1/templates/{id}",
            get(templates::get_one::<S>)
                .put(templates::replace::<S>)
                .delete(templates::delete::<S>),
        )
        .route("/v1/tickets", get(tickets::inbox::<S>))
        .route("/v1/tickets/{id}", get(tickets::view::<S>))
        .route("/v1/tickets/{id}/replies", post(writes::reply::<S>))
        .route("/v1/tickets/{id}/notes", post(writes::add_note::<S>))
        .route("/v1/tickets/{id}/assignee", put(writes::set_assignee::<S>))
        .route("/v1/tickets/{id}/status", put(writes::set_status::<S>))
        .route("/v1/tickets/{id}/tags", put(writes::set_tags::<S>))
        .route("/v1/admin/quarantine", get(admin::quarantine::<S>))
        .fallback(|| async { Problem::not_found("no such route") })
        .with_state(state)
}
