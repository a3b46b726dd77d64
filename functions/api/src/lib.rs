//! The inbox REST API as a pure `app(state)` router: production serves it with
//! `lambda_http::run`, the local stack on a TCP listener, tests with `oneshot`.

mod accounts;
mod admin;
pub mod audit;
mod carriers;
mod claims;
pub mod compliance;
mod config;
pub mod cors;
pub mod extract;
mod feedback;
mod identity;
pub mod json;
mod marketplaces;
pub mod openapi;
mod ops;
pub mod order_actions;
mod paging;
mod policies;
mod preconditions;
mod problem;
pub mod reports;
mod review_requests;
pub mod rules;
pub mod sla;
mod templates;
mod tickets;
pub mod writes;

use std::sync::Arc;

use axum::Router;
use axum::http::HeaderValue;
use axum::routing::{delete, get, post, put};
use marketdesk::accounts::{CredentialVault, NotConfigured, PollSchedules};
use marketdesk::auth::DevTokens;
use marketdesk::escalation::{NoSchedules, ScheduleSync};
use marketdesk::outbound::{NoOrderMessaging, OrderMessaging, OutboundQueue};
use marketdesk::redrive::{NoRedrive, Redrive};
use marketdesk::store::{
    AccountStore, ClaimStore, ConfigStore, CustomerStore, FeedbackStore, InsightStore, OrderStore,
    PresenceStore, QuarantineStore, ReportStore, ReviewRequestStore, RuleStore, TicketStore,
};

pub use identity::Authenticated;
pub use problem::Problem;

/// What every handler shares.
pub struct AppState<S> {
    pub store: Arc<S>,
    /// Where accepted replies go for the sender.
    pub outbound: Arc<dyn OutboundQueue>,
    /// Set only by the local stack: accept development tokens it minted itself.
    pub dev_tokens: Option<DevTokens>,
    /// Where redriven quarantined payloads go (none configured: redrive answers 503).
    pub redrive: Arc<dyn Redrive>,
    /// Browser origins allowed by CORS; empty: no CORS headers.
    pub cors_origins: Vec<HeaderValue>,
    /// Where connected accounts' credentials are written (none configured: 503).
    pub credentials: Arc<dyn CredentialVault>,
    /// Connected accounts' poll schedules (none configured: 503).
    pub poll_schedules: Arc<dyn PollSchedules>,
    /// Tickets' SLA escalation schedules, changed when a status change pauses, resumes or
    /// ends a clock (none configured: the escalator judges a stale schedule and the sweep
    /// catches up).
    pub escalations: Arc<dyn ScheduleSync>,
    /// Carrier tracking the ticket view refreshes stale shipments with (none: as stored).
    pub tracking: Arc<dyn marketdesk::tracking::LiveTracking>,
    pub tracking_policy: marketdesk::tracking::RefreshPolicy,
    /// Amazon's Messaging API, for the actions offered on a ticket's order (none: 503).
    pub order_messaging: Arc<dyn OrderMessaging>,
}

impl<S: std::fmt::Debug> std::fmt::Debug for AppState<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("store", &self.store)
            .field("dev_tokens", &self.dev_tokens)
            .field("cors_origins", &self.cors_origins)
            .finish_non_exhaustive()
    }
}

impl<S> Clone for AppState<S> {
    fn clone(&self) -> Self {
        AppState {
            store: self.store.clone(),
            outbound: self.outbound.clone(),
            dev_tokens: self.dev_tokens.clone(),
            redrive: self.redrive.clone(),
            cors_origins: self.cors_origins.clone(),
            credentials: self.credentials.clone(),
            poll_schedules: self.poll_schedules.clone(),
            escalations: self.escalations.clone(),
            tracking: self.tracking.clone(),
            tracking_policy: self.tracking_policy,
            order_messaging: self.order_messaging.clone(),
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
            redrive: Arc::new(NoRedrive),
            cors_origins: Vec::new(),
            credentials: Arc::new(NotConfigured),
            poll_schedules: Arc::new(NotConfigured),
            escalations: Arc::new(NoSchedules),
            tracking: Arc::new(marketdesk::tracking::no_live_tracking()),
            tracking_policy: marketdesk::tracking::RefreshPolicy::default(),
            order_messaging: Arc::new(NoOrderMessaging),
        }
    }

    /// On the local stack: development tokens are verified with the stack's own secret.
    pub fn local(store: S, outbound: impl OutboundQueue + 'static, dev_tokens: DevTokens) -> Self {
        AppState {
            store: Arc::new(store),
            outbound: Arc::new(outbound),
            dev_tokens: Some(dev_tokens),
            redrive: Arc::new(NoRedrive),
            cors_origins: Vec::new(),
            credentials: Arc::new(NotConfigured),
            poll_schedules: Arc::new(NotConfigured),
            escalations: Arc::new(NoSchedules),
            tracking: Arc::new(marketdesk::tracking::no_live_tracking()),
            tracking_policy: marketdesk::tracking::RefreshPolicy::default(),
            order_messaging: Arc::new(NoOrderMessaging),
        }
    }

    /// Quarantined payloads are redriven through `redrive`.
    pub fn with_redrive(mut self, redrive: impl Redrive + 'static) -> Self {
        self.redrive = Arc::new(redrive);
        self
    }

    /// Connected accounts' credentials go to `vault`, their poll schedules to `schedules`.
    pub fn with_accounts(
        mut self,
        vault: impl CredentialVault + 'static,
        schedules: impl PollSchedules + 'static,
    ) -> Self {
        self.credentials = Arc::new(vault);
        self.poll_schedules = Arc::new(schedules);
        self
    }

    /// As [`with_accounts`](Self::with_accounts), sharing one value for both (tests).
    pub fn with_shared_accounts<P: CredentialVault + PollSchedules + 'static>(
        mut self,
        provisioning: Arc<P>,
    ) -> Self {
        self.credentials = provisioning.clone();
        self.poll_schedules = provisioning;
        self
    }

    /// Status changes keep the tickets' escalation schedules in step through `schedules`.
    pub fn with_escalations(mut self, schedules: impl ScheduleSync + 'static) -> Self {
        self.escalations = Arc::new(schedules);
        self
    }

    /// The ticket view refreshes stale shipments through `tracker` as `policy` says.
    pub fn with_tracking(
        mut self,
        tracker: impl marketdesk::tracking::LiveTracking + 'static,
        policy: marketdesk::tracking::RefreshPolicy,
    ) -> Self {
        self.tracking = Arc::new(tracker);
        self.tracking_policy = policy;
        self
    }

    /// Order actions ask Amazon's Messaging API through `messaging`.
    pub fn with_order_messaging(mut self, messaging: Arc<dyn OrderMessaging>) -> Self {
        self.order_messaging = messaging;
        self
    }

    /// Browsers of `origins` may call the API (see [`cors`]).
    pub fn with_cors_origins(mut self, origins: Vec<HeaderValue>) -> Self {
        self.cors_origins = origins;
        self
    }
}

/// Everything the router needs of the store.
pub trait ApiStore:
    TicketStore
    + QuarantineStore
    + PresenceStore
    + InsightStore
    + RuleStore
    + ConfigStore
    + AccountStore
    + CustomerStore
    + OrderStore
    + ReportStore
    + FeedbackStore
    + ClaimStore
    + ReviewRequestStore
    + 'static
{
}
impl<
    S: TicketStore
        + AccountStore
        + QuarantineStore
        + PresenceStore
        + InsightStore
        + RuleStore
        + ConfigStore
        + CustomerStore
        + OrderStore
        + ReportStore
        + FeedbackStore
        + ClaimStore
        + ReviewRequestStore
        + 'static,
> ApiStore for S
{
}

pub fn app<S: ApiStore>(state: AppState<S>) -> Router {
    let cors = cors::layer(&state.cors_origins);
    let router = Router::new()
        .route("/v1/health", get(openapi::health))
        .route("/v1/openapi.json", get(openapi::document))
        .route("/v1/sla/preview", post(sla::preview_handler::<S>))
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
        .route("/v1/tickets/counts", get(ops::counts::<S>))
        .route("/v1/tickets/{id}", get(tickets::view::<S>))
        .route(
            "/v1/tickets/{id}/presence",
            put(ops::heartbeat::<S>).delete(ops::leave::<S>),
        )
        .route("/v1/tickets/{id}/replies", post(writes::reply::<S>))
        .route("/v1/tickets/{id}/notes", post(writes::add_note::<S>))
        .route("/v1/tickets/{id}/draft", delete(writes::discard_draft::<S>))
        .route("/v1/tickets/{id}/assignee", put(writes::set_assignee::<S>))
        .route("/v1/tickets/{id}/status", put(writes::set_status::<S>))
        .route("/v1/tickets/{id}/tags", put(writes::set_tags::<S>))
        .route(
            "/v1/tickets/{id}/no-response-needed",
            post(writes::no_response_needed::<S>),
        )
        .route(
            "/v1/tickets/{id}/order-actions",
            get(order_actions::list::<S>),
        )
        .route(
            "/v1/tickets/{id}/order-actions/{action}",
            post(order_actions::send::<S>),
        )
        .route(
            "/v1/reports/response-rate",
            get(reports::response_rate::<S>),
        )
        .route(
            "/v1/reports/first-response",
            get(reports::first_response::<S>),
        )
        .route("/v1/claims", get(claims::list::<S>))
        .route("/v1/claims/{id}", get(claims::get_one::<S>))
        .route("/v1/claims/{id}/status", put(claims::set_status::<S>))
        .route("/v1/feedback", get(feedback::list::<S>))
        .route("/v1/feedback/{id}", get(feedback::get_one::<S>))
        .route("/v1/reports/sla", get(reports::sla::<S>))
        .route("/v1/reports/volume", get(reports::volume::<S>))
        .route("/v1/reports/resolution", get(reports::resolution::<S>))
        .route("/v1/reports/claims", get(reports::claims::<S>))
        .route("/v1/reports/agents", get(reports::agents::<S>))
        .route("/v1/reports/vtr", get(reports::vtr::<S>))
        .route(
            "/v1/admin/carriers",
            get(carriers::get::<S>)
                .put(carriers::put::<S>)
                .delete(carriers::delete::<S>),
        )
        .route(
            "/v1/admin/review-requests",
            get(review_requests::get::<S>).put(review_requests::put::<S>),
        )
        .route(
            "/v1/reports/review-requests",
            get(review_requests::report::<S>),
        )
        .route(
            "/v1/reports/account-health",
            get(reports::account_health::<S>),
        )
        .route("/v1/admin/quarantine", get(admin::quarantine::<S>))
        .route("/v1/admin/quarantine/{id}/redrive", post(ops::redrive::<S>))
        .route("/v1/admin/audit", get(audit::list::<S>))
        .route(
            "/v1/admin/accounts",
            get(accounts::list::<S>).post(accounts::create::<S>),
        )
        .route(
            "/v1/admin/accounts/{id}",
            get(accounts::get_one::<S>)
                .put(accounts::replace::<S>)
                .delete(accounts::delete::<S>),
        )
        .route("/v1/rules", get(rules::list::<S>).post(rules::create::<S>))
        .route("/v1/rules/test", post(rules::test::<S>))
        .route(
            "/v1/rules/{id}",
            get(rules::get::<S>)
                .put(rules::replace::<S>)
                .delete(rules::delete::<S>),
        )
        .fallback(|| async { Problem::not_found("no such route") })
        .layer(axum::extract::DefaultBodyLimit::max(json::MAX_BODY_BYTES))
        .layer(axum::middleware::map_response(
            extract::problem_for_plain_errors,
        ))
        .with_state(state);
    match cors {
        Some(cors) => router.layer(cors),
        None => router,
    }
}
