//! The OpenAPI document, generated from the handlers' annotations and served at
//! `/v1/openapi.json`.

use utoipa::openapi::link::LinkBuilder;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{HttpMethod, RefOr};
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
        writes::discard_draft,
        writes::set_assignee,
        writes::set_status,
        writes::set_tags,
        writes::no_response_needed,
        crate::order_actions::list,
        crate::order_actions::send,
        crate::reports::response_rate,
        crate::reports::first_response,
        crate::reports::sla,
        crate::reports::volume,
        crate::reports::resolution,
        crate::reports::claims,
        crate::reports::agents,
        crate::reports::account_health,
        crate::reports::vtr,
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
        accounts::delete,
        crate::carriers::get,
        crate::carriers::put,
        crate::carriers::delete,
        crate::feedback::list,
        crate::feedback::get_one,
        crate::claims::list,
        crate::claims::get_one,
        crate::claims::set_status,
        crate::review_requests::get,
        crate::review_requests::put,
        crate::review_requests::report
    ),
    components(schemas(
        Problem,
        sla::PreviewRequest,
        writes::ReplyRequest,
        writes::NoteRequest,
        writes::AssigneeRequest,
        writes::StatusRequest,
        writes::TagsRequest,
        writes::NoResponseNeededRequest,
        crate::order_actions::OrderActionRequest,
        crate::claims::ClaimStatusRequest,
        crate::ops::PresenceRequest,
        rules::RuleSpecSchema,
        rules::RuleSchema,
        rules::TestRequest,
        rules::SampleMessage,
        accounts::NewAccount,
        accounts::MarketplaceInput,
        accounts::AccountUpdate,
        accounts::AccountView,
        accounts::AccountList,
        crate::carriers::CarrierCredentialsInput,
        crate::carriers::ClientInput
    )),
    modifiers(&BearerAuth, &Links, &InputProblems),
    tags(
        (name = "tickets", description = "The inbox and ticket views"),
        (name = "sla", description = "SLA policies and what they mean"),
        (name = "compliance", description = "Marketplace rules for outgoing messages"),
        (name = "claims", description = "A-to-z Guarantee claims and chargebacks with Amazon's deadline, and their case files"),
        (name = "feedback", description = "Amazon seller feedback, its removal assessment and the compliant next step"),
        (name = "templates", description = "Reply templates with placeholders"),
        (name = "admin", description = "Operations: quarantined payloads and their redrive, the audit log"),
        (name = "rules", description = "Automation rules that tag, prioritise, route and draft"),
        (name = "reports", description = "Reports from facts recorded as they happen, and Amazon account health"),
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

/// OpenAPI links: where the id of a resource in one answer goes in the next request. Clients
/// (and schemathesis' stateful phase) follow them from a listing to the ticket routes, and
/// from a created resource to its own routes.
struct Links;

/// `(from path, from method, from status, link name, to path, to method, parameters)`.
type LinkSpec = (
    &'static str,
    HttpMethod,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

const FIRST_TICKET: &[(&str, &str)] = &[("id", "$response.body#/items/0/id")];
const SAME_TICKET_AT_ITS_ETAG: &[(&str, &str)] = &[
    ("id", "$request.path.id"),
    ("If-Match", "$response.header.ETag"),
];
const CREATED: &[(&str, &str)] = &[("id", "$response.body#/id")];

const LINKS: &[LinkSpec] = &[
    (
        "/v1/tickets",
        HttpMethod::Get,
        "200",
        "GetTicket",
        "/v1/tickets/{id}",
        "get",
        FIRST_TICKET,
    ),
    (
        "/v1/tickets",
        HttpMethod::Get,
        "200",
        "Heartbeat",
        "/v1/tickets/{id}/presence",
        "put",
        FIRST_TICKET,
    ),
    (
        "/v1/tickets",
        HttpMethod::Get,
        "200",
        "Leave",
        "/v1/tickets/{id}/presence",
        "delete",
        FIRST_TICKET,
    ),
    (
        "/v1/tickets",
        HttpMethod::Get,
        "200",
        "Reply",
        "/v1/tickets/{id}/replies",
        "post",
        FIRST_TICKET,
    ),
    (
        "/v1/tickets",
        HttpMethod::Get,
        "200",
        "OrderActions",
        "/v1/tickets/{id}/order-actions",
        "get",
        FIRST_TICKET,
    ),
    (
        "/v1/tickets/{id}",
        HttpMethod::Get,
        "200",
        "AddNote",
        "/v1/tickets/{id}/notes",
        "post",
        SAME_TICKET_AT_ITS_ETAG,
    ),
    (
        "/v1/tickets/{id}",
        HttpMethod::Get,
        "200",
        "SetAssignee",
        "/v1/tickets/{id}/assignee",
        "put",
        SAME_TICKET_AT_ITS_ETAG,
    ),
    (
        "/v1/tickets/{id}",
        HttpMethod::Get,
        "200",
        "SetStatus",
        "/v1/tickets/{id}/status",
        "put",
        SAME_TICKET_AT_ITS_ETAG,
    ),
    (
        "/v1/tickets/{id}",
        HttpMethod::Get,
        "200",
        "NoResponseNeeded",
        "/v1/tickets/{id}/no-response-needed",
        "post",
        SAME_TICKET_AT_ITS_ETAG,
    ),
    (
        "/v1/tickets/{id}",
        HttpMethod::Get,
        "200",
        "SetTags",
        "/v1/tickets/{id}/tags",
        "put",
        SAME_TICKET_AT_ITS_ETAG,
    ),
    (
        "/v1/admin/quarantine",
        HttpMethod::Get,
        "200",
        "Redrive",
        "/v1/admin/quarantine/{id}/redrive",
        "post",
        &[("id", "$response.body#/items/0/id")],
    ),
    (
        "/v1/rules",
        HttpMethod::Post,
        "201",
        "GetRule",
        "/v1/rules/{id}",
        "get",
        CREATED,
    ),
    (
        "/v1/rules",
        HttpMethod::Post,
        "201",
        "DeleteRule",
        "/v1/rules/{id}",
        "delete",
        CREATED,
    ),
    (
        "/v1/sla/policies",
        HttpMethod::Post,
        "201",
        "GetPolicy",
        "/v1/sla/policies/{id}",
        "get",
        CREATED,
    ),
    (
        "/v1/sla/policies",
        HttpMethod::Post,
        "201",
        "DeletePolicy",
        "/v1/sla/policies/{id}",
        "delete",
        CREATED,
    ),
    (
        "/v1/templates",
        HttpMethod::Post,
        "201",
        "GetTemplate",
        "/v1/templates/{id}",
        "get",
        CREATED,
    ),
    (
        "/v1/templates",
        HttpMethod::Post,
        "201",
        "DeleteTemplate",
        "/v1/templates/{id}",
        "delete",
        CREATED,
    ),
];

impl Modify for Links {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for (from, method, status, name, to, to_method, parameters) in LINKS {
            let operation = openapi
                .paths
                .paths
                .get_mut(*from)
                .and_then(|item| match method {
                    HttpMethod::Get => item.get.as_mut(),
                    HttpMethod::Post => item.post.as_mut(),
                    _ => None,
                });
            let Some(RefOr::T(response)) =
                operation.and_then(|op| op.responses.responses.get_mut(*status))
            else {
                // A link to a route that is gone must not vanish silently.
                panic!("OpenAPI link {name}: no {status} response of {from}");
            };
            // JSON pointer escaping of the path (`/` is `~1`).
            let reference = format!("#/paths/{}/{to_method}", to.replace('/', "~1"));
            let link = parameters
                .iter()
                .fold(
                    LinkBuilder::new().operation_ref(reference),
                    |link, (k, v)| link.parameter(*k, *v),
                )
                .build();
            response.links.insert((*name).to_owned(), RefOr::T(link));
        }
    }
}

/// What every route may answer to bad input, beside its own documented answers: a body over
/// [`crate::json::MAX_BODY_BYTES`] is a 413, and a malformed query string, a type error inside
/// the body or a duplicate JSON key is a 400 — each a problem naming the field.
struct InputProblems;

impl Modify for InputProblems {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
        let problem = || {
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build()
        };
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                item.get.as_mut(),
                item.put.as_mut(),
                item.post.as_mut(),
                item.delete.as_mut(),
                item.patch.as_mut(),
            ];
            for operation in operations.into_iter().flatten() {
                let responses = &mut operation.responses.responses;
                if operation.request_body.is_some() {
                    responses.entry("413".to_owned()).or_insert_with(|| {
                        RefOr::T(
                            ResponseBuilder::new()
                                .description(format!(
                                    "The body is larger than {} bytes (`field`: `body`).",
                                    crate::json::MAX_BODY_BYTES
                                ))
                                .content("application/problem+json", problem())
                                .build(),
                        )
                    });
                }
                let has_query = operation.parameters.as_ref().is_some_and(|ps| {
                    ps.iter().any(|p| {
                        matches!(p, RefOr::T(p) if p.parameter_in == utoipa::openapi::path::ParameterIn::Query)
                    })
                });
                if operation.request_body.is_some() || has_query {
                    responses.entry("400".to_owned()).or_insert_with(|| {
                        RefOr::T(
                            ResponseBuilder::new()
                                .description("Invalid input: a malformed or repeated query parameter, a type error inside the body, a duplicate JSON key; `field` names it.")
                                .content("application/problem+json", problem())
                                .build(),
                        )
                    });
                }
            }
        }
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

/// The OpenAPI document as pretty JSON (`marketdesk openapi`, the web client's generator).
pub fn json() -> String {
    ApiDoc::openapi()
        .to_pretty_json()
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

pub async fn document() -> axum::Json<utoipa::openapi::OpenApi> {
    axum::Json(ApiDoc::openapi())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use utoipa::OpenApi;

    /// Generated clients name their calls after operationIds: a shared one (`list` on five
    /// paths) is renamed or rejected by the generators.
    #[test]
    fn every_operation_has_an_operation_id_of_its_own() {
        let doc = serde_json::to_value(super::ApiDoc::openapi()).unwrap();
        let mut seen: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, operation) in item.as_object().unwrap() {
                if let Some(id) = operation.get("operationId").and_then(|v| v.as_str()) {
                    seen.entry(id.to_owned())
                        .or_default()
                        .push(format!("{method} {path}"));
                }
            }
        }
        assert!(seen.len() >= 40, "{seen:?}");
        let shared: Vec<_> = seen.iter().filter(|(_, ops)| ops.len() > 1).collect();
        assert!(shared.is_empty(), "operationIds used twice: {shared:?}");
    }
}
