//! The OpenAPI document, generated from the handlers' annotations and served at
//! `/v1/openapi.json`.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::{Problem, accounts, compliance, policies, rules, sla, templates, tickets, writes};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "marketdesk API",
        description = "Inbox, tickets and SLA tools of the marketdesk helpdesk backend."
    ),
    paths(
        health,
        tickets::inbox,
        tickets::view,
        writes::reply,
        writes::add_note,
        writes::set_assignee,
        writes::set_status,
        writes::set_tags,
        sla::preview_handler,
        policies::list,
        policies::get_one,
        policies::create,
        policies::replace,
        policies::delete,
        compliance::check_handler,
        templates::list,
        templates::get_one,
        templates::create,
        templates::replace,
        templates::delete,
        crate::admin::quarantine,
        crate::ops::heartbeat,
        crate::ops::leave,
        crate::ops::counts,
        crate::ops::redrive,
        crate::audit::list,
        rules::list,
        rules::create,
        rules::get,
        rules::replace,
        rules::delete,
        rules::test,
        accounts::list,
        accounts::create,
        accounts::get_one,
        accounts::replace,
        accounts::delete
    ),
    components(schemas(
        Problem,
        sla::PreviewRequest,
        writes::ReplyRequest,
        writes::NoteRequest,
        writes::AssigneeRequest,
        writes::StatusRequest,
        writes::TagsRequest,
        crate::ops::PresenceRequest,
        rules::RuleSpecSchema,
        rules::RuleSchema,
        rules::TestRequest,
        rules::SampleMessage,
        accounts::NewAccount,
        accounts::MarketplaceInput,
        accounts::AccountUpdate,
        accounts::AccountView,
        accounts::AccountList
    )),
    modifiers(&BearerAuth),
    tags(
        (name = "tickets", description = "The inbox and ticket views"),
        (name = "sla", description = "SLA policies and what they mean"),
        (name = "compliance", description = "Marketplace rules for outgoing messages"),
        (name = "templates", description = "Reply templates with placeholders"),
        (name = "admin", description = "Operations: quarantined payloads and their redrive, the audit log"),
        (name = "rules", description = "Automation rules that tag, prioritise, route and draft"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// Liveness.
#[utoipa::path(
    get,
    path = "/v1/health",
    responses((status = 200, description = "The API runs", body = Object,
        example = json!({"status": "ok"})))
)]
pub async fn health() -> axum::Json<serde_json::Value> {
    axum::Json(serde_json::json!({"status": "ok"}))
}

pub async fn document() -> axum::Json<utoipa::openapi::OpenApi> {
    axum::Json(ApiDoc::openapi())
}
