//! SP-API Messaging v1 (`specs/amazon/messaging.json`) on the Amazon sandbox.
//!
//! - `GET /messaging/v1/orders/{amazonOrderId}?marketplaceIds=…` (route
//!   `getMessagingActionsForOrder`): the actions offered for a stored order, as HAL
//!   (`_links.actions`, `_embedded.actions`), by a plausible rule (see [`offered_for`]) unless a
//!   test set the order's actions itself ([`super::AmazonSandbox::set_offered_actions`]).
//! - `POST /messaging/v1/orders/{amazonOrderId}/messages/{action}` (one route per operation,
//!   named by its operation id, e.g. `createUnexpectedProblem`): the body is validated against
//!   the operation's request model (undeclared properties, text length, attachments), an action
//!   not offered for the order is refused with 400 as Amazon does, and an accepted message is
//!   recorded ([`super::AmazonSandbox::sent_messages`]) and answered 201.
//!
//! Every route checks the access token and honours the sandbox's `Faults`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::{AmazonState, check_token, invalid_input, render, sp_error, with_rate_header};
use crate::faults::{self, FaultLayer, Faults};

pub const GET_MESSAGING_ACTIONS_ROUTE: &str = "getMessagingActionsForOrder";

/// What a request body may hold, per the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Body {
    /// `text` (required here, 1..=max chars), nothing else.
    Text(usize),
    /// `text` (1..=max) and/or `attachments` (≤ 5).
    TextOrAttachments(usize),
    /// `attachments` only (1..=5).
    Attachments,
    /// `attachments` (1..=5) and the warranty's coverage dates.
    Warranty,
}

/// (action name, operation id = route name, body).
const OPERATIONS: &[(&str, &str, Body)] = &[
    (
        "confirmCustomizationDetails",
        "confirmCustomizationDetails",
        Body::TextOrAttachments(800),
    ),
    (
        "confirmDeliveryDetails",
        "createConfirmDeliveryDetails",
        Body::Text(2000),
    ),
    (
        "legalDisclosure",
        "createLegalDisclosure",
        Body::Attachments,
    ),
    (
        "confirmOrderDetails",
        "createConfirmOrderDetails",
        Body::Text(2000),
    ),
    (
        "confirmServiceDetails",
        "createConfirmServiceDetails",
        Body::Text(2000),
    ),
    ("warranty", "CreateWarranty", Body::Warranty),
    (
        "digitalAccessKey",
        "createDigitalAccessKey",
        Body::TextOrAttachments(400),
    ),
    (
        "unexpectedProblem",
        "createUnexpectedProblem",
        Body::Text(2000),
    ),
    ("invoice", "sendInvoice", Body::Attachments),
];

/// The route name of the operation that sends `action` (`createUnexpectedProblem`).
pub fn operation_route(action: &str) -> Option<&'static str> {
    OPERATIONS
        .iter()
        .find(|(name, _, _)| *name == action)
        .map(|(_, op, _)| *op)
}

/// A message the sandbox accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentMessage {
    pub order: String,
    pub marketplace: String,
    pub action: String,
    /// The request body as received.
    pub body: Value,
}

/// A POST as received, accepted or not (for contract tests of the client's bodies).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessagingRequest {
    /// The operation id (`createUnexpectedProblem`).
    pub operation: &'static str,
    /// The body, if it was JSON.
    pub body: Option<Value>,
    pub status: u16,
}

/// The Messaging state of the sandbox.
#[derive(Debug, Clone, Default)]
pub(super) struct MessagingState {
    /// Actions a test fixed per order; others follow [`offered_for`].
    pub offered: Arc<Mutex<HashMap<String, Vec<String>>>>,
    pub sent: Arc<Mutex<Vec<SentMessage>>>,
    pub requests: Arc<Mutex<Vec<MessagingRequest>>>,
}

/// Marketplaces in the EU, where a legal disclosure is offered.
const EU_MARKETPLACES: &[&str] = &[
    "APJ6JRA9NG5V4",
    "A1PA6795UKMFR9",
    "A13V1IB3VIYZZH",
    "A1RKKUPIHCS9HS",
    "A1805IZSGTT6HS",
    "AMEN7PMS3EDWL",
    "A2NODRKZP88ZB9",
    "A1C3SOZRARQ6R3",
    "A28R8C7NBKEWEA",
];

/// The sandbox's rule for what Amazon offers on an order: nothing once cancelled; the seller
/// of a merchant-fulfilled order may report an unexpected problem until it has shipped and
/// confirm delivery details once it has, and confirm order details while it is unshipped;
/// EU orders take a legal disclosure; shipped orders an invoice.
pub fn offered_for(order: &Value) -> Vec<String> {
    let status = order["fulfillment"]["fulfillmentStatus"]
        .as_str()
        .unwrap_or("");
    let merchant = order["fulfillment"]["fulfilledBy"] == "MERCHANT";
    let marketplace = order["salesChannel"]["marketplaceId"]
        .as_str()
        .unwrap_or("");
    let shipped = matches!(status, "SHIPPED" | "PARTIALLY_SHIPPED");
    let mut actions: Vec<&str> = Vec::new();
    if status == "CANCELLED" {
        return Vec::new();
    }
    if merchant && (shipped || status == "UNSHIPPED") {
        actions.push("unexpectedProblem");
    }
    if merchant && shipped {
        actions.push("confirmDeliveryDetails");
    }
    if merchant && matches!(status, "UNSHIPPED" | "PENDING") {
        actions.push("confirmOrderDetails");
    }
    if EU_MARKETPLACES.contains(&marketplace) {
        actions.push("legalDisclosure");
    }
    if shipped {
        actions.push("invoice");
    }
    actions.into_iter().map(str::to_owned).collect()
}

/// The Messaging routes, each with its fault layer.
pub(super) fn routes(faults: &Faults) -> Router<AmazonState> {
    let layer = |route| {
        middleware::from_fn_with_state(
            FaultLayer {
                faults: faults.clone(),
                route,
                render,
            },
            faults::apply,
        )
    };
    let mut router = Router::new().route(
        "/messaging/v1/orders/{amazonOrderId}",
        get(get_actions).layer(layer(GET_MESSAGING_ACTIONS_ROUTE)),
    );
    for &(action, operation, body) in OPERATIONS {
        router = router.route(
            &format!("/messaging/v1/orders/{{amazonOrderId}}/messages/{action}"),
            post(
                move |state: State<AmazonState>,
                      headers: HeaderMap,
                      path: Path<String>,
                      query: Query<HashMap<String, String>>,
                      bytes: Bytes| {
                    create(
                        state,
                        headers,
                        path,
                        query,
                        bytes,
                        (action, operation, body),
                    )
                },
            )
            .layer(layer(operation)),
        );
    }
    router
}

/// The one marketplace id of `marketplaceIds` (required, at most one), else the refusal.
fn one_marketplace(params: &HashMap<String, String>) -> Result<String, Response> {
    if let Some(unknown) = params.keys().find(|k| k.as_str() != "marketplaceIds") {
        return Err(invalid_input(format!("Unknown parameter: {unknown}")));
    }
    let ids: Vec<&str> = params
        .get("marketplaceIds")
        .map(|v| v.split(',').filter(|s| !s.is_empty()).collect())
        .unwrap_or_default();
    match ids.as_slice() {
        [one] => Ok((*one).to_owned()),
        [] => Err(invalid_input("marketplaceIds is required")),
        _ => Err(invalid_input("Only one marketplaceId may be given")),
    }
}

/// The stored order, checked against the marketplace it was placed in.
fn order_in(state: &AmazonState, id: &str, marketplace: &str) -> Result<Value, Response> {
    let not_found = || {
        sp_error(
            StatusCode::NOT_FOUND,
            "NotFound",
            &format!("Order {id} was not found"),
            None,
        )
    };
    let order = state
        .orders
        .lock()
        .unwrap()
        .get(id)
        .cloned()
        .ok_or_else(not_found)?;
    if order["salesChannel"]["marketplaceId"] != marketplace {
        return Err(not_found());
    }
    Ok(order)
}

fn offered(state: &AmazonState, order: &Value) -> Vec<String> {
    let id = order["orderId"].as_str().unwrap_or_default();
    state
        .messaging
        .offered
        .lock()
        .unwrap()
        .get(id)
        .cloned()
        .unwrap_or_else(|| offered_for(order))
}

async fn get_actions(
    State(state): State<AmazonState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    if let Some(refusal) = check_token(&state, &headers) {
        return refusal;
    }
    let response = (|| {
        let marketplace = one_marketplace(&params)?;
        let order = order_in(&state, &id, &marketplace)?;
        let query = format!("marketplaceIds={marketplace}");
        let base = format!("/messaging/v1/orders/{id}");
        let actions = offered(&state, &order);
        let links: Vec<Value> = actions
            .iter()
            .map(|a| json!({"href": format!("{base}/messages/{a}?{query}"), "name": a}))
            .collect();
        let embedded: Vec<Value> = actions
            .iter()
            .map(|a| {
                json!({"_links": {
                    "self": {"href": format!("{base}/messages/{a}?{query}"), "name": a},
                    "schema": {"href": format!("{base}/messages/{a}/schema"), "name": a},
                }})
            })
            .collect();
        let body = json!({
            "_links": {"self": {"href": format!("{base}?{query}")}, "actions": links},
            "_embedded": {"actions": embedded},
        });
        let mut response = axum::Json(body).into_response();
        response.headers_mut().insert(
            axum::http::header::CONTENT_TYPE,
            axum::http::HeaderValue::from_static("application/hal+json"),
        );
        Ok(response)
    })()
    .unwrap_or_else(|refusal: Response| refusal);
    with_rate_header(&state, response)
}

/// Checks a body against the operation's request model; the refusal names the field.
fn validate_body(body: &Value, kind: Body) -> Result<(), String> {
    let object = body
        .as_object()
        .ok_or("The request body must be an object")?;
    let allowed: &[&str] = match kind {
        Body::Text(_) => &["text"],
        Body::TextOrAttachments(_) => &["text", "attachments"],
        Body::Attachments => &["attachments"],
        Body::Warranty => &["attachments", "coverageStartDate", "coverageEndDate"],
    };
    if let Some(unknown) = object.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(format!("Unknown property: {unknown}"));
    }
    let max = match kind {
        Body::Text(max) | Body::TextOrAttachments(max) => Some(max),
        _ => None,
    };
    if let Some(max) = max {
        match object.get("text") {
            Some(Value::String(text)) => {
                let chars = text.chars().count();
                if chars == 0 || chars > max {
                    return Err(format!(
                        "text must be 1 to {max} characters long, not {chars}"
                    ));
                }
            }
            Some(_) => return Err("text must be a string".to_owned()),
            None if kind == Body::Text(max) => return Err("text is required".to_owned()),
            None if !object.contains_key("attachments") => {
                return Err("text or attachments is required".to_owned());
            }
            None => {}
        }
    }
    if let Some(attachments) = object.get("attachments") {
        let list = attachments
            .as_array()
            .ok_or("attachments must be an array")?;
        if list.len() > 5 || (list.is_empty() && max.is_none()) {
            return Err("attachments must hold 1 to 5 attachments".to_owned());
        }
        for (i, a) in list.iter().enumerate() {
            let ok = a.as_object().is_some_and(|a| {
                a.keys()
                    .all(|k| k == "uploadDestinationId" || k == "fileName")
                    && a.get("uploadDestinationId").is_some_and(Value::is_string)
                    && a.get("fileName").is_some_and(Value::is_string)
            });
            if !ok {
                return Err(format!(
                    "attachments[{i}] needs uploadDestinationId and fileName only"
                ));
            }
        }
    } else if max.is_none() {
        return Err("attachments is required".to_owned());
    }
    Ok(())
}

async fn create(
    State(state): State<AmazonState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(params): Query<HashMap<String, String>>,
    bytes: Bytes,
    (action, operation, kind): (&'static str, &'static str, Body),
) -> Response {
    let parsed: Option<Value> = serde_json::from_slice(&bytes).ok();
    let response = match check_token(&state, &headers) {
        Some(refusal) => refusal,
        None => (|| {
            let marketplace = one_marketplace(&params)?;
            let body = parsed
                .clone()
                .ok_or_else(|| invalid_input("The request body is not JSON"))?;
            validate_body(&body, kind).map_err(invalid_input)?;
            let order = order_in(&state, &id, &marketplace)?;
            if !offered(&state, &order).iter().any(|a| a == action) {
                return Err(invalid_input(format!(
                    "The {action} message type is not available for order {id}"
                )));
            }
            state.messaging.sent.lock().unwrap().push(SentMessage {
                order: id.clone(),
                marketplace,
                action: action.to_owned(),
                body,
            });
            Ok((StatusCode::CREATED, axum::Json(json!({}))).into_response())
        })()
        .unwrap_or_else(|refusal: Response| refusal),
    };
    state
        .messaging
        .requests
        .lock()
        .unwrap()
        .push(MessagingRequest {
            operation,
            body: parsed,
            status: response.status().as_u16(),
        });
    with_rate_header(&state, response)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::amazon::{AmazonConfig, sample_order};

    #[test]
    fn the_offer_follows_fulfilment_status_and_marketplace() {
        let now = AmazonConfig::default().now;
        let mut order = sample_order(5, "APJ6JRA9NG5V4", now);
        order["fulfillment"]["fulfilledBy"] = json!("MERCHANT");
        order["fulfillment"]["fulfillmentStatus"] = json!("SHIPPED");
        assert_eq!(
            offered_for(&order),
            [
                "unexpectedProblem",
                "confirmDeliveryDetails",
                "legalDisclosure",
                "invoice"
            ]
        );
        order["fulfillment"]["fulfilledBy"] = json!("AMAZON");
        assert_eq!(offered_for(&order), ["legalDisclosure", "invoice"]);
        order["fulfillment"]["fulfillmentStatus"] = json!("CANCELLED");
        assert!(offered_for(&order).is_empty());
        let mut us = sample_order(5, "ATVPDKIKX0DER", now);
        us["fulfillment"]["fulfilledBy"] = json!("MERCHANT");
        us["fulfillment"]["fulfillmentStatus"] = json!("UNSHIPPED");
        assert_eq!(
            offered_for(&us),
            ["unexpectedProblem", "confirmOrderDetails"]
        );
    }

    #[test]
    fn bodies_are_held_to_the_request_models() {
        let text = Body::Text(2000);
        assert!(validate_body(&json!({"text": "ok"}), text).is_ok());
        assert!(validate_body(&json!({"text": ""}), text).is_err());
        assert!(validate_body(&json!({"text": "x".repeat(2001)}), text).is_err());
        assert!(validate_body(&json!({"text": "ok", "subject": "x"}), text).is_err());
        assert!(validate_body(&json!({}), text).is_err());
        let key = Body::TextOrAttachments(400);
        assert!(validate_body(&json!({"text": "k".repeat(400)}), key).is_ok());
        assert!(validate_body(&json!({"text": "k".repeat(401)}), key).is_err());
        let attach = json!({"attachments": [{"uploadDestinationId": "u", "fileName": "a.pdf"}]});
        assert!(validate_body(&attach, Body::Attachments).is_ok());
        assert!(validate_body(&json!({"attachments": []}), Body::Attachments).is_err());
        assert!(validate_body(&json!({"text": "x"}), Body::Attachments).is_err());
    }
}
